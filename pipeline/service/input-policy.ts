import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { SatError } from '../core/errors.js';
import { isInside as inside } from '../core/inside-roots.js';
import { METADATA_FILE, MODEL_FILE, WEIGHTS_FILE } from '../model/model-package.js';
import { isUrl, resolveJobPaths, URL_INPUTS, type JobSpec } from '../jobs/job-spec.js';
import { isOriginAllowed } from '../raster/sources/http-source.js';

export interface InputPolicy {
  /** Absolute folders inputs must lie in; a relative path is looked for in each in turn. */
  dataRoots: string[];
  /** Origins (service.allowedHosts: `scheme://host[:port]`, or a bare host meaning https:443) URL imagery may come from. */
  allowedHosts: string[];
}

/**
 * A submitted job may read only what the deployment allows: files inside the data roots — after resolving
 * symlinks, so a link pointing out of a root is refused like `../` — and http(s) imagery from allow-listed origins
 * (scheme, host and port must match an entry; the workers check again, redirect hops included, before connecting).
 * Each refusal names the field and the reason; the paths are not echoed beyond what the user sent.
 */
export function applyInputPolicy(spec: JobSpec, policy: InputPolicy): JobSpec {
  const roots = policy.dataRoots.map((r) => {
    try {
      return realpathSync(r);
    } catch {
      return path.resolve(r);
    }
  });
  return resolveJobPaths(spec, (p, what) => {
    if (isUrl(p)) {
      if (!URL_INPUTS.includes(what)) throw new SatError('E_INPUT', `${what}: only the imagery (or its STAC source) may be a URL`);
      let url: URL;
      try {
        url = new URL(p);
      } catch {
        throw new SatError('E_INPUT', `${what}: invalid URL`);
      }
      if (!isOriginAllowed(url, policy.allowedHosts)) {
        // url.host carries the port when it is not the scheme's default.
        throw new SatError('E_INPUT', `${what}: host ${url.host} is not an allowed input host for ${url.protocol.slice(0, -1)} (scheme, host and port must match an entry of service.allowedHosts)`);
      }
      return p;
    }
    if (p.includes('\0')) throw new SatError('E_INPUT', `${what}: invalid path`);
    // A relative path is looked for in each root in turn (the first where it exists), so one job names its data in
    // one root and its model in another (../shared/data and out/models by default, /data and /models in
    // docker-compose). Only places inside a root are looked at, so nothing is learnt about files elsewhere.
    const candidates = policy.dataRoots
      .map((r) => path.resolve(r, p))
      .filter((c) => roots.some((r) => inside(r, c)) || policy.dataRoots.some((r) => inside(path.resolve(r), c)));
    const candidate = candidates.find((c) => existsSync(c)) ?? candidates[0];
    if (candidate === undefined) throw new SatError('E_INPUT', `${what}: ${p} is outside the data roots`);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      throw new SatError('E_INPUT', `${what}: ${p} does not exist in the data roots`);
    }
    if (!roots.some((r) => inside(r, real))) throw new SatError('E_INPUT', `${what}: ${p} resolves (through a symbolic link) outside the data roots`);
    // A model is a folder: the files read from it must not lead out of the data roots either.
    if (what === 'model') {
      for (const file of [MODEL_FILE, WEIGHTS_FILE, METADATA_FILE]) {
        let target: string;
        try {
          target = realpathSync(path.join(real, file));
        } catch {
          continue; // a missing file is the model loader's to report
        }
        if (!roots.some((r) => inside(r, target))) throw new SatError('E_INPUT', `${what}: ${p}/${file} resolves (through a symbolic link) outside the data roots`);
      }
    }
    return real;
  });
}

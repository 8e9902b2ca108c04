/**
 * Bundles the web app (web/src, TypeScript + CSS, OpenLayers and proj4 from node_modules: nothing from a CDN) into
 * dist/web, which `sat serve` serves at `/`. Run by `npm run build`; `node --import tsx web/build.ts [OUT]`.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_BUILD_DIR = path.join(here, '..', 'dist', 'web');

/** Builds into a fresh folder beside `out` and swaps it in, so a server never reads half a build. */
export async function buildWebApp(out = WEB_BUILD_DIR): Promise<void> {
  const staging = `${out}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.join(staging, 'app'), { recursive: true });
  const common = { bundle: true, minify: true, sourcemap: true, logLevel: 'warning', legalComments: 'linked' } as const;
  await build({ ...common, entryPoints: [path.join(here, 'src', 'main.ts')], outfile: path.join(staging, 'app', 'app.js'), format: 'esm', target: 'es2022' });
  await build({ ...common, entryPoints: [path.join(here, 'src', 'app.css')], outfile: path.join(staging, 'app', 'app.css') });
  copyFileSync(path.join(here, 'index.html'), path.join(staging, 'index.html'));
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await buildWebApp(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}

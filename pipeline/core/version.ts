import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

let cached: string | undefined;

/**
 * The version recorded in provenance: SAT_CODE_VERSION when set and not empty (the Docker image has no git, so
 * its build arg of that name is baked in as this variable), else the package version plus the git commit when run
 * from a checkout ("0.1.0+abc1234"), else the package version alone (an installed package).
 */
export function codeVersion(): string {
  if (cached) return cached;
  const baked = process.env.SAT_CODE_VERSION?.trim();
  if (baked) return (cached = baked);
  const dir = packageRoot();
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout (an installed package): the version alone
  }
  cached = commit ? `${pkg.version}+${commit}` : pkg.version;
  return cached;
}

import { execFileSync } from 'node:child_process';

/** GDAL is a reference in tests, never a runtime dependency. In CI it must be there (.ci/run installs it). */
export const hasGdal = (() => {
  try {
    execFileSync('gdalinfo', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('gdal-bin is not installed; .ci/run should install it');
    return false;
  }
})();

export function gdalinfoJson(file: string, extra: string[] = []): any {
  return JSON.parse(execFileSync('gdalinfo', ['-json', ...extra, file], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

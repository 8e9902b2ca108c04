import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('settings', () => {
  it('the defaults load and validate', () => {
    const s = loadSettings(undefined, {});
    expect(s.tiling).toEqual({ tileSize: 512, halo: 8 });
    expect(s.raster.decodeThreads).toBe(0);
  });

  it('a user file overlays the defaults key by key; the environment overrides both', () => {
    const file = path.join(tmp, 'mine.yaml');
    writeFileSync(file, 'tiling:\n  halo: 8\n');
    const s = loadSettings(file, { SAT_DECODE_THREADS: '3' });
    expect(s.tiling).toEqual({ tileSize: 512, halo: 8 });
    expect(s.raster.decodeThreads).toBe(3);
    // A token is everything after the first '=': base64 tokens end in '='.
    expect(loadSettings(file, { SAT_API_TOKENS: 'alice=c2VjcmV0LXRva2VuLTAxMjM0NTY3==' }).service.tokens).toEqual({ alice: 'c2VjcmV0LXRva2VuLTAxMjM0NTY3==' });
  });

  it('unknown keys, wrong types and bad YAML are errors naming the key and the file', () => {
    const file = path.join(tmp, 'bad.yaml');
    writeFileSync(file, 'tiling:\n  tileSize: big\n  halos: 3\nlogLevel: loud\n');
    let message = '';
    try {
      loadSettings(file, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/invalid configuration in .*bad\.yaml/);
    expect(message).toMatch(/tiling\.tileSize: /);
    expect(message).toMatch(/tiling: Unrecognized key.*"halos"/);
    expect(message).toMatch(/logLevel: /);
    writeFileSync(file, 'tiling: [unclosed\n');
    expect(() => loadSettings(file, {})).toThrow(/bad\.yaml is not valid YAML/);
    expect(() => loadSettings(path.join(tmp, 'none.yaml'), {})).toThrow(/cannot read configuration file/);
  });
});

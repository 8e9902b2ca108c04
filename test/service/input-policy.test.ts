import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../../pipeline/jobs/job-spec.js';
import { applyInputPolicy } from '../../pipeline/service/input-policy.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-policy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = path.join(tmp, 'data');
const models = path.join(tmp, 'models');
mkdirSync(path.join(data, 'scenes'), { recursive: true });
mkdirSync(path.join(models, 'lulc'), { recursive: true });
writeFileSync(path.join(data, 'scenes/a.tif'), '');
writeFileSync(path.join(data, 'regions.geojson'), '');
writeFileSync(path.join(tmp, 'secret.txt'), '');

const spec = (fields: Record<string, unknown>) =>
  JobSpecSchema.parse({ name: 'j', imagery: 'scenes/a.tif', model: 'lulc', regions: { file: 'regions.geojson', idField: 'id' }, period: '2020-01-01', out: 'x', ...fields });

describe('the service\'s input policy', () => {
  const policy = { dataRoots: [data, models], allowedHosts: [] };

  it('looks for a relative path in each data root in turn: imagery in the first, the model in the second', () => {
    const resolved = applyInputPolicy(spec({}), policy);
    expect(resolved.imagery).toBe(path.join(data, 'scenes/a.tif'));
    expect(resolved.model).toBe(path.join(models, 'lulc'));
    expect(resolved.regions.file).toBe(path.join(data, 'regions.geojson'));
  });

  it('still refuses what leaves the roots, and names what is missing', () => {
    expect(() => applyInputPolicy(spec({ imagery: '../secret.txt' }), policy)).toThrow(/imagery: \.\.\/secret\.txt is outside the data roots/);
    expect(() => applyInputPolicy(spec({ imagery: path.join(tmp, 'secret.txt') }), policy)).toThrow(/outside the data roots/);
    expect(() => applyInputPolicy(spec({ model: 'nope' }), policy)).toThrow(/model: nope does not exist in the data roots/);
  });
});

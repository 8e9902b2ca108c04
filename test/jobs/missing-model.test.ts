import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { openJob } from '../../pipeline/jobs/open-job.js';
import { readJobSpec } from '../../pipeline/jobs/job-spec.js';
import { repoRoot } from '../helpers/shared-data.js';
import { satFailure } from '../helpers/sat-failure.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-missing-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('a job whose model has not been trained yet says which command makes it', async () => {
  // The example job as shipped, its model pointed at a folder that does not exist.
  const model = path.join(tmp, 'models', 'slovenia-lulc');
  const text = readFileSync(path.join(repoRoot, 'config/jobs/slovenia-patch.yaml'), 'utf8').replace('model: ../../out/models/slovenia-lulc', `model: ${model}`);
  writeFileSync(path.join(tmp, 'job.yaml'), text);
  const { spec } = readJobSpec(path.join(tmp, 'job.yaml'));
  const err = await satFailure((async () => openJob(spec, text, { work: path.join(tmp, 'work'), out: spec.out }, loadSettings(undefined, {})))());
  expect(err.code).toBe('E_NOT_FOUND');
  expect(err.message).toBe(`model directory ${model} does not exist: a job's model is a package made by \`sat train ... --out ${model}\` (the README and the example job files show the whole command)`);
});

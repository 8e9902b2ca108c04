/**
 * The example job for the real Slovenia patch (config/jobs/slovenia-patch.yaml): Sentinel-2 L1C 2015-07-11 into
 * the GURS statistical regions, region x class sample labelled from eo-learn's LULC reference. The error-adjusted
 * shares, made from 245 reference pixels, must cover the LULC census of all 9,843 labelled pixels.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadSettings } from '../../pipeline/config/settings.js';
import { readJobSpec } from '../../pipeline/jobs/job-spec.js';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { runJob } from '../../pipeline/workflows/run-job.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import { describeWithSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-slovenia-job-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeWithSharedData('the Slovenia example job', () => {
  it('publishes per-region estimates whose intervals cover the LULC census, flagged as covering a sliver of the region', async () => {
    const data = (f: string) => sharedPath('02_sentinel2_slovenia_lulc_eolearn', 'geotiff', f);
    // The command the job file's header asks for, as a function call.
    await trainModel({
      task: 'landcover',
      imagery: data('S2L1C_2015-07-11_13band.tif'),
      labels: { file: data('LULC.tif'), ignoreValue: 0 },
      aux: data('CLM_cloudmask_68dates.tif'),
      recipe: loadBandRecipe('sentinel2-l1c-13band'),
      classes: loadClassScheme('eolearn-lulc'),
      out: path.join(tmp, 'model'),
      epochs: 30,
      seed: 1,
      split: { kind: 'blocks', blockSize: 20, testFraction: 0.3, seed: 1 },
      baseline: false,
      backend: 'wasm',
    });
    // The example job with its shared-data paths pointed at this machine's data, the model and output in tmp.
    const text = readFileSync(path.join(repoRoot, 'config/jobs/slovenia-patch.yaml'), 'utf8')
      .replaceAll('../../../shared/data', sharedPath())
      .replace('model: ../../out/models/slovenia-lulc', `model: ${path.join(tmp, 'model')}`)
      .replace('out: ../../out/jobs/slovenia-patch', `out: ${path.join(tmp, 'out')}`);
    writeFileSync(path.join(tmp, 'job.yaml'), text);
    const { spec } = readJobSpec(path.join(tmp, 'job.yaml'));
    const settings = loadSettings(undefined, { ...process.env, SAT_TF_BACKEND: 'wasm' });
    const result = await runJob(spec, text, settings, () => {});

    // Provenance carries the scene's acquisition time from its metadata.
    expect(result.manifest).toMatchObject({ inputs: { imagery: { acquired: '2015-07-11T10:00:08' } } });
    // The patch (101 x 100 px of 10 m) lies inside one of the 12 regions.
    const regions = new Set(result.rows.filter((r) => r.mapped > 0).map((r) => r.region));
    expect(regions.size).toBe(1);
    expect(result.rows.filter((r) => r.indicator === 'area')).toHaveLength(12 * 5);
    const mine = result.rows.filter((r) => regions.has(r.region));
    expect(mine.reduce((a, r) => a + r.mapped, 0)).toBeCloseTo(101, 0);
    expect(mine.every((r) => r.obs_status !== 'E' && /valid pixels 0 %/.test(r.flags))).toBe(true); // 1 km² of a region of ~2,500
    const elsewhere = result.rows.filter((r) => !regions.has(r.region));
    expect(elsewhere.every((r) => r.suppressed && /no classified pixel in the region/.test(r.flags))).toBe(true);

    // LULC census over the labelled pixels (0 = unlabelled), as shares.
    const lulc = await openRaster(data('LULC.tif'));
    const values = (await lulc.read()).bands[0];
    await lulc.close();
    const census = new Map<number, number>();
    for (const v of values) if (v !== 0) census.set(v, (census.get(v) ?? 0) + 1);
    const labelled = [...census.values()].reduce((a, b) => a + b, 0);
    const a = result.assessment!;
    expect(a.design).toBe('region-class');
    const totals = a.nationalTotals!;
    const area = totals.classes.reduce((s, c) => s + c.mappedArea, 0);
    let mappedError = 0;
    let estimateError = 0;
    for (const c of totals.classes) {
      const truth = (census.get(c.class) ?? 0) / labelled;
      const estimate = c.estimate / area;
      expect(Math.abs(estimate - truth), `class ${c.class}`).toBeLessThanOrEqual((1.96 * c.se!) / area);
      mappedError += Math.abs(c.mappedArea / area - truth);
      estimateError += Math.abs(estimate - truth);
    }
    expect(estimateError).toBeLessThan(mappedError);
    expect(totals.accuracy.overallAccuracy.estimate).toBeGreaterThan(0.85);
    expect(totals.accuracy.overallAccuracy.halfWidth).toBeGreaterThan(0);
  });
});

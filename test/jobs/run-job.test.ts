/** `sat run JOB.yaml`: prediction → regional aggregation → assessment → statistics and manifest, reproducibly. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassScheme } from '../../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../../pipeline/preprocess/band-recipe.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { trainModel } from '../../pipeline/workflows/train-model.js';
import type { StatisticsRow as Row } from '../../pipeline/statistics/region-statistics.js';
import { repoRoot } from '../helpers/shared-data.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-job-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sat = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8', env: { ...process.env, SAT_TF_BACKEND: 'wasm' } });

const job = (extra = '') => `name: synth-job
imagery: scene/scene.tif
aux: scene/clouds.tif
model: model
regions: { file: scene/regions.geojson, idField: code }
reference: { raster: scene/truth.tif, sampleSize: 200, minPerStratum: 20 }
period: '2020-06-01'
out: out
${extra}`;

beforeAll(async () => {
  await generateScene(path.join(tmp, 'scene'), { width: 256, height: 256, seed: 51, cloudCover: 0.05, regions: 4 });
  await trainModel({
    task: 'landcover',
    imagery: path.join(tmp, 'scene', 'scene.tif'),
    labels: { file: path.join(tmp, 'scene', 'truth.tif') },
    aux: path.join(tmp, 'scene', 'clouds.tif'),
    recipe: loadBandRecipe('synth-s2'),
    classes: loadClassScheme('synth'),
    out: path.join(tmp, 'model'),
    epochs: 8,
    seed: 1,
    split: { kind: 'blocks', blockSize: 64, testFraction: 0.3, seed: 1 },
    width: 16,
    backend: 'wasm',
  });
  writeFileSync(path.join(tmp, 'job.yaml'), job());
});

const read = (...p: string[]) => readFileSync(path.join(tmp, ...p), 'utf8');
const STATISTICS = ['statistics/regions.csv', 'statistics/regions.json', 'statistics/regions.geojson', 'statistics/sdmx.csv', 'statistics/assessment.json', 'stac-item.json'];

describe('sat run', () => {
  it('writes graded regional estimates that add up to the national ones, every export and a manifest; a re-run gives identical statistics files', () => {
    const first = sat('run', path.join(tmp, 'job.yaml'));
    expect(first.stderr.split('\n').filter((l) => l && !/: \d+%$/.test(l))).toEqual([]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/200 sample points, strata map class \(regional figures are domain estimates\), overall accuracy \d+\.\d %/);
    const rows: Row[] = JSON.parse(read('out', 'statistics', 'regions.json'));
    expect(rows).toHaveLength(4 * 5);
    // The regions tile the scene: their mapped areas add up to the classified area of the whole map.
    const prediction = JSON.parse(read('out', 'prediction', 'prediction.json'));
    const classifiedPixels = Object.values(prediction.classPixels as Record<string, number>).reduce((a, b) => a + b, 0);
    const totalHa = rows.reduce((a, r) => a + r.mapped, 0);
    expect(totalHa / (classifiedPixels * 0.01)).toBeCloseTo(1, 2); // 10 m pixels; the UTM scale factor is below 0.1 %
    for (const region of ['R01', 'R02', 'R03', 'R04']) {
      const mine = rows.filter((r) => r.region === region);
      const mapped = mine.reduce((a, r) => a + r.mapped, 0);
      // Valid share = classified area / the region's geodesic area; what is not classified here is cloud.
      expect(mine[0].valid_share).toBeCloseTo(mapped / mine[0].region_area_ha, 4);
      expect(mine[0].valid_share + mine[0].cloud_share).toBeCloseTo(1, 2);
      expect(mine.every((r) => r.method === 'domain' && r.sample_size === 200 && /domain estimate/.test(r.flags))).toBe(true);
    }
    // Domain estimation applies each class's correction to the regions' mapped areas: over regions that tile the map
    // the regional estimates add up to the national error-adjusted areas.
    const assessment = JSON.parse(read('out', 'statistics', 'assessment.json'));
    expect(assessment.design).toBe('class');
    expect(assessment.sampleSize).toBe(200);
    const national = assessment.national.estimation;
    expect(national.overallAccuracy.estimate).toBeGreaterThan(0.8);
    for (const c of national.classes) {
      const regional = assessment.regions.reduce((a: number, r: { estimation: { classes: { class: number; area: { estimate: number } }[] } }) => a + r.estimation.classes.find((k) => k.class === c.class)!.area.estimate, 0);
      // (to 1e-6: regional areas sum exact coverage fractions of cell areas, the national ones whole cells)
      expect(regional / c.area.estimate).toBeCloseTo(1, 6);
    }
    // Published cells carry their interval and a grade consistent with the CV bands; suppressed ones publish nothing.
    for (const r of rows) {
      if (r.suppressed) {
        expect([r.estimate, r.se, r.ci_lower, r.ci_upper, r.obs_status]).toEqual([null, null, null, null, 'Q']);
        continue;
      }
      expect(r.ci_lower!).toBeCloseTo(Math.max(0, r.estimate! - 1.96 * r.se!), 3);
      // The CV band's grade, except that the best grade needs evidence (quality-grade.ts): then B, and the flags say why.
      const band = r.cv === null ? 'B' : r.cv <= 0.05 ? 'A' : r.cv <= 0.15 ? 'B' : 'C';
      const capped = band === 'A' && /no error observed for the class|sample points? of the class/.test(r.flags);
      expect(r.grade).toBe(capped ? 'B' : band);
    }
    expect(rows.some((r) => !r.suppressed)).toBe(true);

    const sdmx = read('out', 'statistics', 'sdmx.csv').split('\r\n');
    expect(sdmx[0]).toBe('STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,LAND_COVER,STAT_MEASURE,UNIT_MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT,QUALITY_GRADE,EST_METHOD,MODEL_VERSION');
    expect(sdmx.length - 2).toBe(rows.length * 5); // mapped, estimate, SE, CI bounds per cell
    const forest = rows.find((r) => r.class_name === 'forest' && r.region === 'R01')!;
    expect(sdmx).toContain(`dataflow,SATSTAT:DF_LAND_COVER(1.0.0),I,A,R01,FOREST,AREA_MAPPED,HA,2020-06-01,${forest.mapped},A,0,,DOMAIN,${JSON.parse(read('out', 'manifest.json')).model.sha256.slice(0, 12)}`);

    // GDAL reads the GeoJSON (4 regions with their statistics) and the STAC Item's footprint holds every region.
    const ogr = spawnSync('ogrinfo', ['-ro', '-al', '-so', path.join(tmp, 'out', 'statistics', 'regions.geojson')], { encoding: 'utf8' });
    expect(ogr.stdout).toMatch(/Feature Count: 4/);
    expect(ogr.stdout).toMatch(/area_forest_estimate: Real/);
    const item = JSON.parse(read('out', 'stac-item.json'));
    expect(item.properties['proj:code']).toBe('EPSG:32633');
    expect(item.properties.start_datetime).toBe('2020-06-01T00:00:00Z');
    expect(Object.keys(item.assets)).toEqual(expect.arrayContaining(['classes', 'confidence', 'status', 'quicklook', 'regions-csv', 'sdmx-csv']));
    expect(item.assets.classes['classification:classes']).toHaveLength(5);
    const report = read('out', 'report.html');
    expect(report.match(/src="data:image\/png;base64,/g)!.length).toBe(3); // true colour, class map, choropleth (the error matrix is a table)

    const manifest = JSON.parse(read('out', 'manifest.json'));
    expect(manifest.inputs.imagery.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.inputs.regions).toMatchObject({ name: 'regions.geojson', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(manifest.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.job.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(manifest.stageSeconds)).toEqual(['ingest', 'prepare', 'classify', 'stitch', 'aggregate', 'assess', 'publish']);
    expect(manifest.cpuSeconds).toBeGreaterThan(0);
    expect(Object.keys(manifest.outputs)).toEqual(expect.arrayContaining(STATISTICS));

    const before = Object.fromEntries(STATISTICS.map((f) => [f, read('out', f)]));
    const second = sat('run', path.join(tmp, 'job.yaml'));
    expect(second.status).toBe(0);
    for (const f of STATISTICS) expect(read('out', f), f).toBe(before[f]);
    // A re-run computes anew, it does not hand back the earlier results: another seed draws another sample.
    writeFileSync(path.join(tmp, 'reseed.yaml'), job('seed: 2\n'));
    expect(sat('run', path.join(tmp, 'reseed.yaml')).status).toBe(0);
    expect(read('out', 'statistics', 'assessment.json')).not.toBe(before['statistics/assessment.json']);
  });

  it('with region x class strata every region gets its own error matrix', () => {
    writeFileSync(path.join(tmp, 'regional.yaml'), job().replace('minPerStratum: 20 }', 'minPerStratum: 10, strata: region-class }').replace('out: out', 'out: regional'));
    const run = sat('run', path.join(tmp, 'regional.yaml'));
    expect(run.stderr.split('\n').filter((l) => l && !/: \d+%$/.test(l))).toEqual([]);
    expect(run.stdout).toMatch(/strata region x map class/);
    const assessment = JSON.parse(read('regional', 'statistics', 'assessment.json'));
    expect(assessment.design).toBe('region-class');
    expect(assessment.national).toBeNull();
    const sample = assessment.regions.reduce((a: number, r: { sampleSize: number }) => a + r.sampleSize, 0);
    expect(sample).toBe(assessment.sampleSize);
    const rows: Row[] = JSON.parse(read('regional', 'statistics', 'regions.json'));
    for (const r of rows) {
      expect(r.method).toMatch(/^region-strata/);
      if (r.method === 'region-strata') expect(r.flags).not.toMatch(/pooled/);
    }
    // National totals are the sums of the regional estimates.
    for (const t of assessment.nationalTotals.classes) {
      const sum = assessment.regions.reduce((a: number, r: { estimation: { classes: { class: number; area: { estimate: number } }[] } }) => a + r.estimation.classes.find((k) => k.class === t.class)!.area.estimate, 0);
      expect(t.estimate).toBeCloseTo(sum, 6);
    }
  });

  it('refuses bad jobs naming the problem, and leaves earlier results untouched', () => {
    const before = read('out', 'statistics', 'regions.csv');
    writeFileSync(path.join(tmp, 'typo.yaml'), job('sampleSize: 3\n'));
    const typo = sat('run', path.join(tmp, 'typo.yaml'));
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/invalid job .*typo.yaml:\n\s+\(root\): Unrecognized key: "sampleSize"/);
    writeFileSync(path.join(tmp, 'nomodel.yaml'), job().replace('model: model', 'model: nowhere'));
    expect(sat('run', path.join(tmp, 'nomodel.yaml')).stderr).toMatch(/model directory .*nowhere does not exist/);
    writeFileSync(path.join(tmp, 'badregions.yaml'), job().replace('idField: code', 'idField: nope'));
    const badRegions = sat('run', path.join(tmp, 'badregions.yaml'));
    expect(badRegions.status).toBe(2);
    expect(badRegions.stderr).toMatch(/regions.geojson: feature 0 has no "nope"/);
    writeFileSync(path.join(tmp, 'overwrite.yaml'), job().replace('out: out', 'out: scene'));
    expect(sat('run', path.join(tmp, 'overwrite.yaml')).stderr).toMatch(/scene exists and is not an earlier job's output/);
    expect(existsSync(path.join(tmp, 'scene', 'scene.tif'))).toBe(true);
    writeFileSync(path.join(tmp, 'onfile.yaml'), job().replace('out: out', 'out: scene/scene.json'));
    const onFile = sat('run', path.join(tmp, 'onfile.yaml'));
    expect([onFile.status, onFile.stderr.trim()]).toEqual([2, `sat: error: output ${path.join(tmp, 'scene', 'scene.json')} exists and is not a directory; choose another`]);
    expect(readFileSync(path.join(tmp, 'out', 'statistics', 'regions.csv'), 'utf8')).toBe(before);
  });
});

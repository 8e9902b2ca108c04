import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../pipeline/config/settings.js';
import { loadModelPackage, type ModelMetadata } from '../../pipeline/model/model-package.js';
import { predictArray } from '../../pipeline/model/predict-array.js';
import { preprocessTile } from '../../pipeline/preprocess/preprocess-tile.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { CLOUD_COLOUR } from '../../pipeline/export/class-quicklook.js';
import { PIXEL_STATUS } from '../../pipeline/model/classify-tiles.js';
import { CLASS_NODATA } from '../../pipeline/model/prediction-writer.js';
import { predictScene } from '../../pipeline/workflows/predict-scene.js';
import { generateScene } from '../../pipeline/synth/generate-scene.js';
import { gdalinfoJson, hasGdal } from '../helpers/gdal.js';
import { writeTestModel } from '../helpers/test-model.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sat-predict-'));
const sceneDir = path.join(tmp, 'scene');
const modelDir = path.join(tmp, 'model');
let metadata: ModelMetadata;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  await generateScene(sceneDir, { width: 230, height: 170, seed: 11, cloudCover: 0.1, tileSize: 64 });
  metadata = await writeTestModel(modelDir, 'buildings'); // a U-Net: pooling makes it the hard case for tiling
});

function settingsWith(tileSize: number, threads = 2, halo = 0): Settings {
  const s = loadSettings();
  return { ...s, tiling: { ...s.tiling, tileSize, halo }, model: { ...s.model, backend: 'wasm', inferenceThreads: threads, batchSize: 3 } };
}

const inputs = { imagery: path.join(sceneDir, 'scene.tif'), aux: path.join(sceneDir, 'clouds.tif'), model: modelDir };

function predict(out: string, tileSize: number, threads = 2, halo = 0) {
  return predictScene({ ...inputs, probabilities: true }, out, settingsWith(tileSize, threads, halo), () => {});
}

async function band(file: string, b = 1) {
  const r = await openRaster(file);
  try {
    return (await r.read(undefined, { bands: [b] })).bands[0];
  } finally {
    await r.close();
  }
}

describe('sat predict (the prediction stages in one process)', () => {
  it('does not depend on where tile edges fall, and matches a prediction of the scene in one piece', async () => {
    const a = await predict(path.join(tmp, 'tiles64'), 64);
    const b = await predict(path.join(tmp, 'tiles96'), 96, 1, 40); // a wider halo than the model needs: feathered overlaps
    expect(a.grid).toEqual({ tileSize: 64, halo: metadata.input.halo, tiles: 12 });
    expect(b.grid).toEqual({ tileSize: 96, halo: 40, tiles: 6 });
    const reference = await (async () => {
      // The whole scene as one in-memory array, predicted by the evaluation path.
      const scene = await openRaster(path.join(sceneDir, 'scene.tif'));
      const clouds = await openRaster(path.join(sceneDir, 'clouds.tif'));
      const raw = await scene.read();
      const prepared = preprocessTile(raw, metadata.recipe, { sceneWidth: 230, sceneHeight: 170, nodata: scene.info.nodata, aux: (await clouds.read()).bands[0] });
      await scene.close();
      await clouds.close();
      const pkg = await loadModelPackage(modelDir);
      return { prepared, probs: await predictArray(pkg.model, { width: 230, height: 170, channels: 9, features: prepared.data }, { classes: 5, halo: metadata.input.halo, multipleOf: 4, tileSize: 512 }) };
    })();
    const classesA = await band(a.files.classes);
    const classesB = await band(b.files.classes);
    let worst = 0;
    let masked = 0;
    for (let k = 0; k < 5; k++) {
      const pa = await band(a.files.probabilities!, k + 1);
      const pb = await band(b.files.probabilities!, k + 1);
      for (let i = 0; i < pa.length; i++) {
        if (!reference.prepared.valid[i]) {
          expect(Number.isNaN(pa[i]) && Number.isNaN(pb[i])).toBe(true);
          continue;
        }
        worst = Math.max(worst, Math.abs(pa[i] - pb[i]), Math.abs(pa[i] - reference.probs[i * 5 + k]));
      }
    }
    expect(worst).toBeLessThan(1e-5);
    for (let i = 0; i < classesA.length; i++) {
      if (!reference.prepared.valid[i]) {
        masked++;
        expect(classesA[i]).toBe(CLASS_NODATA);
      }
    }
    expect(masked).toBe(reference.prepared.counts.pixels - reference.prepared.counts.valid);
    expect(masked).toBeGreaterThan(0); // the scene has clouds
    expect(a.maskedPixels).toBe(masked);
    const differing = classesA.filter((v, i) => v !== classesB[i]).length;
    expect(differing).toBe(0);
    // The quicklook: the class map in the classes' colours, clouds in CLOUD_COLOUR, other masked pixels transparent.
    const { data, info } = await sharp(a.files.quicklook).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([230, 170, 4]);
    const status = await band(a.files.status);
    const rgbOf = (colour: string) => [1, 3, 5].map((k) => parseInt(colour.slice(k, k + 2), 16));
    const cloudy = status.findIndex((s) => s === PIXEL_STATUS.cloud);
    expect(cloudy).toBeGreaterThanOrEqual(0);
    for (const i of [0, 1234, 20_000, 39_099, cloudy]) {
      const id = classesA[i];
      const colour = metadata.classes.find((c) => c.id === id)?.colour;
      const rgba = Array.from(data.subarray(i * 4, i * 4 + 4));
      if (status[i] === PIXEL_STATUS.cloud) expect(rgba).toEqual([...rgbOf(CLOUD_COLOUR), 255]);
      else if (id === CLASS_NODATA) expect(rgba[3]).toBe(0);
      else expect(rgba).toEqual([...rgbOf(colour!), 255]);
    }
    const manifest = JSON.parse(readFileSync(path.join(tmp, 'tiles64', 'prediction.json'), 'utf8'));
    expect(manifest.model.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.runtime.runtime).toBe('wasm');
    expect(Object.values(manifest.classPixels as Record<string, number>).reduce((x, y) => x + y, 0) + masked).toBe(230 * 170);
  });

  it.runIf(hasGdal)('writes GeoTIFFs GDAL reads on the scene\'s grid', async () => {
    const out = path.join(tmp, 'gdal');
    const result = await predict(out, 64);
    const scene = gdalinfoJson(path.join(sceneDir, 'scene.tif'));
    const classes = gdalinfoJson(result.files.classes);
    expect(classes.size).toEqual([230, 170]);
    expect(classes.geoTransform).toEqual(scene.geoTransform);
    expect(classes.bands[0].type).toBe('Byte');
    expect(classes.bands[0].noDataValue).toBe(CLASS_NODATA);
    expect(classes.metadata[''].COMPRESSION ?? classes.metadata.IMAGE_STRUCTURE?.COMPRESSION).toBeDefined();
    const confidence = gdalinfoJson(result.files.confidence);
    expect(confidence.bands[0].type).toBe('Float32');
    expect(String(confidence.bands[0].noDataValue)).toBe('NaN');
  });

  it('fails cleanly on a bad model and leaves an earlier result in place', async () => {
    const out = path.join(tmp, 'keep');
    await predict(out, 64);
    const before = readFileSync(path.join(out, 'classes.tif'));
    const brokenDir = path.join(tmp, 'broken-model');
    await writeTestModel(brokenDir);
    writeFileSync(path.join(brokenDir, 'weights.bin'), 'not weights');
    await expect(predictScene({ ...inputs, model: brokenDir }, out, settingsWith(64), () => {})).rejects.toThrow(/weights hold 11 bytes/);
    expect(readFileSync(path.join(out, 'classes.tif'))).toEqual(before);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses imagery without the bands the recipe needs', async () => {
    await expect(predictScene({ ...inputs, imagery: path.join(sceneDir, 'truth.tif') }, path.join(tmp, 'x'), settingsWith(64), () => {})).rejects.toThrow(
      /needs band\(s\) 2, 3, 4, 5, 6 but .*truth.tif has 1 band/,
    );
  });
});

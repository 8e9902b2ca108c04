/**
 * Issue 13's real-data check: the five Sentinel-2 dates of the Slovenia patch (../shared/data/02_…), cloud-masked with
 * eo-learn's CLM and combined into a median composite, against each date alone. The land-cover model is trained on
 * each input with the same seed and the same spatial blocks held out (sat train's split), and scored on those blocks
 * against LULC: the composite must do at least as well as the best single date. Used by the test (few epochs) and the
 * bench (the README's figures).
 */
import path from 'node:path';
import { loadClassScheme } from '../pipeline/model/class-scheme.js';
import { loadBandRecipe } from '../pipeline/preprocess/band-recipe.js';
import { openRaster } from '../pipeline/raster/open-raster.js';
import { writeGeoTiff } from '../pipeline/raster/write-geotiff.js';
import { trainModel } from '../pipeline/workflows/train-model.js';
import { clearMask } from '../pipeline/composite/clear-mask.js';
import { compositeStack, type Observation } from '../pipeline/composite/composite-stack.js';

export const SLOVENIA_DATES = ['2015-07-11', '2015-07-31', '2015-08-20', '2015-08-30', '2015-09-09'];

export interface CompositeCheck {
  /** Held-out overall accuracy and macro F1 per input (means over the seeds): each date, then 'median composite'. */
  scores: { input: string; overallAccuracy: number; macroF1: number; clearShare: number }[];
  heldOutPixels: number;
}

export async function compositeCheck(dataDir: string, work: string, options: { epochs: number; seeds: number[] }): Promise<CompositeCheck> {
  const file = (f: string) => path.join(dataDir, '02_sentinel2_slovenia_lulc_eolearn', 'geotiff', f);
  const clm = await openRaster(file('CLM_cloudmask_68dates.tif'));
  const observations: Observation[] = [];
  let info;
  try {
    // CLM's first five bands are these five dates (its band descriptions are the acquisition times).
    const masks = await clm.read(undefined, { bands: [1, 2, 3, 4, 5] });
    for (const [k, date] of SLOVENIA_DATES.entries()) {
      const scene = await openRaster(file(`S2L1C_${date}_13band.tif`));
      try {
        info = scene.info;
        const data = await scene.read();
        observations.push({ bands: data.bands.map((b) => Float32Array.from(b as ArrayLike<number>)), clear: clearMask(masks.bands[k], masks.bands[k].length, { kind: 'mask' }) });
      } finally {
        await scene.close();
      }
    }
  } finally {
    await clm.close();
  }
  const composite = compositeStack(observations, 'median');
  const compositeFile = path.join(work, 'median-composite.tif');
  await writeGeoTiff(compositeFile, { window: { col: 0, row: 0, width: info!.width, height: info!.height }, dtype: 'float32', bands: composite.bands }, { geotransform: info!.geotransform!, epsg: info!.epsg, nodata: NaN });

  const recipe = { ...loadBandRecipe('sentinel2-l1c-13band'), cloudMask: undefined };
  const inputs = [...SLOVENIA_DATES.map((d) => ({ input: d, imagery: file(`S2L1C_${d}_13band.tif`), clear: observations[SLOVENIA_DATES.indexOf(d)].clear })), { input: 'median composite', imagery: compositeFile, clear: null }];
  const scores: CompositeCheck['scores'] = [];
  let heldOutPixels = 0;
  for (const x of inputs) {
    let overallAccuracy = 0;
    let macroF1 = 0;
    for (const seed of options.seeds) {
      const result = await trainModel({
        task: 'landcover',
        imagery: x.imagery,
        labels: { file: file('LULC.tif'), ignoreValue: 0 },
        recipe,
        classes: loadClassScheme('eolearn-lulc'),
        out: path.join(work, `model-${x.input.replace(/\W+/g, '-')}-${seed}`),
        epochs: options.epochs,
        seed,
        // The same held-out blocks for every input and seed: only the imagery and the network's initialisation differ.
        split: { kind: 'blocks', blockSize: 20, testFraction: 0.3, seed: 1 },
        baseline: false,
        backend: 'wasm',
      });
      heldOutPixels = result.heldOut.pixels;
      overallAccuracy += result.heldOut.metrics.overallAccuracy / options.seeds.length;
      macroF1 += result.heldOut.metrics.macroF1 / options.seeds.length;
    }
    const clearShare = x.clear ? x.clear.reduce((a, v) => a + v, 0) / x.clear.length : composite.clearCount.reduce((a, c) => a + (c > 0 ? 1 : 0), 0) / composite.clearCount.length;
    scores.push({ input: x.input, overallAccuracy, macroF1, clearShare });
  }
  return { scores, heldOutPixels };
}

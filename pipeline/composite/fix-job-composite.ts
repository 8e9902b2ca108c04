import type { MultiPolygon, Polygon } from 'geojson';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import { SatError } from '../core/errors.js';
import { parseCrs } from '../geo/crs.js';
import type { StacImagery } from '../jobs/job-spec.js';
import type { BandRecipe } from '../preprocess/band-recipe.js';
import { AssetReaders } from './asset-readers.js';
import type { CompositeSource } from './composite-raster.js';
import { planComposite, planSources } from './plan-composite.js';
/**
 * A composite holds physical values (reflectance 0..1): a recipe that scales or offsets its bands was written for
 * stored counts (uint16 x 10000) and would turn the composite into near-constants without any error.
 */
function checkRecipeReadsPhysicalValues(recipe: BandRecipe, bands: string[]): void {
  const scaled = recipe.bands.filter((b) => b.scale !== 1 || b.offset !== 0);
  if (scaled.length) {
    throw new SatError('E_INPUT', `band recipe '${recipe.name}' scales its bands (${scaled.map((b) => `${b.name}: x ${b.scale}${b.offset ? ` + ${b.offset}` : ''}`).join(', ')}): it reads stored counts, and a STAC composite holds physical values (reflectance 0..1); use a model trained with a recipe of unscaled float32 bands`);
  }
  const needed = Math.max(...recipe.bands.map((b) => b.source));
  if (needed > bands.length) throw new SatError('E_INPUT', `band recipe '${recipe.name}' reads band ${needed}, and the job's imagery.bands name ${bands.length} (${bands.join(', ')})`);
}

/**
 * What a STAC job composites, fixed once at ingest so every tile, on every worker, reads the same Items: the Items of
 * the area and period (all of them: a search cut short by imagery.maxItems is an error, not a partial composite), the
 * analysis grid, every asset opened once — checked against its Item — and its version (ETag, or size, time and
 * SHA-256 of a file) recorded; a tile finding an asset changed since fails.
 */
export async function fixJobComposite(input: {
  stac: StacImagery;
  area: Polygon | MultiPolygon;
  period: { start: string; end: string };
  recipe: BandRecipe;
  settings: Pick<Settings, 'raster'>;
  logger: Logger;
  progress: (fraction: number, message?: string) => void;
}): Promise<CompositeSource> {
  const { stac, settings } = input;
  checkRecipeReadsPhysicalValues(input.recipe, stac.bands);
  input.progress(0, 'searching');
  const plan = await planComposite({
    ...stac,
    query: { intersects: input.area, datetime: { start: `${input.period.start}T00:00:00Z`, end: `${input.period.end}T23:59:59Z` }, collections: stac.collections, maxCloud: stac.maxCloud },
    crs: stac.crs ? parseCrs(stac.crs) : undefined,
    httpTimeoutMs: settings.raster.httpTimeoutMs,
    allowedOrigins: settings.raster.allowedOrigins,
    localRoots: settings.raster.localRoots,
  });
  if (plan.source.truncated) {
    throw new SatError('E_LIMIT', `${stac.stac}: more than ${stac.maxItems} Items match the area and period (imagery.maxItems): raise it, or narrow the period, collections or cloud limit`);
  }
  const assets = new AssetReaders(settings.raster, { checksums: true });
  try {
    const sources = planSources(plan);
    for (const [i, s] of sources.entries()) {
      input.progress(i / sources.length, `checking ${s.itemId} ${s.assetKey}`);
      await assets.open(s);
    }
    input.logger.info({ stac: stac.stac, items: plan.items.length, acquisitions: plan.acquisitions.length, width: plan.grid.width, height: plan.grid.height, epsg: plan.grid.crs.epsg }, 'collected');
    return { plan, assets: assets.read() };
  } finally {
    await assets.close();
  }
}

import { existsSync } from 'node:fs';
import { PIXEL_STATUS } from '../model/classify-tiles.js';
import { crsOf, requireGeoreferenced } from '../raster/georeferenced.js';
import type { RasterReader } from '../raster/open-raster.js';
import type { RegionCoverage } from '../statistics/region-statistics.js';
import { cellAreaFunction } from '../zonal/cell-area.js';
import { regionsInCrs, type RegionSet } from '../zonal/load-regions.js';
import { geodesicArea } from '../zonal/region-area.js';
import type { CoverageMethod } from '../zonal/coverage-cache.js';
import { zonalStatistics } from '../zonal/zonal-statistics.js';
import { zonalStatisticsInThread } from '../zonal/zonal-thread.js';

/**
 * Aggregation: the class map and the pixel-status raster of a prediction summed into official regions,
 * with exact coverage (or the rule asked for) and true cell areas: per region, the area mapped as each class,
 * the classified, cloudy and in-scene areas (from the status raster, when there is one), and the region's own geodesic area (so a region half outside the
 * scene shows a valid share of one half).
 */
export async function aggregateRegions(
  input: { classes: RasterReader; status?: RasterReader; regions: RegionSet; method: CoverageMethod },
  onProgress: (fraction: number) => void,
): Promise<RegionCoverage[]> {
  const info = requireGeoreferenced(input.classes.info, 'class map');
  const crs = crsOf(info);
  const zones = regionsInCrs(input.regions, crs);
  const options = { method: input.method, categorical: true, cellArea: cellAreaFunction(info.geotransform, crs) };
  const done = [0, 0];
  const progress = (pass: number) => (d: number, total: number) => {
    done[pass] = d / total;
    onProgress((done[0] + done[1]) / 2);
  };
  // The status raster, where it is a file (a prediction's status.tif), is scanned on a thread of its own while this
  // one scans the class map: the two passes are independent. Without one (a class map from elsewhere), what is
  // classified is all that is known of the region.
  const statusPass = !input.status
    ? Promise.resolve(null)
    : existsSync(input.status.info.source)
      ? zonalStatisticsInThread({ file: input.status.info.source, zones, options: { method: input.method, categorical: true, nodata: null, trueCellArea: true } }, progress(1))
      : zonalStatistics(input.status, zones, { ...options, nodata: null, onProgress: progress(1) });
  statusPass.catch(() => {}); // awaited below
  const classes = await zonalStatistics(input.classes, zones, { ...options, onProgress: progress(0) });
  const status = await statusPass;
  const ha = (m2: number | undefined) => (m2 ?? 0) / 10_000;
  return input.regions.regions.map((region, k) => {
    const mappedHa = new Map(Object.entries(classes[k].classes ?? {}).map(([id, c]) => [Number(id), ha(c.area_m2)]));
    const mapped = [...mappedHa.values()].reduce((a, b) => a + b, 0);
    const s = status?.[k].classes;
    return {
      id: String(region.id),
      areaHa: ha(geodesicArea(region.geometry, input.regions.crs)),
      classifiedHa: s ? ha(s[String(PIXEL_STATUS.classified)]?.area_m2) : mapped,
      cloudHa: s ? ha(s[String(PIXEL_STATUS.cloud)]?.area_m2) + ha(s[String(PIXEL_STATUS.noClearObservation)]?.area_m2) : 0,
      noClearObservationHa: s ? ha(s[String(PIXEL_STATUS.noClearObservation)]?.area_m2) : 0,
      inSceneHa: s ? Object.values(s).reduce((a, c) => a + ha(c.area_m2), 0) : mapped,
      mappedHa,
    };
  });
}

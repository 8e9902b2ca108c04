import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderChoropleth, type ChoroplethValue } from './choropleth.js';
import { CLOUD_COLOUR } from './class-quicklook.js';
import { csvField } from './csv-field.js';
import { renderHtmlReport, type ReportInput } from './html-report.js';
import { regionsGeoJson } from './regions-geojson.js';
import { footprint, stacItem, type StacAssetInput } from './stac-item.js';
import { tableTotals } from './table-totals.js';
import { sdmxTimePeriod, statisticsToSdmxCsv, type SdmxMapping } from './statistics-sdmx.js';
import { renderTrueColour } from './true-colour.js';
import { WGS84 } from '../geo/crs.js';
import type { ModelMetadata } from '../model/model-package.js';
import type { RasterReader } from '../raster/open-raster.js';
import { STATISTICS_COLUMNS, type StatisticsRow } from '../statistics/region-statistics.js';
import { regionsInCrs, type RegionSet } from '../zonal/load-regions.js';
import type { RegionalAssessment } from '../assess/assess-regions.js';
import type { QualityRules } from '../assess/quality-grade.js';
import { JOB_LAYOUT } from '../jobs/job-dir.js';
import { requireGeoreferenced } from '../raster/georeferenced.js';

export interface ExportInput {
  /** Folder of the run: prediction/ is already there; statistics/, stac-item.json and report.html are added. */
  dir: string;
  name: string;
  period: { start: string; end: string };
  rows: StatisticsRow[];
  assessment: RegionalAssessment | null;
  regions: RegionSet;
  metadata: ModelMetadata;
  modelHash: string;
  sdmx: SdmxMapping;
  scene: RasterReader;
  /** The class whose estimated share of each region the report's choropleth shows (a class name). */
  choroplethClass?: string;
  checksum: (file: string) => Promise<{ sha256: string; bytes: number }>;
  provenance: Record<string, unknown>;
  /** The job's quality rules (the table's totals are graded with them). */
  quality: QualityRules;
  /** Confidence level of the intervals, and its normal quantile. */
  confidence: number;
  z: number;
  /** Pixels of the scene under cloud (the class map shows them in CLOUD_COLOUR). */
  cloudPixels: number;
}

function csv(rows: StatisticsRow[]): string {
  return `${[STATISTICS_COLUMNS.join(','), ...rows.map((r) => STATISTICS_COLUMNS.map((k) => csvField(r[k])).join(','))].join('\r\n')}\r\n`;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 1)}\n`;

/**
 * Red, green and blue of the model's recipe, for the true-colour picture: band positions, and the stored values of
 * reflectance 0..0.25 (a fixed stretch keeps colours comparable between runs and unaffected by clouds).
 */
function trueColourBands(metadata: ModelMetadata): { bands: [number, number, number]; ranges: [[number, number], [number, number], [number, number]] } | null {
  const rgb = ['red', 'green', 'blue'].map((name) => metadata.recipe.bands.find((b) => b.name === name));
  if (!rgb.every((b) => b && typeof b.source === 'number')) return null;
  const stored = (b: (typeof rgb)[number], reflectance: number) => (reflectance - (b!.offset ?? 0)) / (b!.scale ?? 1);
  return {
    bands: rgb.map((b) => b!.source as number) as [number, number, number],
    ranges: rgb.map((b) => [stored(b, 0), stored(b, 0.25)]) as [[number, number], [number, number], [number, number]],
  };
}

function errorMatrix(a: RegionalAssessment, names: Map<number, string>): ReportInput['errorMatrix'] {
  const proportions = a.national?.estimation.proportions ?? a.nationalTotals!.proportions;
  return { classes: a.classes.map((c) => names.get(c) ?? String(c)), proportions, counts: a.counts };
}

/** Accuracy and areas of the whole map: the national assessment, or (region x class strata) the combined regional one. */
function accuracy(a: RegionalAssessment, names: Map<number, string>, z: number): ReportInput['accuracy'] {
  const bounds = (i: { estimate: number; se: number | null; lower: number | null; upper: number | null } | null) =>
    i && { estimate: i.estimate, se: i.se, lower: i.lower, upper: i.upper };
  if (a.national) {
    const e = a.national.estimation;
    return {
      sampleSize: a.sampleSize,
      overall: bounds(e.overallAccuracy)!,
      classes: e.classes.map((c) => ({
        name: names.get(Number(c.class)) ?? String(c.class),
        mappedHa: c.mappedArea,
        area: bounds(c.area)!,
        users: bounds(c.usersAccuracy),
        producers: bounds(c.producersAccuracy),
      })),
    };
  }
  const t = a.nationalTotals!;
  return {
    sampleSize: a.sampleSize,
    overall: bounds(t.accuracy.overallAccuracy)!,
    classes: t.classes.map((c, j) => {
      const acc = t.accuracy.classes[j];
      // Sums of regional estimates: an area interval, never below 0.
      const area = { estimate: c.estimate, se: c.se, lower: c.se === null ? null : Math.max(0, c.estimate - z * c.se), upper: c.se === null ? null : c.estimate + z * c.se };
      return { name: names.get(c.class) ?? String(c.class), mappedHa: c.mappedArea, area, users: bounds(acc.usersAccuracy), producers: bounds(acc.producersAccuracy) };
    }),
  };
}

/** The model's overall accuracy on its held-out training pixels, as `sat train` records it in the package. */
function modelAccuracy(metadata: ModelMetadata): ReportInput['modelAccuracy'] {
  const heldOut = metadata.metrics.heldOut as { pixels?: unknown; metrics?: { overallAccuracy?: unknown } } | undefined;
  const overall = heldOut?.metrics?.overallAccuracy;
  const pixels = heldOut?.pixels;
  return typeof overall === 'number' && typeof pixels === 'number' ? { overall, pixels } : null;
}

/**
 * Dissemination: the statistics table as CSV, JSON, GeoJSON (regions with their statistics) and SDMX-CSV
 * 2.0, the assessment, a STAC Item describing the rasters and files, and an HTML report with pictures (true colour,
 * class map, choropleth, error matrix). Returns the files written, relative to `dir`. Every file but the report's
 * provenance section depends only on the inputs, so reruns give identical bytes.
 */
export async function exportStatistics(o: ExportInput): Promise<string[]> {
  const rasters = JOB_LAYOUT.prediction;
  const stats = path.join(o.dir, path.dirname(JOB_LAYOUT.statistics.csv));
  await mkdir(stats, { recursive: true });
  const files: [string, string | Buffer][] = [];
  const names = new Map(o.metadata.classes.map((c) => [c.id, c.name]));
  const regionsLonLat = regionsInCrs(o.regions, WGS84);
  const geojson = regionsGeoJson(regionsLonLat, o.rows);
  files.push([JOB_LAYOUT.statistics.csv, csv(o.rows)], [JOB_LAYOUT.statistics.json, json(o.rows)], [JOB_LAYOUT.statistics.geojson, json(geojson)]);
  files.push([JOB_LAYOUT.statistics.sdmx, statisticsToSdmxCsv(o.rows, sdmxTimePeriod(o.period.start, o.period.end), o.sdmx)]);
  if (o.assessment) files.push([JOB_LAYOUT.statistics.assessment, json({ unit: 'ha', ...o.assessment, national: o.assessment.national && { ...o.assessment.national, map: rasters.classes } })]);

  // The report's choropleth: the chosen (or most mapped) class's estimated share of each region, marked by its status.
  const areaRows = o.rows.filter((r) => r.indicator === 'area');
  const totals = new Map<string, number>();
  for (const r of areaRows) totals.set(r.class_name, (totals.get(r.class_name) ?? 0) + r.mapped);
  // (openJob has checked that a chosen class is one of the model's.)
  const shown = o.choroplethClass ?? [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  // Regions with a classified pixel (the report's table lists the others apart).
  const measured = new Set(o.rows.filter((r) => r.valid_share > 0 || r.mapped > 0).map((r) => r.region));
  const shares = new Map<string, ChoroplethValue>(
    areaRows
      .filter((r) => r.class_name === shown)
      .map((r) => {
        const value = r.method === 'mapped-only' ? r.mapped : r.estimate;
        return [r.region, { value: value === null || r.region_area_ha === 0 ? null : (100 * value) / r.region_area_ha, status: measured.has(r.region) ? r.obs_status : 'none' }];
      }),
  );
  const estimated = areaRows.some((r) => r.method !== 'mapped-only');
  const caption = `${shown}: ${estimated ? 'error-adjusted' : 'mapped'} share of each region's area (%)`;
  const info = requireGeoreferenced(o.scene.info);
  const grid = { width: info.width, height: info.height, geotransform: info.geotransform, epsg: info.epsg, proj4: info.proj4 };
  const choropleth = shown
    ? { png: await renderChoropleth(geojson as Parameters<typeof renderChoropleth>[0], 'id', shares, { title: caption, unit: '%', footprint: footprint(grid) }), caption }
    : null;
  const rgb = trueColourBands(o.metadata);
  const trueColour = rgb ? await renderTrueColour(o.scene, rgb.bands, { ranges: rgb.ranges, maxSide: 800 }) : null;
  if (trueColour) files.push([JOB_LAYOUT.trueColour, trueColour]);
  const notes = [
    'Mapped areas are what the classifier says; estimates are error-adjusted with the reference sample (Olofsson et al. 2014) and carry the standard error (se), the confidence interval and the coefficient of variation (cv).',
    ...(o.assessment?.design === 'region-class' ? ['The sample was stratified by region x map class: each region has its own error matrix; national areas are sums of the regional estimates, national accuracies Stehman\'s (2014) estimators over the region x class strata.'] : []),
    ...(o.assessment?.design === 'class' ? ['The sample was stratified by map class only: regional figures are domain estimates that assume classification errors are the same in every region.'] : []),
    ...(estimated ? [] : ['No reference data: only mapped areas, which are biased by classification errors; no estimate is published.']),
  ];
  const mapAccuracy = o.assessment ? accuracy(o.assessment, names, o.z) : null;
  const report = renderHtmlReport({
    title: o.name,
    period: o.period.start === o.period.end ? o.period.start : `${o.period.start} to ${o.period.end}`,
    confidence: o.confidence,
    trueColour,
    classMap: { png: await readFile(path.join(o.dir, rasters.quicklook)), classes: o.metadata.classes, cloudColour: o.cloudPixels > 0 ? CLOUD_COLOUR : null },
    choropleth,
    errorMatrix: o.assessment ? errorMatrix(o.assessment, names) : null,
    accuracy: mapAccuracy,
    modelAccuracy: modelAccuracy(o.metadata),
    statistics: {
      rows: o.rows,
      regionNames: new Map(o.regions.regions.flatMap((r) => (r.name === undefined ? [] : [[String(r.id), r.name] as const]))),
      totals: tableTotals(o.rows, mapAccuracy && { sampleSize: mapAccuracy.sampleSize, classes: new Map(mapAccuracy.classes.map((c) => [c.name, { mappedHa: c.mappedHa, area: c.area }])) }, o.quality),
    },
    notes,
    provenance: o.provenance,
  });
  files.push([JOB_LAYOUT.report, report]);
  for (const [file, content] of files) await writeFile(path.join(o.dir, file), content);

  const asset = async (key: string, href: string, type: string, title: string, roles: string[], extra: Partial<StacAssetInput> = {}): Promise<StacAssetInput> => {
    const { sha256, bytes } = await o.checksum(path.join(o.dir, href));
    return { key, href, type, title, roles, sha256, bytes, ...extra };
  };
  const tiff = 'image/tiff; application=geotiff';
  const assets = [
    await asset('classes', rasters.classes, tiff, 'Class map', ['data'], { classes: o.metadata.classes, nodata: 255, dataType: 'uint8' }),
    await asset('confidence', rasters.confidence, tiff, 'Confidence (probability of the chosen class)', ['data'], { nodata: NaN, dataType: 'float32' }),
    await asset('status', rasters.status, tiff, 'Pixel status: 0 classified, 1 no data, 2 cloud, 3 no clear observation in the period', ['data'], { dataType: 'uint8' }),
    await asset('quicklook', rasters.quicklook, 'image/png', 'Class map quicklook', ['overview']),
    ...(trueColour ? [await asset('true-colour', JOB_LAYOUT.trueColour, 'image/png', 'The scene in true colour', ['overview', 'visual'])] : []),
    ...(await Promise.all(
      files
        .filter(([f]) => f.startsWith('statistics/'))
        .map(([f]) => asset(path.basename(f).replace(/\./g, '-'), f, f.endsWith('.csv') ? 'text/csv' : f.endsWith('.geojson') ? 'application/geo+json' : 'application/json', `Statistics: ${path.basename(f)}`, ['metadata'])),
    )),
  ];
  const item = stacItem({
    id: o.name,
    period: o.period,
    grid,
    assets,
    properties: { 'satstat:model': o.modelHash },
  });
  await writeFile(path.join(o.dir, JOB_LAYOUT.stacItem), json(item));
  return [...files.map(([f]) => f), JOB_LAYOUT.stacItem];
}

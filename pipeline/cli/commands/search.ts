import type { Command } from 'commander';
import { checkAssetHrefs } from '../../collect/check-asset-hrefs.js';
import { collectItems, type CollectedItems } from '../../collect/collect-items.js';
import { loadCollectionTables } from '../../collect/collection-tables.js';
import { MAX_STAC_DOCUMENT_BYTES } from '../../collect/read-stac-json.js';
import { resolveBandSource, type BandSource } from '../../collect/resolve-band-source.js';
import { SatError } from '../../core/errors.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption, numberOption } from '../parse-options.js';
import { list, queryFrom, type QueryOptions } from '../stac-query.js';


interface SearchOptions extends QueryOptions {
  stac: string;
  bands?: string;
  limit: number;
  json?: boolean;
}

const jsonNumber = (v: number | null) => (v !== null && !Number.isFinite(v) ? String(v).toLowerCase().replace('infinity', 'inf') : v);

function sourceJson(s: BandSource) {
  return {
    asset: s.assetKey,
    href: s.href,
    band_index: s.bandIndex,
    matched_by: s.matchedBy,
    nodata: jsonNumber(s.nodata),
    data_type: s.dataType,
    scale: s.scale,
    offset: s.offset,
    boa_add_offset: s.boaAddOffset,
    categorical: s.categorical,
    resolution: s.resolution,
    epsg: s.epsg,
    geotransform: s.geotransform,
    shape: s.shape,
  };
}

function table(found: CollectedItems, sources: BandSource[][]): string {
  const rows = found.items.map(({ item }, i) => {
    const p = item.properties;
    const cloud = typeof p['eo:cloud_cover'] === 'number' ? (p['eo:cloud_cover'] as number).toFixed(2) : '-';
    const epsg = p['proj:epsg'] ?? sources[i][0]?.epsg ?? '-';
    const bands = sources[i].map((s) => `${s.band}=${s.assetKey}${s.bandIndex > 1 ? `#${s.bandIndex}` : ''}`).join(' ');
    return [item.id, p.datetime ?? `${p.start_datetime}/${p.end_datetime}`, cloud, String(p.platform ?? '-'), String(epsg), bands];
  });
  const header = ['id', 'datetime', 'cloud %', 'platform', 'epsg', sources[0]?.length ? 'assets' : ''];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 2 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  const how = found.api ? `STAC API ${found.api.searchUrl} (${found.api.pages} page(s), cloud filter: ${found.api.cloudFilter === 'none' ? 'client side' : found.api.cloudFilter})` : found.kind;
  return [`${found.items.length} item(s) from ${found.source} [${how}]`, line(header), ...rows.map(line)].join('\n');
}

export function register(program: Command): void {
  program
    .command('search')
    .description('find the STAC Items of an area and period (STAC API, static catalogue or ItemCollection) and the assets their bands come from')
    .requiredOption('--stac <url|file>', 'a STAC API landing page, a static Catalog/Collection, or an ItemCollection/Item (file or URL)')
    .option('--aoi <geojson>', 'area of interest: a GeoJSON Polygon/MultiPolygon in any CRS')
    .option('--bbox <W,S,E,N>', 'area of interest as a WGS84 box')
    .requiredOption('--datetime <START/END>', 'period: dates (whole days) or RFC 3339 date-times, ".." for an open end')
    .option('--collections <ids>', 'comma-separated collection ids')
    .option('--max-cloud <percent>', 'only items with eo:cloud_cover below this', numberOption('--max-cloud'))
    .option('--bands <names>', 'comma-separated bands (common names such as red,nir,swir16,scl or asset keys): show the asset each is read from')
    .option('--limit <n>', 'most items listed (reading stops there)', integerOption('--limit'), 100)
    .option('--json', 'print one JSON object: the source, the query and the items with their band sources')
    .action(async (opts: SearchOptions) => {
      if (!(opts.limit >= 1)) throw new SatError('E_INPUT', `--limit must be at least 1 (got ${opts.limit})`);
      const query = queryFrom(opts);
      const bands = opts.bands ? list(opts.bands) : [];
      const settings = cliSettings();
      const tables = bands.length ? loadCollectionTables() : new Map();
      const found = await collectItems(opts.stac, query, {
        maxItems: opts.limit,
        timeoutMs: settings.raster.httpTimeoutMs,
        maxBytes: MAX_STAC_DOCUMENT_BYTES,
        allowedOrigins: settings.raster.allowedOrigins,
      });
      const sources = found.items.map((located) => bands.map((band) => resolveBandSource(located, band, tables)));
      checkAssetHrefs(sources.flat(), { allowedOrigins: settings.raster.allowedOrigins });
      if (found.truncated) process.stderr.write(`sat: warning: more items match than --limit ${opts.limit}; only the first ${opts.limit} the catalogue returned are listed\n`);
      if (!opts.json) {
        process.stdout.write(`${table(found, sources)}\n`);
        return;
      }
      const out = {
        source: found.source,
        kind: found.kind,
        ...(found.api && { api: found.api }),
        query,
        truncated: found.truncated,
        items: found.items.map(({ item }, i) => ({
          id: item.id,
          collection: item.collection ?? null,
          datetime: item.properties.datetime ?? null,
          cloud_cover: item.properties['eo:cloud_cover'] ?? null,
          platform: item.properties.platform ?? null,
          epsg: item.properties['proj:epsg'] ?? sources[i][0]?.epsg ?? null,
          bbox: item.bbox ?? null,
          bands: Object.fromEntries(sources[i].map((s) => [s.band, sourceJson(s)])),
        })),
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
}

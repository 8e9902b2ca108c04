import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import sharp from 'sharp';

/** ColorBrewer YlGn, 5 classes (light = low). */
export const YLGN_5 = ['#ffffcc', '#c2e699', '#78c679', '#31a354', '#006837'] as const;
/** Fill of regions whose value is suppressed (OBS_STATUS Q). */
export const SUPPRESSED_COLOUR = '#a8a8a8';
/** Fill of regions without a classified pixel (outside the scene or AOI, or masked): nothing was measured there. */
export const NOT_MEASURED_COLOUR = '#f4f4f4';
/** Outline of the scene's footprint. */
export const FOOTPRINT_COLOUR = '#d62728';
const OUTLINE_COLOUR = '#333333';

/**
 * A region's value and how far it can be trusted: its OBS_STATUS (E estimated, U low reliability: drawn hatched over
 * its colour, Q suppressed: grey, no value), or 'none' where the region has no classified pixel.
 */
export interface ChoroplethValue {
  value: number | null;
  status: 'E' | 'U' | 'Q' | 'none';
}

export interface ChoroplethOptions {
  /** Width of the picture in pixels (default 900; narrower for areas taller than wide); the height follows from the map's aspect. Drawn to be shown at this size. */
  width?: number;
  title: string;
  unit: string;
  /** The scene's outline (a lon/lat ring), drawn in red: where the numbers come from. */
  footprint?: Position[];
}

/** One legend entry / class: values in [lower, upper] get `colour`. */
export interface ChoroplethClass {
  lower: number;
  upper: number;
  colour: string;
}

const TITLE_HEIGHT = 44;
const LEGEND_WIDTH = 270;
const PAD = 12;
const LEGEND_ROW = 26;
/** Tallest map drawn (px): a tall area gets a narrower picture rather than one taller than a screen. */
const MAX_MAP_HEIGHT = 480;
const FONT_SIZE = 15;
const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';
/** Footprints smaller than this (px) get a ring around them, or they would vanish on a national map. */
const SMALL_FOOTPRINT = 10;
const HATCH = '<pattern id="hatch-u" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)"><rect width="2.2" height="7" fill="#1a1a1a" fill-opacity="0.6"/></pattern>';

/**
 * A PNG map of regions coloured by value in five equal-interval classes between the smallest and largest value shown
 * (ColorBrewer YlGn); low-reliability values (U) hatched over their colour, suppressed ones (Q) grey, regions without
 * a classified pixel near white; a legend of the class ranges and of those marks, a title, and optionally the scene's
 * footprint. Coordinates are lon/lat, drawn in an equirectangular projection scaled by the cosine of the mean
 * latitude. The same input always gives the same bytes.
 */
export async function renderChoropleth(
  regions: FeatureCollection<Polygon | MultiPolygon>,
  idField: string,
  values: Map<string, ChoroplethValue>,
  options: ChoroplethOptions,
): Promise<Buffer> {
  const svg = choroplethSvg(regions, idField, values, options);
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Equal-interval classes between the min and max of the published values (one class when they are all equal). */
export function equalIntervalClasses(published: number[]): ChoroplethClass[] {
  if (published.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of published) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max === min) return [{ lower: min, upper: max, colour: YLGN_5[2] }];
  const n = YLGN_5.length;
  return YLGN_5.map((colour, i) => ({ lower: min + ((max - min) * i) / n, upper: i === n - 1 ? max : min + ((max - min) * (i + 1)) / n, colour }));
}

/** The colour of a value among the classes (null → suppressed). */
export function classColour(classes: ChoroplethClass[], value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value) || classes.length === 0) return SUPPRESSED_COLOUR;
  if (classes.length === 1) return classes[0].colour;
  const min = classes[0].lower;
  const max = classes[classes.length - 1].upper;
  const k = Math.min(classes.length - 1, Math.max(0, Math.floor(((value - min) / (max - min)) * classes.length)));
  return classes[k].colour;
}

/** A number with at most 3 significant digits, without exponent for ordinary magnitudes. */
export function formatSignificant(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const r = Number(v.toPrecision(3));
  const abs = Math.abs(r);
  if (abs >= 1e-6 && abs < 1e21) {
    // toString gives exponents below 1e-6 only; fixed digits keep 3 significant ones.
    const digits = Math.max(0, 2 - Math.floor(Math.log10(abs)));
    return r.toFixed(Math.min(20, digits)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  return String(r);
}

/** Escapes text for XML content and attributes, dropping characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The SVG drawn by `renderChoropleth`. */
export function choroplethSvg(
  regions: FeatureCollection<Polygon | MultiPolygon>,
  idField: string,
  values: Map<string, ChoroplethValue>,
  options: ChoroplethOptions,
): string {
  const width = Math.max(LEGEND_WIDTH + 4 * PAD + 10, Math.round(options.width ?? 900));
  const features = regions.features.filter(
    (f): f is Feature<Polygon | MultiPolygon> => f.geometry != null && (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon'),
  );
  const polygonsOf = (f: Feature<Polygon | MultiPolygon>): Position[][][] =>
    f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;

  // Extent in lon/lat.
  let lonMin = Infinity;
  let lonMax = -Infinity;
  let latMin = Infinity;
  let latMax = -Infinity;
  for (const f of features) {
    for (const poly of polygonsOf(f)) {
      for (const ring of poly) {
        for (const [lon, lat] of ring) {
          if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue;
          if (lon < lonMin) lonMin = lon;
          if (lon > lonMax) lonMax = lon;
          if (lat < latMin) latMin = lat;
          if (lat > latMax) latMax = lat;
        }
      }
    }
  }
  const hasExtent = lonMax >= lonMin && latMax >= latMin;
  const meanLat = hasExtent ? (latMin + latMax) / 2 : 0;
  const kx = Math.max(1e-6, Math.cos((meanLat * Math.PI) / 180));
  const spanX = hasExtent ? Math.max((lonMax - lonMin) * kx, 1e-9) : 1;
  const spanY = hasExtent ? Math.max(latMax - latMin, 1e-9) : 1;

  // Map area on the left, legend on the right, title above; tall areas narrower, so the picture fits on a screen.
  const mapWidth = Math.min(width - LEGEND_WIDTH - 3 * PAD, Math.max(200, Math.round((MAX_MAP_HEIGHT * spanX) / spanY)));
  const scale = mapWidth / spanX;
  const mapHeight = Math.max(1, Math.min(Math.round(spanY * scale), 4 * width));
  const s = Math.min(scale, mapHeight / spanY);
  const offX = PAD + (mapWidth - spanX * s) / 2;
  const offY = TITLE_HEIGHT + (mapHeight - spanY * s) / 2;
  const xy = (lon: number, lat: number): [number, number] => [offX + (lon - lonMin) * kx * s, offY + (latMax - lat) * s];
  const project = (lon: number, lat: number): string => xy(lon, lat).map(fmt).join(',');
  const pathOf = (rings: Position[][]): string =>
    rings
      .map((ring) => ring.filter(([lon, lat]) => Number.isFinite(lon) && Number.isFinite(lat)))
      .filter((pts) => pts.length >= 3)
      .map((pts) => `M${pts.map(([lon, lat]) => project(lon, lat)).join('L')}Z`)
      .join('');

  // Classes from the values shown (E and U) of the regions drawn.
  const shownOf = (f: Feature<Polygon | MultiPolygon>): ChoroplethValue => {
    const raw = f.properties?.[idField] ?? f.id;
    const v = raw === undefined || raw === null ? undefined : values.get(String(raw));
    if (!v) return { value: null, status: 'none' };
    if (v.status === 'none' || v.status === 'Q') return { value: null, status: v.status };
    return v.value === null || !Number.isFinite(v.value) ? { value: null, status: 'Q' } : v;
  };
  const shown = features.map(shownOf);
  const classes = equalIntervalClasses(shown.filter((v) => v.value !== null).map((v) => v.value!));
  const fillOf = (v: ChoroplethValue) => (v.status === 'none' ? NOT_MEASURED_COLOUR : v.value === null ? SUPPRESSED_COLOUR : classColour(classes, v.value));

  const paths: string[] = [];
  features.forEach((f, i) => {
    const d = polygonsOf(f).map(pathOf).join('');
    if (d.length === 0) return;
    const raw = f.properties?.[idField] ?? f.id;
    const title = raw === undefined || raw === null ? '' : `<title>${escapeXml(String(f.properties?.name ?? raw))}</title>`;
    paths.push(`<path d="${d}" fill="${fillOf(shown[i])}" fill-rule="evenodd">${title}</path>`);
    if (shown[i].status === 'U') paths.push(`<path d="${d}" fill="url(#hatch-u)" fill-rule="evenodd" stroke="none"/>`);
  });

  // The footprint, ringed when it is too small to see.
  const marks: string[] = [];
  const footprint = options.footprint?.filter(([lon, lat]) => Number.isFinite(lon) && Number.isFinite(lat)) ?? [];
  if (footprint.length >= 3) {
    marks.push(`<path d="${pathOf([footprint])}" fill="none" stroke="${FOOTPRINT_COLOUR}" stroke-width="2"/>`);
    const pts = footprint.map(([lon, lat]) => xy(lon, lat));
    const [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
    const [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
    if (Math.max(x1 - x0, y1 - y0) < SMALL_FOOTPRINT) {
      marks.push(`<circle cx="${fmt((x0 + x1) / 2)}" cy="${fmt((y0 + y1) / 2)}" r="${SMALL_FOOTPRINT}" fill="none" stroke="${FOOTPRINT_COLOUR}" stroke-width="2"/>`);
    }
  }

  // Legend: class ranges with the unit, then the marks that occur.
  const unit = options.unit ? ` ${options.unit}` : '';
  const swatch = (fill: string, extra = '') => (x: number, y: number) =>
    `<rect x="${x}" y="${y}" width="22" height="16" fill="${fill}" stroke="${OUTLINE_COLOUR}" stroke-width="0.6"/>${extra && `<rect x="${x}" y="${y}" width="22" height="16" fill="${extra}"/>`}`;
  const entries: { draw: (x: number, y: number) => string; label: string }[] = classes.map((c) => ({
    draw: swatch(c.colour),
    label: classes.length === 1 ? `${formatSignificant(c.lower)}${unit}` : `${formatSignificant(c.lower)} – ${formatSignificant(c.upper)}${unit}`,
  }));
  if (shown.some((v) => v.status === 'U')) entries.push({ draw: swatch(classes[Math.floor(classes.length / 2)]?.colour ?? YLGN_5[2], 'url(#hatch-u)'), label: 'hatched: low reliability (U)' });
  if (shown.some((v) => v.status === 'Q')) entries.push({ draw: swatch(SUPPRESSED_COLOUR), label: 'suppressed (Q)' });
  if (shown.some((v) => v.status === 'none')) entries.push({ draw: swatch(NOT_MEASURED_COLOUR), label: 'no classified pixel' });
  if (footprint.length >= 3) {
    entries.push({ draw: (x, y) => `<rect x="${x + 1}" y="${y + 1}" width="20" height="14" fill="none" stroke="${FOOTPRINT_COLOUR}" stroke-width="2"/>`, label: 'the scene' });
  }
  const legendX = mapWidth + 2 * PAD;
  const legendY = TITLE_HEIGHT;
  const legend = entries.map((e, i) => `${e.draw(legendX, legendY + i * LEGEND_ROW)}<text x="${legendX + 30}" y="${legendY + i * LEGEND_ROW + 13}" font-size="${FONT_SIZE}">${escapeXml(e.label)}</text>`).join('');
  const legendHeight = entries.length * LEGEND_ROW;
  const height = TITLE_HEIGHT + Math.max(mapHeight, legendHeight) + PAD;
  const drawnWidth = mapWidth + LEGEND_WIDTH + 3 * PAD;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${drawnWidth}" height="${height}" viewBox="0 0 ${drawnWidth} ${height}">`,
    `<defs>${HATCH}</defs>`,
    `<rect x="0" y="0" width="${drawnWidth}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="${TITLE_HEIGHT - 16}" font-family="${FONT}" font-size="18" font-weight="bold" fill="#222222">${escapeXml(options.title)}</text>`,
    `<g stroke="${OUTLINE_COLOUR}" stroke-width="0.6" stroke-linejoin="round">${paths.join('')}</g>`,
    marks.join(''),
    `<g font-family="${FONT}" fill="#222222">${legend}</g>`,
    '</svg>',
  ].join('\n');
}

/** Coordinates with two decimals (enough for anti-aliasing, short and deterministic). */
function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

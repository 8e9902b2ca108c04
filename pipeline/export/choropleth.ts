import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import sharp from 'sharp';

/** ColorBrewer YlGn, 5 classes (light = low). */
export const YLGN_5 = ['#ffffcc', '#c2e699', '#78c679', '#31a354', '#006837'] as const;
/** Fill of regions whose value is not published (null, missing or not finite). */
export const NOT_PUBLISHED_COLOUR = '#dddddd';
const OUTLINE_COLOUR = '#333333';

export interface ChoroplethOptions {
  /** Width of the picture in pixels (default 800); the height follows from the map's aspect. */
  width?: number;
  title: string;
  unit: string;
}

/** One legend entry / class: values in [lower, upper] get `colour`. */
export interface ChoroplethClass {
  lower: number;
  upper: number;
  colour: string;
}

const TITLE_HEIGHT = 40;
const LEGEND_WIDTH = 210;
const PAD = 10;
const LEGEND_ROW = 22;
const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/**
 * A PNG map of regions coloured by value in five equal-interval classes between the smallest and largest published
 * value (ColorBrewer YlGn), unpublished values light grey, with a legend of the class ranges and a title.
 * Coordinates are lon/lat, drawn in an equirectangular projection scaled by the cosine of the mean latitude.
 * The same input always gives the same bytes.
 */
export async function renderChoropleth(
  regions: FeatureCollection<Polygon | MultiPolygon>,
  idField: string,
  values: Map<string, number | null>,
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

/** The colour of a value among the classes (null → not published). */
export function classColour(classes: ChoroplethClass[], value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value) || classes.length === 0) return NOT_PUBLISHED_COLOUR;
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
  values: Map<string, number | null>,
  options: ChoroplethOptions,
): string {
  const width = Math.max(LEGEND_WIDTH + 4 * PAD + 10, Math.round(options.width ?? 800));
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

  // Map area on the left, legend on the right, title above.
  const mapWidth = width - LEGEND_WIDTH - 3 * PAD;
  const scale = mapWidth / spanX;
  const mapHeight = Math.max(1, Math.min(Math.round(spanY * scale), 4 * width));
  const s = Math.min(scale, mapHeight / spanY);
  const offX = PAD + (mapWidth - spanX * s) / 2;
  const offY = TITLE_HEIGHT + (mapHeight - spanY * s) / 2;
  const project = (lon: number, lat: number): string =>
    `${fmt(offX + (lon - lonMin) * kx * s)},${fmt(offY + (latMax - lat) * s)}`;

  // Classes from the published values of the regions drawn.
  const valueOf = (f: Feature<Polygon | MultiPolygon>): number | null => {
    const raw = f.properties?.[idField] ?? f.id;
    if (raw === undefined || raw === null) return null;
    const v = values.get(String(raw));
    return v === undefined || v === null || !Number.isFinite(v) ? null : v;
  };
  const regionValues = features.map(valueOf);
  const classes = equalIntervalClasses(regionValues.filter((v): v is number => v !== null));
  const anyUnpublished = regionValues.some((v) => v === null);

  const paths: string[] = [];
  features.forEach((f, i) => {
    const d: string[] = [];
    for (const poly of polygonsOf(f)) {
      for (const ring of poly) {
        const pts = ring.filter(([lon, lat]) => Number.isFinite(lon) && Number.isFinite(lat));
        if (pts.length < 3) continue;
        d.push(`M${pts.map(([lon, lat]) => project(lon, lat)).join('L')}Z`);
      }
    }
    if (d.length === 0) return;
    const raw = f.properties?.[idField] ?? f.id;
    const title = raw === undefined || raw === null ? '' : `<title>${escapeXml(String(raw))}</title>`;
    paths.push(`<path d="${d.join('')}" fill="${classColour(classes, regionValues[i])}" fill-rule="evenodd">${title}</path>`);
  });

  // Legend: class ranges with the unit, then "not published".
  const unit = options.unit ? ` ${options.unit}` : '';
  const entries = classes.map((c) => ({
    colour: c.colour,
    label: classes.length === 1 ? `${formatSignificant(c.lower)}${unit}` : `${formatSignificant(c.lower)} – ${formatSignificant(c.upper)}${unit}`,
  }));
  if (anyUnpublished || classes.length === 0) entries.push({ colour: NOT_PUBLISHED_COLOUR, label: 'not published' });
  const legendX = width - LEGEND_WIDTH - PAD;
  const legendY = TITLE_HEIGHT;
  const legend = entries
    .map((e, i) => {
      const y = legendY + i * LEGEND_ROW;
      return (
        `<rect x="${legendX}" y="${y}" width="18" height="14" fill="${e.colour}" stroke="${OUTLINE_COLOUR}" stroke-width="0.5"/>` +
        `<text x="${legendX + 26}" y="${y + 12}" font-size="13">${escapeXml(e.label)}</text>`
      );
    })
    .join('');
  const legendHeight = entries.length * LEGEND_ROW;
  const height = TITLE_HEIGHT + Math.max(mapHeight, legendHeight) + PAD;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="${TITLE_HEIGHT - 14}" font-family="${FONT}" font-size="18" font-weight="bold" fill="#222222">${escapeXml(options.title)}</text>`,
    `<g stroke="${OUTLINE_COLOUR}" stroke-width="0.6" stroke-linejoin="round">${paths.join('')}</g>`,
    `<g font-family="${FONT}" fill="#222222">${legend}</g>`,
    '</svg>',
  ].join('\n');
}

/** Coordinates with two decimals (enough for anti-aliasing, short and deterministic). */
function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

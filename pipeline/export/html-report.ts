import sharp from 'sharp';
import { escapeXml } from './choropleth.js';

export interface ReportClass {
  id: number;
  name: string;
  /** CSS colour, '#rrggbb' (other forms: '#rgb', '#rrggbbaa', rgb()/rgba(), or a colour name). */
  colour: string;
}

export interface ErrorMatrix {
  /** Class names, in the order of the rows (map) and columns (reference). */
  classes: string[];
  /** Area proportions: rows = map class, columns = reference class. */
  proportions: number[][];
  /** Sample counts, same layout. */
  counts: number[][];
}

export interface ClassAccuracy {
  name: string;
  mappedHa: number;
  estimateHa: number;
  halfWidthHa: number | null;
  users: number | null;
  usersHalfWidth: number | null;
  producers: number | null;
  producersHalfWidth: number | null;
}

export interface ReportInput {
  /** E.g. the job name. */
  title: string;
  /** Reference period, e.g. '2015-07-11'. */
  period: string;
  /** PNG. */
  trueColour: Buffer | null;
  /** PNG of the class map; its legend = coloured swatches + names. */
  classMap: { png: Buffer; classes: ReportClass[] };
  choropleth: { png: Buffer; caption: string } | null;
  /** Error matrix in area proportions, rows = map class, columns = reference class, and the sample counts. */
  errorMatrix: ErrorMatrix | null;
  /** Accuracy (fractions 0..1) and area estimates (ha) per class. */
  accuracy: { overall: { estimate: number; halfWidth: number | null }; classes: ClassAccuracy[] } | null;
  /** The published table: one row per region x class x indicator (at most 200 rows are shown). */
  table: { columns: string[]; rows: (string | number | null)[][] };
  /** E.g. quality flags explained, domain-estimation warning. */
  notes: string[];
  /** Shown as pretty-printed JSON. */
  provenance: Record<string, unknown>;
}

/** Rows of the regional table shown in the report; the rest are counted. */
export const MAX_TABLE_ROWS = 200;

const DIAGONAL_RGB: [number, number, number] = [0x1a, 0x98, 0x50];
const OFF_DIAGONAL_RGB: [number, number, number] = [0xd7, 0x30, 0x27];

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
.period{color:#555;margin-top:0}
.pictures{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
figure{margin:0;flex:1 1 300px;max-width:100%}figure img{max-width:100%;height:auto;border:1px solid #ddd;display:block}
figcaption{font-size:.9rem;color:#444;margin-top:.3rem}
.legend{list-style:none;padding:0;margin:.4rem 0 0;font-size:.9rem}.legend li{display:inline-block;margin:0 .8rem .2rem 0}
.swatch{display:inline-block;width:.9rem;height:.9rem;border:1px solid #555;vertical-align:middle;margin-right:.3rem}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .45rem}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.na{color:#888;text-align:center}
table.matrix td{text-align:center;min-width:4rem}table.matrix td.diag{outline:2px solid #1a9850;outline-offset:-2px;font-weight:bold}
table.matrix small{display:block;font-weight:normal;opacity:.8}
.more{color:#555;font-style:italic}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.6rem;overflow:auto;font-size:.8rem}
`.trim();

/**
 * One self-contained HTML5 document of a job's results: pictures (embedded PNGs), accuracy and error-adjusted areas,
 * the error matrix (table and heatmap), the regional statistics, notes and provenance. Every user string is escaped;
 * nothing is fetched from elsewhere; the same input gives the same document (no clock, no random ids).
 */
export async function renderHtmlReport(input: ReportInput): Promise<string> {
  const matrixPng = input.errorMatrix && input.errorMatrix.classes.length > 0 ? await renderErrorMatrixPng(input.errorMatrix) : null;
  const parts: string[] = [];
  parts.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(input.title)} – ${esc(input.period)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${esc(input.title)}</h1>`,
    `<p class="period">Reference period: ${esc(input.period)}</p>`,
    '</header>',
    '<main>',
  );

  // Pictures.
  parts.push('<section class="pictures">');
  if (input.trueColour) {
    parts.push(`<figure><img src="${pngUri(input.trueColour)}" alt="True-colour preview"><figcaption>True colour</figcaption></figure>`);
  }
  const legend = input.classMap.classes
    .map((c) => `<li><span class="swatch" style="background:${safeColour(c.colour)}"></span>${esc(c.name)}</li>`)
    .join('');
  parts.push(
    `<figure><img src="${pngUri(input.classMap.png)}" alt="Class map"><figcaption>Class map</figcaption>` +
      (legend ? `<ul class="legend">${legend}</ul>` : '') +
      '</figure>',
  );
  if (input.choropleth) {
    parts.push(`<figure><img src="${pngUri(input.choropleth.png)}" alt="${esc(input.choropleth.caption)}"><figcaption>${esc(input.choropleth.caption)}</figcaption></figure>`);
  }
  parts.push('</section>');

  // Accuracy.
  parts.push('<section id="accuracy">', '<h2>Accuracy and error-adjusted areas</h2>');
  if (input.accuracy) {
    const { overall, classes } = input.accuracy;
    parts.push(`<p>Overall accuracy: <strong>${pctCi(overall.estimate, overall.halfWidth)}</strong></p>`);
    if (classes.length > 0) {
      parts.push(
        '<table class="accuracy">',
        '<thead><tr><th>Class</th><th>Mapped area (ha)</th><th>Estimated area (ha) ± CI</th><th>User’s accuracy (%) ± CI</th><th>Producer’s accuracy (%) ± CI</th></tr></thead>',
        '<tbody>',
      );
      for (const c of classes) {
        parts.push(
          `<tr><th scope="row">${esc(c.name)}</th>` +
            `<td class="num">${formatHa(c.mappedHa)}</td>` +
            `<td class="num">${haCi(c.estimateHa, c.halfWidthHa)}</td>` +
            `<td class="num">${pctCi(c.users, c.usersHalfWidth)}</td>` +
            `<td class="num">${pctCi(c.producers, c.producersHalfWidth)}</td></tr>`,
        );
      }
      parts.push('</tbody>', '</table>', '<p class="more">± = half-width of the confidence interval (percentage points for accuracies), left out where it cannot be estimated; – = not estimable.</p>');
    }
  } else {
    parts.push('<p>No accuracy assessment.</p>');
  }
  parts.push('</section>');

  // Error matrix.
  parts.push('<section id="error-matrix">', '<h2>Error matrix (area proportions)</h2>');
  if (input.errorMatrix && input.errorMatrix.classes.length > 0) {
    parts.push(errorMatrixTable(input.errorMatrix));
    if (matrixPng) parts.push(`<figure><img src="${pngUri(matrixPng)}" alt="Error matrix heatmap"><figcaption>Heatmap of the error matrix (rows: map, columns: reference)</figcaption></figure>`);
  } else {
    parts.push('<p>No error matrix.</p>');
  }
  parts.push('</section>');

  // Regional statistics.
  parts.push('<section id="statistics">', '<h2>Regional statistics</h2>', regionalTable(input.table), '</section>');

  // Notes.
  parts.push('<section id="notes">', '<h2>Notes</h2>');
  parts.push(input.notes.length > 0 ? `<ul>${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p>None.</p>');
  parts.push('</section>');

  // Provenance.
  parts.push('<section id="provenance">', '<h2>Provenance</h2>', `<pre>${esc(prettyJson(input.provenance))}</pre>`, '</section>');

  parts.push('</main>', '</body>', '</html>', '');
  return parts.join('\n');
}

/**
 * The error matrix as a PNG heatmap: cells shaded by their area proportion relative to the largest one, the diagonal
 * (agreement) in green, the rest (confusion) in red, each cell labelled with its proportion and sample count.
 */
export async function renderErrorMatrixPng(m: ErrorMatrix): Promise<Buffer> {
  return sharp(Buffer.from(errorMatrixSvg(m))).png().toBuffer();
}

/** The SVG drawn by `renderErrorMatrixPng`. */
export function errorMatrixSvg(m: ErrorMatrix): string {
  const n = m.classes.length;
  const cell = 64;
  const font = 'DejaVu Sans, Arial, Helvetica, sans-serif';
  const longest = m.classes.reduce((a, c) => Math.max(a, [...c].length), 0);
  const labelWidth = Math.min(180, Math.max(60, 8 * Math.min(longest, 22) + 16));
  const topHeight = Math.min(150, Math.max(60, 6 * Math.min(longest, 22) + 30));
  const titleHeight = 26;
  const x0 = labelWidth + 20;
  const y0 = titleHeight + topHeight;
  // Room on the right for the last column's slanted label, and below for the key.
  const width = Math.max(x0 + n * cell + Math.max(20, topHeight - 30), 420);
  const height = y0 + n * cell + 40;
  const max = maxProportion(m);
  const short = (s: string) => ([...s].length > 22 ? `${[...s].slice(0, 21).join('')}…` : s);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<g font-family="${font}" fill="#222222">`,
    `<text x="${x0 + (n * cell) / 2}" y="18" font-size="13" text-anchor="middle">Reference class</text>`,
    `<text x="14" y="${y0 + (n * cell) / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 14 ${y0 + (n * cell) / 2})">Map class</text>`,
  );
  m.classes.forEach((name, j) => {
    const x = x0 + j * cell + cell / 2;
    const y = y0 - 6;
    out.push(`<text x="${x}" y="${y}" font-size="11" transform="rotate(-45 ${x} ${y})">${escapeXml(short(name))}</text>`);
  });
  m.classes.forEach((name, i) => {
    out.push(`<text x="${x0 - 6}" y="${y0 + i * cell + cell / 2 + 4}" font-size="11" text-anchor="end">${escapeXml(short(name))}</text>`);
  });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const p = m.proportions[i]?.[j];
      const count = m.counts[i]?.[j];
      const { fill, dark } = cellShade(p, i === j, max);
      const x = x0 + j * cell;
      const y = y0 + i * cell;
      const ink = dark ? '#ffffff' : '#222222';
      out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#bbbbbb" stroke-width="1"/>`);
      out.push(`<text x="${x + cell / 2}" y="${y + cell / 2}" font-size="12" text-anchor="middle" fill="${ink}">${escapeXml(formatProportion(p))}</text>`);
      if (typeof count === 'number' && Number.isFinite(count)) {
        out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 15}" font-size="9" text-anchor="middle" fill="${ink}">n=${escapeXml(String(count))}</text>`);
      }
    }
  }
  // The diagonal's frames last, so neighbouring cells do not cover them.
  for (let i = 0; i < n; i++) {
    out.push(`<rect x="${x0 + i * cell + 1}" y="${y0 + i * cell + 1}" width="${cell - 2}" height="${cell - 2}" fill="none" stroke="#0b5d2c" stroke-width="2"/>`);
  }
  out.push(
    `<text x="10" y="${y0 + n * cell + 24}" font-size="10" fill="#555555">Shade ∝ area proportion (max ${escapeXml(formatProportion(max))}); green: agreement, red: confusion</text>`,
    '</g>',
    '</svg>',
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

function errorMatrixTable(m: ErrorMatrix): string {
  const n = m.classes.length;
  const max = maxProportion(m);
  const rows: string[] = [];
  rows.push('<table class="matrix">');
  rows.push(
    `<thead><tr><th rowspan="2">Map class</th><th colspan="${n}">Reference class</th><th rowspan="2">Total</th></tr>` +
      `<tr>${m.classes.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`,
  );
  rows.push('<tbody>');
  const colTotals = new Array<number>(n).fill(0);
  const colCounts = new Array<number>(n).fill(0);
  let total = 0;
  let totalCount = 0;
  for (let i = 0; i < n; i++) {
    let rowTotal = 0;
    let rowCount = 0;
    const cells: string[] = [];
    for (let j = 0; j < n; j++) {
      const p = m.proportions[i]?.[j];
      const c = m.counts[i]?.[j];
      if (isNum(p)) {
        rowTotal += p;
        colTotals[j] += p;
      }
      if (isNum(c)) {
        rowCount += c;
        colCounts[j] += c;
      }
      const { fill, dark } = cellShade(p, i === j, max);
      const style = `background:${fill}${dark ? ';color:#fff' : ''}`;
      cells.push(`<td class="${i === j ? 'diag' : 'off'}" style="${style}">${esc(formatProportion(p))}<small>n=${isNum(c) ? esc(String(c)) : '–'}</small></td>`);
    }
    total += rowTotal;
    totalCount += rowCount;
    rows.push(`<tr><th scope="row">${esc(m.classes[i])}</th>${cells.join('')}<td>${formatProportion(rowTotal)}<small>n=${rowCount}</small></td></tr>`);
  }
  rows.push(
    `<tr><th scope="row">Total</th>${colTotals.map((t, j) => `<td>${formatProportion(t)}<small>n=${colCounts[j]}</small></td>`).join('')}` +
      `<td>${formatProportion(total)}<small>n=${totalCount}</small></td></tr>`,
  );
  rows.push('</tbody>', '</table>');
  return rows.join('\n');
}

function regionalTable(table: ReportInput['table']): string {
  const shown = table.rows.slice(0, MAX_TABLE_ROWS);
  const out: string[] = [];
  out.push('<table class="statistics">');
  out.push(`<thead><tr>${table.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`);
  out.push('<tbody>');
  for (const row of shown) {
    out.push(
      `<tr>${row
        .map((v) => {
          if (v === null || v === undefined) return '<td class="na">–</td>';
          if (typeof v === 'number') return `<td class="num">${esc(formatTableNumber(v))}</td>`;
          return `<td>${esc(String(v))}</td>`;
        })
        .join('')}</tr>`,
    );
  }
  out.push('</tbody>', '</table>');
  const more = table.rows.length - shown.length;
  if (more > 0) out.push(`<p class="more">${more} more row${more === 1 ? '' : 's'} not shown (${table.rows.length} in all).</p>`);
  if (table.rows.length === 0) out.push('<p class="more">No rows.</p>');
  return out.join('\n');
}

/** Background colour of a matrix cell: white to green (diagonal) or to red (off-diagonal) by p / max. */
function cellShade(p: number | undefined, diagonal: boolean, max: number): { fill: string; dark: boolean } {
  if (!isNum(p) || max <= 0) return { fill: '#ffffff', dark: false };
  const t = Math.max(0, Math.min(1, p / max));
  const target = diagonal ? DIAGONAL_RGB : OFF_DIAGONAL_RGB;
  const rgb = target.map((c) => Math.round(255 + (c - 255) * t));
  return { fill: `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`, dark: t > 0.55 };
}

function maxProportion(m: ErrorMatrix): number {
  let max = 0;
  for (const row of m.proportions) for (const p of row) if (isNum(p) && p > max) max = p;
  return max;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function formatProportion(p: number | undefined | null): string {
  return isNum(p) ? p.toFixed(4) : '–';
}

/** Thousands separated by commas, fixed decimals; locale-independent. */
function grouped(v: number, decimals: number): string {
  const fixed = Math.abs(v).toFixed(decimals);
  const [int, frac] = fixed.split('.');
  const withCommas = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = v < 0 && Number(fixed) !== 0 ? '-' : '';
  return sign + withCommas + (frac ? `.${frac}` : '');
}

function formatHa(v: number | null): string {
  return isNum(v) ? grouped(v, 1) : '–';
}

function haCi(estimate: number | null, halfWidth: number | null): string {
  if (!isNum(estimate)) return '–';
  return isNum(halfWidth) ? `${grouped(estimate, 1)} ± ${grouped(halfWidth, 1)}` : grouped(estimate, 1);
}

/** A fraction as a percentage with one decimal, ± the half-width in percentage points. */
function pctCi(estimate: number | null, halfWidth: number | null): string {
  if (!isNum(estimate)) return '–';
  const pct = `${(100 * estimate).toFixed(1)} %`;
  return isNum(halfWidth) ? `${pct} ± ${(100 * halfWidth).toFixed(1)}` : pct;
}

function formatTableNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function pngUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** A CSS colour safe to put in a style attribute (hex, rgb()/rgba() or a name); anything else is transparent. */
function safeColour(colour: string): string {
  const c = colour.trim();
  if (/^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(c)) return c;
  if (/^rgba?\(\s*[\d.]+%?\s*,\s*[\d.]+%?\s*,\s*[\d.]+%?\s*(?:,\s*[\d.]+%?\s*)?\)$/i.test(c)) return c;
  if (/^[a-z]{3,20}$/i.test(c)) return c;
  return 'transparent';
}

function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? 'null';
  } catch (err) {
    return `(not serialisable: ${(err as Error).message})`;
  }
}

/** Escapes text for HTML content and attribute values. */
function esc(text: string): string {
  return escapeXml(String(text)).replace(/&apos;/g, '&#39;');
}

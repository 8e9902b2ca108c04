import type { StatisticsRow } from '../statistics/region-statistics.js';
import { escapeXml } from './choropleth.js';
import type { IntervalEstimate, TotalRow } from './table-totals.js';

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
  /** Error-adjusted area (ha). */
  area: IntervalEstimate;
  /** Fractions 0..1. */
  users: IntervalEstimate | null;
  producers: IntervalEstimate | null;
}

export interface ReportInput {
  /** E.g. the job name. */
  title: string;
  /** Reference period, e.g. '2015-07-11'. */
  period: string;
  /** Confidence level of every interval, e.g. 0.95. */
  confidence: number;
  /** PNG. */
  trueColour: Buffer | null;
  /** PNG of the class map; its legend = coloured swatches + names, and the colour of cloud pixels if the map shows them. */
  classMap: { png: Buffer; classes: ReportClass[]; cloudColour: string | null };
  choropleth: { png: Buffer; caption: string } | null;
  /** Error matrix in area proportions, rows = map class, columns = reference class, and the sample counts. */
  errorMatrix: ErrorMatrix | null;
  /** The map's accuracy (fractions 0..1) and error-adjusted areas, estimated from the reference sample of `sampleSize` points. */
  accuracy: { sampleSize: number; overall: IntervalEstimate; classes: ClassAccuracy[] } | null;
  /** The model's overall accuracy on the pixels held out when it was trained (from its package), if recorded. */
  modelAccuracy: { overall: number; pixels: number } | null;
  /** The published table (one row per region x class x indicator), the regions' names by id, and the totals. */
  statistics: { rows: StatisticsRow[]; regionNames: Map<string, string>; totals: TotalRow[] };
  /** E.g. quality flags explained, domain-estimation warning. */
  notes: string[];
  /** Shown as pretty-printed JSON. */
  provenance: Record<string, unknown>;
}

/** Rows of the regional table shown in the report (whole regions); the rest are counted. */
export const MAX_TABLE_ROWS = 200;

const DIAGONAL_RGB: [number, number, number] = [0x1a, 0x98, 0x50];
const OFF_DIAGONAL_RGB: [number, number, number] = [0xd7, 0x30, 0x27];

const STATUS_TEXT: Record<StatisticsRow['obs_status'], string> = {
  E: 'estimated',
  U: 'low reliability',
  Q: 'suppressed: not published',
};

/** Short names of the estimation methods (the table's `method` values), explained under the table. */
const METHODS: Record<StatisticsRow['method'], { short: string; text: string }> = {
  'region-strata': { short: 'region', text: 'the region’s own reference sample (region x class strata)' },
  'region-strata-partly-domain': { short: 'region + pooled', text: 'the region’s own sample; classes with under two points in the region borrowed the pooled sample' },
  domain: { short: 'domain', text: 'domain estimate: the sample was stratified by class only, class errors are assumed the same in every region' },
  'precision-recall': { short: 'precision/recall', text: 'building count corrected by the model’s measured object precision and recall' },
  'mapped-only': { short: 'mapped only', text: 'no reference data: what the map says, no estimate' },
};

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
.period{color:#555;margin-top:0}
.pictures{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem;align-items:start}
figure{margin:0;max-width:100%}figure img{width:100%;height:auto;border:1px solid #ddd;display:block;image-rendering:pixelated}
figure.wide{grid-column:1/-1}figure.wide img{width:auto;max-width:100%;image-rendering:auto}
figcaption{font-size:.9rem;color:#444;margin-top:.3rem}
.legend{list-style:none;padding:0;margin:.4rem 0 0;font-size:.9rem}.legend li{display:inline-block;margin:0 .8rem .2rem 0}
.swatch{display:inline-block;width:.9rem;height:.9rem;border:1px solid #555;vertical-align:middle;margin-right:.3rem}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .45rem}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.na{color:#888;text-align:center}
table.matrix td{text-align:center;min-width:4rem}table.matrix td.diag{outline:2px solid #1a9850;outline-offset:-2px;font-weight:bold}
table.matrix small{display:block;font-weight:normal;opacity:.8}
table.statistics{width:100%}table.statistics th.region{vertical-align:top;font-weight:normal;background:#fafafa;min-width:11rem}
table.statistics th.region strong{display:block}table.statistics .meta{display:block;color:#555;font-size:.8rem}
table.statistics tbody{border-top:2px solid #999}table.statistics tbody.total{border-top:3px double #555}
table.statistics tbody.total th.region,table.statistics tbody.total td{background:#f3f3f3}
table.statistics tr.status-U td{background:#fff8e1}table.statistics tr.status-Q td{background:#eeeeee;color:#666}
td.flags{white-space:nowrap}td.flags abbr,td.status abbr{text-decoration:none;border-bottom:1px dotted #666;cursor:help;margin-right:.2rem}
.table-wrap{overflow-x:auto}
dl.codes{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;font-size:.85rem;margin:.4rem 0}dl.codes dt{font-weight:bold}dl.codes dd{margin:0}
details{margin:.6rem 0}summary{cursor:pointer}
.more{color:#555;font-style:italic}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.6rem;overflow:auto;font-size:.8rem}
`.trim();

/**
 * One self-contained HTML5 document of a job's results: pictures (embedded PNGs), the map's accuracy and
 * error-adjusted areas, the error matrix, the regional statistics (regions the scene does not reach listed apart,
 * flags as footnote letters, a total), notes and provenance. Every user string is escaped; nothing is fetched from
 * elsewhere; the same input gives the same document (no clock, no random ids).
 */
export function renderHtmlReport(input: ReportInput): string {
  const level = `${Number((100 * input.confidence).toFixed(1))} %`;
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
    `<p class="period">Reference period: ${esc(input.period)}. Every interval in this report is a <strong id="confidence-level">${level}</strong> confidence interval.</p>`,
    '</header>',
    '<main>',
  );

  // Pictures.
  parts.push('<section class="pictures">');
  if (input.trueColour) {
    parts.push(`<figure><img src="${pngUri(input.trueColour)}" alt="True-colour preview"><figcaption>True colour</figcaption></figure>`);
  }
  const legend = [
    ...input.classMap.classes.map((c) => `<li><span class="swatch" style="background:${safeColour(c.colour)}"></span>${esc(c.name)}</li>`),
    ...(input.classMap.cloudColour ? [`<li class="cloud"><span class="swatch" style="background:${safeColour(input.classMap.cloudColour)}"></span>cloud (not classified)</li>`] : []),
  ].join('');
  parts.push(
    `<figure><img src="${pngUri(input.classMap.png)}" alt="Class map"><figcaption>Class map</figcaption>` +
      (legend ? `<ul class="legend">${legend}</ul>` : '') +
      '</figure>',
  );
  if (input.choropleth) {
    parts.push(`<figure class="wide"><img src="${pngUri(input.choropleth.png)}" alt="${esc(input.choropleth.caption)}"><figcaption>${esc(input.choropleth.caption)}</figcaption></figure>`);
  }
  parts.push('</section>');

  parts.push(...accuracySection(input, level));

  // Error matrix: once, as a table shaded like a heatmap.
  parts.push('<section id="error-matrix">', '<h2>Error matrix of the reference sample (area proportions)</h2>');
  if (input.errorMatrix && input.errorMatrix.classes.length > 0) {
    parts.push(errorMatrixTable(input.errorMatrix), '<p class="more">Rows: map class, columns: reference class; each cell the estimated share of the mapped area and the sample points (n). Green: agreement, red: confusion, darker = larger.</p>');
  } else {
    parts.push('<p>No error matrix.</p>');
  }
  parts.push('</section>');

  parts.push('<section id="statistics">', '<h2>Regional statistics</h2>', regionalTable(input.statistics, level), '</section>');

  // Notes.
  parts.push('<section id="notes">', '<h2>Notes</h2>');
  parts.push(input.notes.length > 0 ? `<ul>${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p>None.</p>');
  parts.push('</section>');

  // Provenance.
  parts.push('<section id="provenance">', '<h2>Provenance</h2>', `<pre>${esc(prettyJson(input.provenance))}</pre>`, '</section>');

  parts.push('</main>', '</body>', '</html>', '');
  return parts.join('\n');
}

/** The map's accuracy from the reference sample, told apart from the model's held-out accuracy at training. */
function accuracySection(input: ReportInput, level: string): string[] {
  const out = ['<section id="accuracy">', '<h2>Accuracy and error-adjusted areas</h2>'];
  if (input.accuracy) {
    const { overall, classes, sampleSize } = input.accuracy;
    out.push(
      `<p id="map-accuracy">Overall accuracy of this map, estimated from the reference sample (${grouped(sampleSize, 0)} points, weighted by mapped area): ` +
        `<strong>${pct(overall.estimate)}</strong> (${level} CI ${pctRange(overall)}).</p>`,
    );
    if (classes.length > 0) {
      out.push(
        '<table class="accuracy">',
        `<thead><tr><th>Class</th><th>Mapped area (ha)</th><th>Estimated area (ha)</th><th>${level} CI (ha)</th><th>User’s accuracy</th><th>Producer’s accuracy</th></tr></thead>`,
        '<tbody>',
      );
      for (const c of classes) {
        out.push(
          `<tr><th scope="row">${esc(c.name)}</th>` +
            `<td class="num">${formatHa(c.mappedHa)}</td>` +
            `<td class="num">${formatHa(c.area.estimate)}</td>` +
            `<td class="num">${haRange(c.area)}</td>` +
            `<td class="num">${c.users ? `${pct(c.users.estimate)} (${pctRange(c.users)})` : '–'}</td>` +
            `<td class="num">${c.producers ? `${pct(c.producers.estimate)} (${pctRange(c.producers)})` : '–'}</td></tr>`,
        );
      }
      out.push('</tbody>', '</table>', `<p class="more">Accuracies with their ${level} confidence interval in brackets; – = not estimable.</p>`);
    }
  } else {
    out.push('<p id="map-accuracy">No accuracy assessment of this map (no reference data).</p>');
  }
  if (input.modelAccuracy) {
    out.push(
      `<p id="model-accuracy">Not to be confused with the model’s accuracy when it was trained: <strong>${pct(input.modelAccuracy.overall)}</strong> of ` +
        `${grouped(input.modelAccuracy.pixels, 0)} held-out pixels of its training scene, counted pixel by pixel. That describes the model on its training data; ` +
        'the figure above describes this map of this scene.</p>',
    );
  }
  out.push('</section>');
  return out;
}

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

/** Footnote letters of the flags: one per kind of flag (numbers inside a flag do not make a new kind). */
class FlagCodes {
  private readonly codes = new Map<string, { code: string; texts: Set<string> }>();

  codeOf(flag: string): string {
    const kind = flag.replace(/\d+(?:\.\d+)?/g, '#');
    let entry = this.codes.get(kind);
    if (!entry) {
      entry = { code: letters(this.codes.size), texts: new Set() };
      this.codes.set(kind, entry);
    }
    entry.texts.add(flag);
    return entry.code;
  }

  /** The legend: each letter with its flag's text (numbers that differ between rows shown as …). */
  legend(): string {
    if (this.codes.size === 0) return '';
    const items = [...this.codes.entries()].map(([kind, { code, texts }]) => {
      const text = texts.size === 1 ? [...texts][0] : kind.replace(/#/g, '…');
      return `<dt>${code}</dt><dd>${esc(text)}</dd>`;
    });
    return `<dl class="codes flag-legend">${items.join('')}</dl>`;
  }
}

/** a, b, …, z, aa, ab, … */
function letters(i: number): string {
  return (i >= 26 ? letters(Math.floor(i / 26) - 1) : '') + String.fromCharCode(97 + (i % 26));
}

/**
 * The regional table, one block of rows per region: the region's name, id, area and valid/cloud shares in its first
 * cell; per class the mapped value, the estimate with its interval and CV, the sample size, method, grade, OBS_STATUS
 * and the flags as footnote letters. Regions without a classified pixel (all their rows empty) are only listed,
 * under the table. A total closes the table.
 */
function regionalTable(statistics: ReportInput['statistics'], level: string): string {
  const byRegion = new Map<string, StatisticsRow[]>();
  for (const r of statistics.rows) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
  const reached = ([, rows]: [string, StatisticsRow[]]) => rows.some((r) => r.valid_share > 0 || r.mapped > 0);
  const shown = [...byRegion.entries()].filter(reached);
  const untouched = [...byRegion.entries()].filter((entry) => !reached(entry));
  const flags = new FlagCodes();
  const methods = new Set<StatisticsRow['method']>();
  const regionName = (id: string) => statistics.regionNames.get(id);
  const cells = (r: RowCells) => rowCells(r, flags);

  const out: string[] = ['<div class="table-wrap">', '<table class="statistics">'];
  out.push(
    `<caption class="more">Areas in hectares (ha), building counts in objects. Estimates are error-adjusted; suppressed values (Q) are not published.</caption>`,
    '<thead><tr><th scope="col">Region</th><th scope="col">Class</th><th scope="col">Mapped</th><th scope="col">Estimate</th>' +
      `<th scope="col">${level} CI</th><th scope="col">CV</th><th scope="col"><abbr title="reference sample points">n</abbr></th>` +
      '<th scope="col">Method</th><th scope="col">Grade</th><th scope="col">Status</th><th scope="col">Flags</th></tr></thead>',
  );
  let rowsShown = 0;
  let regionsLeft = 0;
  let rowsLeft = 0;
  for (const [id, rows] of shown) {
    if (rowsShown > 0 && rowsShown + rows.length > MAX_TABLE_ROWS) {
      regionsLeft++;
      rowsLeft += rows.length;
      continue;
    }
    rowsShown += rows.length;
    const first = rows[0];
    const name = regionName(id);
    const head =
      `<th scope="rowgroup" class="region" rowspan="${rows.length}">` +
      `<strong>${esc(name ?? id)}</strong>${name !== undefined ? `<span class="meta">id ${esc(id)}</span>` : ''}` +
      `<span class="meta">${formatHa(first.region_area_ha)} ha · valid ${formatShare(first.valid_share)} · cloud ${formatShare(first.cloud_share)}</span></th>`;
    out.push(`<tbody class="region" data-region="${esc(id)}">`);
    rows.forEach((r, i) => {
      methods.add(r.method);
      const row = cells({
        label: r.indicator === 'area' ? r.class_name : `${r.class_name} count`,
        unit: r.unit,
        mapped: r.mapped,
        estimate: r.estimate,
        lower: r.ci_lower,
        upper: r.ci_upper,
        cv: r.cv,
        sampleSize: r.sample_size,
        method: r.method,
        grade: r.grade,
        status: r.obs_status,
        flags: r.flags,
        note: null,
      });
      out.push(`<tr class="status-${r.obs_status}">${i === 0 ? head : ''}${row}</tr>`);
    });
    out.push('</tbody>');
  }
  out.push(totalRows(statistics, shown.length + untouched.length, cells));
  out.push('</table>', '</div>');

  if (regionsLeft > 0) out.push(`<p class="more">${rowsLeft} more row${rowsLeft === 1 ? '' : 's'} of ${regionsLeft} more region${regionsLeft === 1 ? '' : 's'} not shown (${statistics.rows.length} rows in all): see the CSV.</p>`);
  if (statistics.rows.length === 0) out.push('<p class="more">No rows.</p>');
  out.push(
    '<p class="more">Status (SDMX OBS_STATUS): E estimated; U low reliability (thin valid share, much cloud, a small sample or no standard error), shaded yellow; Q suppressed, shaded grey. Grade from the coefficient of variation (CV).</p>',
  );
  if (methods.size > 0) {
    out.push(`<dl class="codes method-legend">${[...methods].map((m) => `<dt>${esc(METHODS[m]?.short ?? m)}</dt><dd>${esc(METHODS[m]?.text ?? m)}</dd>`).join('')}</dl>`);
  }
  const legend = flags.legend();
  if (legend) out.push('<p class="more">Flags:</p>', legend);
  if (untouched.length > 0) {
    const list = untouched.map(([id, rows]) => {
      const name = regionName(id);
      const cloud = rows[0].cloud_share > 0 ? `, cloud ${formatShare(rows[0].cloud_share)}` : '';
      return `<li>${esc(name ?? id)}${name !== undefined ? ` (id ${esc(id)})` : ''}${cloud}</li>`;
    });
    out.push(
      `<details id="untouched-regions"><summary>${untouched.length} region${untouched.length === 1 ? '' : 's'} without a classified pixel (outside the scene or the area of interest, or masked): not in the table (their rows in the CSV have nothing mapped)</summary>`,
      `<ul>${list.join('')}</ul>`,
      '</details>',
    );
  }
  return out.join('\n');
}

/** What one line of the regional table shows (a region's row or a total). */
interface RowCells {
  label: string;
  unit: StatisticsRow['unit'];
  mapped: number;
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  cv: number | null;
  sampleSize: number | null;
  method: StatisticsRow['method'] | null;
  grade: string;
  status: StatisticsRow['obs_status'] | '';
  /** '; '-separated, shown as footnote letters. */
  flags: string;
  /** Shown across the estimate, interval and CV cells when there is no estimate. */
  note: string | null;
}

/** The cells of a table line after the region's: class, values formatted in their unit, status and flag letters. */
function rowCells(r: RowCells, flags: FlagCodes): string {
  const na = '<td class="na">–</td>';
  const num = (v: string) => `<td class="num">${v}</td>`;
  const codes = r.flags
    .split('; ')
    .filter((f) => f !== '')
    .map((f) => `<abbr title="${esc(f)}">${flags.codeOf(f)}</abbr>`)
    .join('');
  const estimate =
    r.note !== null && r.estimate === null
      ? `<td class="na" colspan="3">– (${esc(r.note)})</td>`
      : (r.estimate === null ? na : num(formatValue(r.estimate, r.unit))) +
        (r.lower === null || r.upper === null ? na : num(`${formatValue(r.lower, r.unit)} – ${formatValue(r.upper, r.unit)}`)) +
        (r.cv === null ? na : num(`${formatPercent(r.cv)} %`));
  return (
    `<td>${esc(r.label)}</td>${num(formatValue(r.mapped, r.unit))}${estimate}` +
    (r.sampleSize === null ? na : num(grouped(r.sampleSize, 0))) +
    `<td>${r.method === null ? '' : esc(METHODS[r.method]?.short ?? r.method)}</td>` +
    `<td>${esc(r.grade)}</td>` +
    `<td class="status">${r.status === '' ? '' : `<abbr title="${esc(STATUS_TEXT[r.status] ?? r.status)}">${esc(r.status)}</abbr>`}</td>` +
    `<td class="flags">${codes}</td>`
  );
}

/** The total of every indicator and class over all regions (tableTotals), graded like the regions' rows. */
function totalRows(statistics: ReportInput['statistics'], regions: number, cells: (r: RowCells) => string): string {
  const { totals, rows } = statistics;
  if (totals.length === 0) return '';
  // Region area and classified share of all regions: each region counted once.
  const seen = new Map<string, StatisticsRow>();
  for (const r of rows) if (!seen.has(r.region)) seen.set(r.region, r);
  const area = [...seen.values()].reduce((a, r) => a + r.region_area_ha, 0);
  const valid = [...seen.values()].reduce((a, r) => a + r.valid_share * r.region_area_ha, 0);
  const head =
    `<th scope="rowgroup" class="region" rowspan="${totals.length}"><strong>Total</strong><span class="meta">all ${grouped(regions, 0)} regions</span>` +
    `<span class="meta">${formatHa(area)} ha · valid ${formatShare(area > 0 ? valid / area : 0)}</span></th>`;
  const out = ['<tbody class="total">'];
  totals.forEach((t, i) => {
    const e = t.estimate;
    const row = cells({
      label: t.indicator === 'area' ? t.class_name : `${t.class_name} count`,
      unit: t.unit,
      mapped: t.mapped,
      estimate: e?.estimate ?? null,
      lower: e?.lower ?? null,
      upper: e?.upper ?? null,
      cv: e && e.se !== null && e.estimate !== 0 ? e.se / e.estimate : null,
      sampleSize: t.sample_size,
      method: null,
      grade: t.grade,
      status: t.obs_status,
      flags: t.flags,
      // A total without any estimate says why instead of leaving empty cells.
      note: !e && t.obs_status === '' ? t.why : null,
    });
    out.push(`<tr class="status-${t.obs_status || 'none'}">${i === 0 ? head : ''}${row}</tr>`);
  });
  out.push('</tbody>');
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

/** Hectares: one decimal, two below 1 ha (a small class in a small region is still worth reading), 0 as 0. */
function formatHa(v: number | null): string {
  if (!isNum(v)) return '–';
  if (v === 0) return '0';
  return grouped(v, Math.abs(v) < 1 ? 2 : 1);
}

/** A value in its unit: hectares as formatHa, counts whole when whole, else with one decimal. */
function formatValue(v: number, unit: StatisticsRow['unit']): string {
  if (unit === 'ha') return formatHa(v);
  return grouped(v, Number.isInteger(v) ? 0 : 1);
}

/** A fraction as a percentage number: one decimal, two significant digits below 1 %, 0 and 100 whole. */
function formatPercent(fraction: number): string {
  const p = 100 * fraction;
  if (p === 0 || p === 100) return String(p);
  if (Math.abs(p) < 1) return String(Number(p.toPrecision(2)));
  return p.toFixed(1);
}

function formatShare(fraction: number): string {
  return `${formatPercent(fraction)} %`;
}

function pct(fraction: number): string {
  return `${(100 * fraction).toFixed(1)} %`;
}

function pctRange(e: IntervalEstimate): string {
  return e.lower === null || e.upper === null ? 'not estimable' : `${(100 * e.lower).toFixed(1)} – ${(100 * e.upper).toFixed(1)} %`;
}

function haRange(e: IntervalEstimate): string {
  return e.lower === null || e.upper === null ? '–' : `${formatHa(e.lower)} – ${formatHa(e.upper)}`;
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

import type { StatisticsRow } from './api.js';
import { formatNumber, h, option } from './dom.js';

interface Column {
  key: keyof StatisticsRow;
  label: string;
  numeric?: boolean;
  format?: (row: StatisticsRow) => string;
}

const COLUMNS: Column[] = [
  { key: 'region', label: 'Region' },
  { key: 'indicator', label: 'Indicator' },
  { key: 'class_name', label: 'Class' },
  { key: 'mapped', label: 'Mapped', numeric: true, format: (r) => `${formatNumber(r.mapped, r.unit === 'count' ? 0 : 2)} ${r.unit}` },
  { key: 'estimate', label: 'Estimate', numeric: true, format: (r) => (r.estimate === null ? 'not published' : `${formatNumber(r.estimate, r.unit === 'count' ? 0 : 2)} ${r.unit}`) },
  { key: 'ci_lower', label: 'Confidence interval', numeric: true, format: (r) => (r.ci_lower === null ? '–' : `${formatNumber(r.ci_lower)} – ${formatNumber(r.ci_upper)}`) },
  { key: 'cv', label: 'CV', numeric: true, format: (r) => (r.cv === null ? '–' : `${formatNumber(100 * r.cv, 1)} %`) },
  { key: 'sample_size', label: 'Sample', numeric: true, format: (r) => formatNumber(r.sample_size, 0) },
  { key: 'grade', label: 'Grade' },
  { key: 'obs_status', label: 'Status' },
  { key: 'flags', label: 'Notes' },
];

/** The statistics, sortable by any column (header buttons) and filtered by text, class and status. */
export function statisticsTable(rows: StatisticsRow[]): HTMLElement {
  let sortKey: keyof StatisticsRow = 'region';
  let ascending = true;
  const filter = h('input', { id: 'table-filter', type: 'search', placeholder: 'region, class, grade…' });
  const classFilter = h('select', { id: 'table-class' }, option('', 'all classes'), ...[...new Set(rows.map((r) => r.class_name))].map((c) => option(c)));
  const statusFilter = h('select', { id: 'table-status' }, option('', 'all'), option('E', 'E: estimated'), option('U', 'U: unreliable'), option('Q', 'Q: suppressed'));
  const count = h('p', { role: 'status', id: 'table-count' });
  const head = h('tr');
  const body = h('tbody');
  const table = h('table', { class: 'data statistics', id: 'statistics-table' }, h('caption', {}, 'Statistics per region and class (error-adjusted estimates with their confidence intervals)'), h('thead', {}, head), body);

  const draw = () => {
    head.replaceChildren(
      ...COLUMNS.map((c) =>
        h(
          'th',
          { scope: 'col', 'aria-sort': c.key === sortKey ? (ascending ? 'ascending' : 'descending') : 'none', class: c.numeric ? 'num' : '' },
          h('button', { type: 'button', class: 'sort', 'data-key': c.key, onclick: () => ((ascending = c.key === sortKey ? !ascending : true), (sortKey = c.key), draw()) }, c.label, c.key === sortKey ? (ascending ? ' ▲' : ' ▼') : ''),
        ),
      ),
    );
    const text = filter.value.trim().toLowerCase();
    const shown = rows
      .filter((r) => (!classFilter.value || r.class_name === classFilter.value) && (!statusFilter.value || r.obs_status === statusFilter.value))
      .filter((r) => !text || [r.region, r.class_name, r.indicator, r.grade, r.obs_status, r.flags].some((v) => String(v).toLowerCase().includes(text)))
      .sort((a, b) => {
        const x = a[sortKey];
        const y = b[sortKey];
        const order = x === null ? 1 : y === null ? -1 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
        return ascending ? order : -order;
      });
    body.replaceChildren(...shown.map((r) => h('tr', { class: `status-${r.obs_status}` }, ...COLUMNS.map((c) => h('td', { class: c.numeric ? 'num' : c.key === 'flags' ? 'flags' : '' }, c.format ? c.format(r) : String(r[c.key] ?? ''))))));
    count.textContent = `${shown.length} of ${rows.length} rows`;
  };
  for (const control of [filter, classFilter, statusFilter]) control.addEventListener('input', draw);
  draw();
  return h(
    'div',
    {},
    h('div', { class: 'filters' }, h('label', { for: 'table-filter' }, 'Filter'), filter, h('label', { for: 'table-class' }, 'Class'), classFilter, h('label', { for: 'table-status' }, 'Status'), statusFilter, count),
    h('div', { class: 'table-scroll' }, table),
    h('p', { class: 'hint' }, 'Status E: estimated; U: unreliable (thin input: low valid share, clouds or a small sample); Q: suppressed (the grade is too low to publish). Grades come from the coefficient of variation (CV).'),
  );
}

import { api, download, type Schedule, type SeriesPoint } from './api.js';
import { formatNumber, h, option } from './dom.js';
import { seriesChart } from './series-chart.js';

const describe = (s: Schedule) => (s.cron ? `cron ${s.cron} (UTC)` : `every ${formatNumber(s.every! / 3_600_000, s.every! % 3_600_000 ? 2 : 0)} h`);

/** Your schedules: list, delete, and (for one) the time series of its runs per region and class, with the interval band. */
export async function schedulesPage(view: HTMLElement, selected?: string): Promise<void> {
  const schedules = await api<Schedule[]>('/schedules');
  const body = h('tbody');
  const draw = () =>
    body.replaceChildren(
      ...schedules.map((s) =>
        h(
          'tr',
          { 'aria-current': s.id === selected ? 'true' : null },
          h('td', {}, h('a', { href: `#/schedules/${s.id}` }, s.spec.name ?? s.id), h('br'), h('small', {}, s.id)),
          h('td', {}, describe(s)),
          h('td', {}, new Date(s.created).toLocaleString()),
          h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete schedule ${s.spec.name ?? s.id}`, onclick: () => void remove(s) }, 'Delete')),
        ),
      ),
      ...(schedules.length ? [] : [h('tr', {}, h('td', { colspan: 4 }, 'No schedules yet.'))]),
    );
  const remove = async (s: Schedule) => {
    if (!confirm(`Delete the schedule ${s.spec.name ?? s.id}? Its finished runs stay.`)) return;
    await api(`/schedules/${s.id}`, { method: 'DELETE' });
    schedules.splice(schedules.indexOf(s), 1);
    if (s.id === selected) location.hash = '#/schedules';
    else draw();
  };
  draw();
  view.append(
    h('div', { class: 'heading' }, h('h1', {}, 'Schedules'), h('a', { class: 'button', href: '#/new/schedule' }, 'New schedule')),
    h('table', { class: 'data' }, h('caption', {}, 'Recurring jobs'), h('thead', {}, h('tr', {}, ...['Schedule', 'Runs', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))), body),
  );
  const schedule = schedules.find((s) => s.id === selected);
  if (schedule) view.append(await seriesSection(schedule));
}

async function seriesSection(schedule: Schedule): Promise<HTMLElement> {
  const points = await api<SeriesPoint[]>(`/schedules/${schedule.id}/series`);
  const section = h('section', { 'aria-labelledby': 'series-title' }, h('h2', { id: 'series-title' }, `Time series: ${schedule.spec.name ?? schedule.id}`));
  const runs = new Set(points.map((p) => p.job)).size;
  section.append(h('p', {}, `${runs} finished run(s). `, h('a', { href: '#/jobs' }, 'All runs are among your jobs.')));
  if (points.length === 0) return section;
  const distinct = (key: 'region' | 'indicator' | 'class_name') => [...new Set(points.map((p) => p[key]))];
  const region = h('select', { id: 'series-region' }, ...distinct('region').map((r) => option(r)));
  const indicator = h('select', { id: 'series-indicator' }, ...distinct('indicator').map((r) => option(r)));
  const cls = h('select', { id: 'series-class' }, ...distinct('class_name').map((r) => option(r)));
  const holder = h('div', { class: 'chart-holder' });
  const draw = () => {
    const chosen = points.filter((p) => p.region === region.value && p.indicator === indicator.value && p.class_name === cls.value);
    holder.replaceChildren(chosen.length ? seriesChart(chosen, `${cls.value} in ${region.value} (${indicator.value}): estimate with its confidence interval, per run`) : h('p', {}, 'No figures for this choice.'));
  };
  for (const s of [region, indicator, cls]) s.addEventListener('change', draw);
  draw();
  const query = () => `region=${encodeURIComponent(region.value)}&indicator=${encodeURIComponent(indicator.value)}&class=${encodeURIComponent(cls.value)}`;
  section.append(
    h('div', { class: 'filters' }, h('label', { for: 'series-region' }, 'Region'), region, h('label', { for: 'series-indicator' }, 'Indicator'), indicator, h('label', { for: 'series-class' }, 'Class'), cls),
    holder,
    h(
      'p',
      {},
      'Download this series: ',
      h('button', { type: 'button', class: 'link', onclick: () => void download(`/schedules/${schedule.id}/series?${query()}&format=csv`, `${schedule.id}-series.csv`) }, 'CSV'),
      ' · ',
      h('button', { type: 'button', class: 'link', onclick: () => void download(`/schedules/${schedule.id}/series?${query()}&format=sdmx`, `${schedule.id}-series-sdmx.csv`) }, 'SDMX-CSV'),
    ),
  );
  return section;
}

import { api, ApiError, download, type JobStatus, type StatisticsRow } from './api.js';
import { h } from './dom.js';
import { stateBadge } from './jobs-list.js';
import { ResultMap } from './result-map.js';
import { statisticsTable } from './stats-table.js';

const POLL_MS = 1000;

const RESULT_LABELS: Record<string, string> = {
  'statistics.csv': 'Statistics (CSV)',
  'statistics.json': 'Statistics (JSON)',
  'regions.geojson': 'Regions with statistics (GeoJSON)',
  'sdmx.csv': 'SDMX-CSV 2.0',
  'assessment.json': 'Accuracy assessment (JSON)',
  'classes.tif': 'Class map (COG)',
  'confidence.tif': 'Confidence (COG)',
  'status.tif': 'Pixel status (COG)',
  'quicklook.png': 'Quicklook (PNG)',
  'true-colour.png': 'True colour (PNG)',
  'report.html': 'Report (HTML)',
  'stac-item.json': 'STAC Item',
  'manifest.json': 'Provenance manifest',
};

/** Why a job failed, in words, with the service's own reason. */
function failureText(status: JobStatus): string {
  if (status.state === 'cancelled') return 'This job was cancelled; nothing more will run.';
  const failed = status.stages.find((s) => s.failed > 0);
  return `This job failed${failed ? ` at the ${failed.stage} stage` : ''}: ${status.error ?? 'no reason was recorded'}.`;
}

/**
 * A job: its state and per-stage progress, refreshed every second while it runs; cancel; the reason of a failure;
 * once complete, the map, the statistics table and every result file.
 */
export async function jobPage(view: HTMLElement, id: string): Promise<() => void> {
  let timer = 0;
  let left = false;
  let resultMap: ResultMap | null = null;
  const title = h('h1', {}, id);
  const state = h('p', { id: 'job-state', role: 'status', 'aria-live': 'polite' });
  const stages = h('tbody');
  const problem = h('div', { class: 'alert', role: 'alert', id: 'job-error', hidden: true });
  const actions = h('div', { class: 'actions' });
  const results = h('section', { id: 'results', 'aria-labelledby': 'results-title', hidden: true });
  view.append(
    title,
    state,
    problem,
    h('table', { class: 'data stages' }, h('caption', {}, 'Progress by stage'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'Done'), h('th', { scope: 'col' }, 'Failed'))), stages),
    actions,
    results,
  );

  const showResults = async (status: JobStatus) => {
    results.hidden = false;
    const mapHolder = h('div');
    const tableHolder = h('div');
    results.append(
      h('h2', { id: 'results-title' }, 'Results'),
      mapHolder,
      h('h2', {}, 'Statistics'),
      tableHolder,
      h('h2', {}, 'Downloads'),
      h('ul', { class: 'downloads' }, ...status.results.map((name) => h('li', {}, h('button', { type: 'button', class: 'link', 'data-result': name, onclick: () => void download(`/jobs/${id}/results/${name}`, `${id}-${name}`) }, RESULT_LABELS[name] ?? name), ` ${name}`))),
    );
    const rows = await api<StatisticsRow[]>(`/jobs/${id}/results/statistics.json`);
    tableHolder.append(statisticsTable(rows));
    resultMap = await ResultMap.create(mapHolder, id, status.results);
  };

  const refresh = async () => {
    const status = await api<JobStatus>(`/jobs/${id}`);
    title.textContent = status.name;
    state.replaceChildren(stateBadge(status.state), ` ${Math.round(status.progress * 100)} % · submitted ${new Date(status.submitted).toLocaleString()} · `, h('small', {}, status.id));
    state.dataset.state = status.state;
    stages.replaceChildren(
      ...status.stages.map((s) =>
        h('tr', {}, h('th', { scope: 'row' }, s.stage), h('td', {}, h('progress', { max: s.total || 1, value: s.done, 'aria-label': `${s.stage}: ${s.done} of ${s.total}` }), ` ${s.done} / ${s.total}`), h('td', {}, s.failed ? String(s.failed) : '')),
      ),
    );
    problem.hidden = status.state !== 'failed' && status.state !== 'cancelled';
    problem.textContent = problem.hidden ? '' : failureText(status);
    const running = status.state === 'queued' || status.state === 'running';
    actions.replaceChildren(
      running
        ? h('button', { type: 'button', id: 'cancel', onclick: () => void cancel() }, 'Cancel job')
        : h('button', { type: 'button', id: 'purge', class: 'secondary', onclick: () => void purge() }, 'Delete job and results'),
    );
    if (running && !left) timer = window.setTimeout(() => void refresh().catch(showError), POLL_MS);
    else if (status.state === 'completed' && results.hidden) await showResults(status);
  };
  const showError = (err: Error) => {
    problem.hidden = false;
    problem.textContent = err.message;
  };
  const cancel = async () => {
    if (!confirm('Cancel this job? Stages already running finish; nothing further runs.')) return;
    clearTimeout(timer);
    await api(`/jobs/${id}`, { method: 'DELETE' }).catch(showError);
    await refresh().catch(showError);
  };
  const purge = async () => {
    if (!confirm('Delete this job and all its results? This cannot be undone.')) return;
    try {
      await api(`/jobs/${id}?purge=true`, { method: 'DELETE' });
      location.hash = '#/jobs';
    } catch (err) {
      showError(err as ApiError);
    }
  };

  await refresh();
  return () => {
    left = true;
    clearTimeout(timer);
    resultMap?.dispose();
  };
}

import { api, type JobStatus } from './api.js';
import { h } from './dom.js';

const POLL_MS = 2000;

export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `badge state-${state}` }, state);
}

/** Your jobs, newest first; refreshed while any is queued or running. */
export async function jobsList(view: HTMLElement): Promise<() => void> {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'data' },
    h('caption', {}, 'Your jobs, newest first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Progress'), h('th', { scope: 'col' }, 'Submitted'), h('th', { scope: 'col' }, 'Schedule'))),
    body,
  );
  view.append(h('div', { class: 'heading' }, h('h1', {}, 'Jobs'), h('a', { class: 'button', href: '#/new' }, 'New job')), table);
  let timer = 0;
  let left = false;
  const refresh = async () => {
    const jobs = await api<JobStatus[]>('/jobs?limit=200');
    body.replaceChildren(
      ...jobs.map((j) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/jobs/${j.id}` }, j.name), h('br'), h('small', {}, j.id)),
          h('td', {}, stateBadge(j.state)),
          h('td', {}, h('progress', { max: 1, value: j.progress, 'aria-label': `${j.name} progress` }), ` ${Math.round(j.progress * 100)} %`),
          h('td', {}, new Date(j.submitted).toLocaleString()),
          h('td', {}, j.scheduleId ? h('a', { href: `#/schedules/${j.scheduleId}` }, j.scheduleId) : '–'),
        ),
      ),
    );
    if (jobs.length === 0) body.append(h('tr', {}, h('td', { colspan: 5 }, 'No jobs yet. ', h('a', { href: '#/new' }, 'Submit one'), '.')));
    if (!left && jobs.some((j) => j.state === 'queued' || j.state === 'running')) timer = window.setTimeout(() => void refresh().catch(() => {}), POLL_MS);
  };
  await refresh();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}

import { setUnauthorisedHandler, token, tokenWorks } from './api.js';
import { field, h } from './dom.js';
import { jobForm } from './job-form.js';
import { jobPage } from './job-page.js';
import { jobsList } from './jobs-list.js';
import { schedulesPage } from './schedules.js';
import { settingsPage } from './settings.js';

/** A page: draws itself into `view` and returns what stops it (timers, maps) when the user leaves. */
export type Page = (view: HTMLElement, ...params: string[]) => Promise<(() => void) | void>;

const routes: [RegExp, Page][] = [
  [/^#\/new$/, (view) => jobForm(view)],
  [/^#\/new\/schedule$/, (view) => jobForm(view, 'schedule')],
  [/^#\/jobs$/, jobsList],
  [/^#\/jobs\/([\w.-]+)$/, jobPage],
  [/^#\/schedules$/, schedulesPage],
  [/^#\/schedules\/([\w.-]+)$/, schedulesPage],
  [/^#\/settings$/, settingsPage],
];

const view = document.getElementById('view')!;
const nav = document.getElementById('nav')!;
let leave: (() => void) | void;

async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  view.replaceChildren();
  if (!token.get()) return signIn();
  nav.hidden = false;
  const hash = location.hash || '#/jobs';
  for (const link of nav.querySelectorAll('a')) link.toggleAttribute('aria-current', hash.startsWith(link.getAttribute('href')!));
  const match = routes.map(([pattern, page]) => [pattern.exec(hash), page] as const).find(([m]) => m);
  if (!match) {
    view.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/jobs' }, 'Your jobs')));
    return;
  }
  const [m, page] = match;
  try {
    leave = await page(view, ...m!.slice(1));
  } catch (err) {
    view.append(h('p', { class: 'alert', role: 'alert' }, (err as Error).message));
  }
}

/** The sign-in page: the token is checked against the API, then kept in sessionStorage for this tab's session. */
function signIn(): void {
  nav.hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'card narrow' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste the API token your administrator gave you. It is kept only for this browser tab and sent with every request, never in an address.'),
    field('API token', input),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = form.querySelector<HTMLElement>('.error')!;
    if (await tokenWorks(input.value)) {
      token.set(input.value);
      void route();
    } else {
      error.textContent = 'This token is not accepted by the service.';
      error.hidden = false;
      input.focus();
    }
  });
  view.append(form);
  input.focus();
}

setUnauthorisedHandler(() => {
  token.clear();
  void route();
});
document.getElementById('sign-out')!.addEventListener('click', () => {
  token.clear();
  location.hash = '';
  void route();
});
window.addEventListener('hashchange', () => {
  // The new page's content gets the focus, unless the page put it somewhere itself (a form's first field).
  void route().then(() => view.contains(document.activeElement) || view.focus({ preventScroll: true }));
});
void route();

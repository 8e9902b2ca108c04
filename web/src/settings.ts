import { field, h } from './dom.js';

const BASEMAP_KEY = 'satstat.basemap';

/** The optional XYZ basemap (none by default: the service may run without internet). Not a secret: kept across sessions. */
export const basemap = {
  get: (): string => localStorage.getItem(BASEMAP_KEY) ?? '',
  set: (url: string) => (url ? localStorage.setItem(BASEMAP_KEY, url) : localStorage.removeItem(BASEMAP_KEY)),
};

export async function settingsPage(view: HTMLElement): Promise<void> {
  const input = h('input', { id: 'basemap', type: 'url', value: basemap.get(), placeholder: 'https://tiles.example.org/{z}/{x}/{y}.png', size: 60 });
  const saved = h('p', { role: 'status' });
  const form = h(
    'form',
    { class: 'card' },
    h('h1', {}, 'Settings'),
    field('Basemap (XYZ tile URL)', input, { hint: 'Empty: no basemap, nothing is loaded from the internet. With {z}, {x} and {y}, e.g. an OpenStreetMap tile server your organisation allows.' }),
    h('button', { type: 'submit' }, 'Save'),
    saved,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    basemap.set(input.value.trim());
    saved.textContent = input.value.trim() ? 'Saved: maps show this basemap.' : 'Saved: no basemap.';
  });
  view.append(form);
}

/** A tiny element builder: h('button', { type: 'button', onclick }, 'Cancel'). Text children are text nodes, never HTML. */
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: never) => void)>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value as EventListener);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
}

/** An SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (SVGElement | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  el.append(...children);
  return el;
}

/** A labelled form field: the label, the control, a hint and a slot for the API's error about it. */
export function field(label: string, control: HTMLElement, options: { hint?: string; errorFor?: string } = {}): HTMLElement {
  const id = control.id;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  control.setAttribute('aria-describedby', [options.hint ? hintId : '', errorId].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    options.hint ? h('p', { class: 'hint', id: hintId }, options.hint) : null,
    h('p', { class: 'error', id: errorId, 'data-error-for': options.errorFor ?? id, role: 'alert', hidden: true }),
  );
}

export function option(value: string, text = value, selected = false): HTMLOptionElement {
  const o = h('option', { value }, text);
  o.selected = selected;
  return o;
}

/** Numbers as people read them: a fixed number of decimals, thousands grouped. */
export function formatNumber(value: unknown, decimals = 2): string {
  if (value === null || value === undefined || value === '') return '–';
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }) : String(value);
}

import { SatError } from '../core/errors.js';
import { itemsOfCollection } from './items-of-collection.js';
import { parseStac } from './parse-stac.js';
import { readStacJson, type StacReadOptions, type StacRequest } from './read-stac-json.js';
import { resolveHref } from './resolve-href.js';
import { ItemCollectionSchema, type LocatedItem } from './stac-schema.js';

export interface PageOptions extends StacReadOptions {
  /** Most pages read: a catalogue whose `next` links never end must not keep us reading. */
  maxPages: number;
}

/**
 * Reads an ItemCollection and the pages after it through `rel: next` links (STAC API paging: a GET link, or a POST
 * link carrying a `body`, merged into the previous body when `merge` is true), handing each page's Items to `onPage`
 * until it says stop. Returns whether a further page was left unread.
 */
export async function followPages(
  first: { url: string; request: StacRequest; value?: unknown },
  options: PageOptions,
  onPage: (items: LocatedItem[]) => boolean,
): Promise<{ pages: number; more: boolean }> {
  let url = first.url;
  let request = first.request;
  let prefetched = first.value;
  const asked = new Set<string>();
  for (let pages = 1; ; pages++) {
    asked.add(`${request.method} ${url} ${JSON.stringify(request.body ?? null)}`);
    const { value, location } = prefetched !== undefined ? { value: prefetched, location: url } : await readStacJson(url, options, request);
    prefetched = undefined;
    const page = parseStac(ItemCollectionSchema, value, 'ItemCollection (search page)', location);
    const wantMore = onPage(itemsOfCollection(page, location));
    const next = page.links?.find((l) => l.rel === 'next');
    if (!next) return { pages, more: false };
    if (!wantMore) return { pages, more: true };
    if (pages >= options.maxPages) {
      throw new SatError('E_LIMIT', `${first.url}: still more pages after ${options.maxPages}; narrow the search (bbox, datetime, collections) or raise the item cap`);
    }
    const post = (next.method ?? 'GET').toUpperCase() === 'POST';
    const body = post ? (next.merge ? { ...(request.body as object | undefined), ...next.body } : (next.body ?? request.body)) : undefined;
    url = resolveHref(next.href, location);
    request = post ? { method: 'POST', body } : { method: 'GET' };
    // A next link back to a page already read would loop for ever (a broken token): stop and say so.
    if (asked.has(`${request.method} ${url} ${JSON.stringify(request.body ?? null)}`)) {
      throw new SatError('E_FORMAT', `${first.url}: page ${pages}'s next link asks for a page already read; the catalogue's paging is broken`);
    }
  }
}

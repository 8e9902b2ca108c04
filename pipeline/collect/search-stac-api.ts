import { followPages, type PageOptions } from './follow-pages.js';
import type { ApiCapabilities } from './api-capabilities.js';
import type { ItemSink } from './item-sink.js';
import type { SearchQuery } from './search-query.js';
import type { StacRequest } from './read-stac-json.js';

/**
 * Item search on a STAC API (`/search`): the query as the API's parameters (POST body, or GET parameters when the
 * API offers only GET), the cloud limit as CQL2 or Query-extension filter when the API declares one, every page
 * through `next` links into `sink`, which re-checks each Item and stops at its cap. Returns whether pages were left.
 */
export async function searchStacApi(api: ApiCapabilities, query: SearchQuery, sink: ItemSink, options: PageOptions & { pageSize: number }): Promise<{ more: boolean; pages: number }> {
  const body: Record<string, unknown> = { limit: options.pageSize };
  // STAC API forbids bbox together with intersects: the AOI is the finer of the two (the client checks both).
  if (query.intersects) body.intersects = query.intersects;
  else if (query.bbox) body.bbox = query.bbox;
  if (query.datetime) body.datetime = `${query.datetime.start ?? '..'}/${query.datetime.end ?? '..'}`;
  if (query.collections) body.collections = query.collections;
  if (query.maxCloud !== undefined && api.cloudFilter === 'cql2-json') {
    body['filter-lang'] = 'cql2-json';
    body.filter = { op: '<', args: [{ property: 'eo:cloud_cover' }, query.maxCloud] };
  } else if (query.maxCloud !== undefined && api.cloudFilter === 'query') {
    body.query = { 'eo:cloud_cover': { lt: query.maxCloud } };
  }
  let first: { url: string; request: StacRequest };
  if (api.method === 'POST') first = { url: api.searchUrl, request: { method: 'POST', body } };
  else {
    const url = new URL(api.searchUrl);
    for (const [key, value] of Object.entries(body)) {
      url.searchParams.set(key, Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
    // GET carries the CQL2 filter as JSON too, which servers accept only with filter-lang=cql2-json (set above).
    first = { url: url.href, request: { method: 'GET' } };
  }
  return followPages(first, options, (items) => sink.addPage(items));
}

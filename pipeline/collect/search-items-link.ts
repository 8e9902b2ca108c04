import { followPages, type PageOptions } from './follow-pages.js';
import type { ItemSink } from './item-sink.js';
import type { SearchQuery } from './search-query.js';

/**
 * The Items of an API Collection read through its `items` link (OGC API - Features, which STAC APIs also serve): the
 * parameters that endpoint defines (bbox, datetime, limit) go in the URL, pages follow `next` links, and the sink
 * re-checks everything else (AOI, cloud cover) on the client. Returns whether pages were left.
 */
export async function searchItemsLink(itemsUrl: string, query: SearchQuery, sink: ItemSink, options: PageOptions & { pageSize: number }): Promise<{ more: boolean; pages: number }> {
  const url = new URL(itemsUrl);
  url.searchParams.set('limit', String(options.pageSize));
  if (query.bbox) url.searchParams.set('bbox', query.bbox.join(','));
  if (query.datetime) url.searchParams.set('datetime', `${query.datetime.start ?? '..'}/${query.datetime.end ?? '..'}`);
  return followPages({ url: url.href, request: { method: 'GET' } }, options, (items) => sink.addPage(items));
}

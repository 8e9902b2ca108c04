import { SatError } from '../core/errors.js';
import { apiCapabilities, type ApiCapabilities } from './api-capabilities.js';
import { followPages } from './follow-pages.js';
import { createItemSink } from './item-sink.js';
import { parseStac } from './parse-stac.js';
import { readStacJson, type StacReadOptions } from './read-stac-json.js';
import { resolveHref } from './resolve-href.js';
import { searchItemsLink } from './search-items-link.js';
import { searchStacApi } from './search-stac-api.js';
import { describeQuery, type SearchQuery } from './search-query.js';
import { CatalogSchema, StacItemSchema, type LocatedItem } from './stac-schema.js';
import { walkStaticCatalog } from './walk-static-catalog.js';

export interface CollectOptions extends StacReadOptions {
  /** Most Items returned; reading stops once this many match. */
  maxItems: number;
  /** Items asked for per API page. */
  pageSize?: number;
  maxPages?: number;
  /** Static catalogues: deepest child nesting, most documents, documents read at once. */
  maxDepth?: number;
  maxDocuments?: number;
  concurrency?: number;
}

export interface CollectedItems {
  source: string;
  kind: 'item' | 'item-collection' | 'catalog' | 'api' | 'api-collection';
  /** Matching Items, each once, by datetime then id (the order is the source's no longer: reruns must agree). */
  items: LocatedItem[];
  /** The cap stopped the reading: more Items may match. */
  truncated: boolean;
  /** For an API: how it was searched. */
  api?: Pick<ApiCapabilities, 'searchUrl' | 'method' | 'cloudFilter'> & { pages: number };
}

/**
 * The Items of a STAC source that match a query: an Item or ItemCollection (file or URL; an ItemCollection's `next`
 * pages followed), a static Catalog/Collection (links walked), or a STAC API landing page (item search). The kind is
 * told by the document itself; an API's Collection is read through its `items` link. No matching Item is an error
 * naming the source and the query.
 */
export async function collectItems(source: string, query: SearchQuery, options: CollectOptions): Promise<CollectedItems> {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 100, options.maxItems));
  const pageOptions = { ...options, maxPages: options.maxPages ?? Math.max(100, Math.ceil((options.maxItems * 10) / pageSize)) };
  const sink = createItemSink(query, options.maxItems);
  const { value, location } = await readStacJson(source, options);
  const type = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
  let result: Omit<CollectedItems, 'items' | 'truncated' | 'source'> & { more: boolean };
  if (type === 'Feature') {
    sink.add({ item: parseStac(StacItemSchema, value, 'Item', location), location });
    result = { kind: 'item', more: false };
  } else if (type === 'FeatureCollection') {
    const paged = await followPages({ url: location, request: { method: 'GET' }, value }, pageOptions, (items) => sink.addPage(items));
    result = { kind: 'item-collection', more: paged.more };
  } else if (type === 'Catalog' || type === 'Collection') {
    const catalog = parseStac(CatalogSchema, value, 'Catalog or Collection', location);
    const api = await apiCapabilities(catalog, location, options);
    const itemsLink = catalog.links.find((l) => l.rel === 'items');
    const walkable = catalog.links.some((l) => l.rel === 'item' || l.rel === 'child');
    if (api) {
      const searched = await searchStacApi(api, query, sink, { ...pageOptions, pageSize });
      result = { kind: 'api', more: searched.more, api: { searchUrl: api.searchUrl, method: api.method, cloudFilter: api.cloudFilter, pages: searched.pages } };
    } else if (itemsLink && !walkable) {
      // A Collection of an API (no item/child links to walk): its items endpoint is the way to its Items.
      const searched = await searchItemsLink(resolveHref(itemsLink.href, location), query, sink, { ...pageOptions, pageSize });
      result = { kind: 'api-collection', more: searched.more };
    } else {
      const walked = await walkStaticCatalog(catalog, location, sink, {
        ...options,
        maxDepth: options.maxDepth ?? 8,
        maxDocuments: options.maxDocuments ?? 10_000,
        concurrency: options.concurrency ?? 8,
      });
      result = { kind: 'catalog', more: walked.more };
    }
  } else {
    const what = type === undefined ? 'no "type"' : `"type": ${JSON.stringify(type).slice(0, 40)}`;
    throw new SatError('E_FORMAT', `${source}: not a STAC document (${what}; expected an Item, ItemCollection, Catalog, Collection or STAC API landing page)`);
  }
  if (!sink.items.length) throw new SatError('E_NOT_FOUND', `${source}: no items found (${describeQuery(query)})`);
  const items = [...sink.items].sort((a, b) => itemTime(a) - itemTime(b) || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
  const { more, ...rest } = result;
  return { source, ...rest, items, truncated: sink.truncated || (sink.full && more) };
}

const itemTime = (l: LocatedItem) => Date.parse(l.item.properties.datetime ?? l.item.properties.start_datetime ?? '');

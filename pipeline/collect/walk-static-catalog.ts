import { SatError } from '../core/errors.js';
import type { ItemSink } from './item-sink.js';
import { parseStac } from './parse-stac.js';
import { readStacJson, type StacReadOptions } from './read-stac-json.js';
import { resolveHref } from './resolve-href.js';
import { CatalogSchema, StacItemSchema, type Catalog } from './stac-schema.js';

export interface WalkOptions extends StacReadOptions {
  /** Deepest `child` nesting followed below the root (catalogue → collection → year → month is 3). */
  maxDepth: number;
  /** Most documents read in all: a static catalogue has no search, so its size is what we would fetch. */
  maxDocuments: number;
  /** Documents read at once. */
  concurrency: number;
}

/**
 * The Items of a static Catalog or Collection: its `item` links and those of its `child` catalogues, level by level,
 * each document read once (catalogues may link one child twice or loop back), into `sink` until it is full. Deeper
 * nesting or more documents than allowed is an error naming the catalogue, not a silently partial answer.
 */
export async function walkStaticCatalog(root: Catalog, rootLocation: string, sink: ItemSink, options: WalkOptions): Promise<{ more: boolean; documents: number }> {
  const seen = new Set<string>([rootLocation]);
  let documents = 1;
  let level: Array<{ rel: 'item' | 'child'; url: string }> = [];
  const enqueue = (catalog: Catalog, location: string, depth: number, into: typeof level) => {
    for (const link of catalog.links) {
      if (link.rel !== 'item' && link.rel !== 'child') continue;
      const url = resolveHref(link.href, location);
      if (seen.has(url)) continue;
      if (link.rel === 'child' && depth + 1 > options.maxDepth) {
        throw new SatError('E_LIMIT', `${rootLocation}: the catalogue nests deeper than ${options.maxDepth} levels (at ${url})`);
      }
      seen.add(url);
      into.push({ rel: link.rel, url });
    }
  };
  enqueue(root, rootLocation, 0, level);
  for (let depth = 1; level.length; depth++) {
    const next: typeof level = [];
    // Items before children, so that a full sink stops before descending further.
    level.sort((a, b) => (a.rel === b.rel ? 0 : a.rel === 'item' ? -1 : 1));
    for (let i = 0; i < level.length; i += options.concurrency) {
      const batch = level.slice(i, i + options.concurrency);
      documents += batch.length;
      if (documents > options.maxDocuments) {
        throw new SatError('E_LIMIT', `${rootLocation}: the catalogue has more than ${options.maxDocuments} documents; search a STAC API or a smaller catalogue`);
      }
      const read = await Promise.all(batch.map((entry) => readStacJson(entry.url, options)));
      for (const [j, { value, location }] of read.entries()) {
        if (batch[j].rel === 'item') {
          sink.add({ item: parseStac(StacItemSchema, value, 'Item', location), location });
        } else {
          enqueue(parseStac(CatalogSchema, value, 'Catalog or Collection', location), location, depth, next);
        }
      }
      if (sink.full) return { more: i + options.concurrency < level.length || next.length > 0, documents };
    }
    level = next;
  }
  return { more: false, documents };
}

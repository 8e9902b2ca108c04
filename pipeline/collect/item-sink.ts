import { itemMatchesQuery } from './item-matches-query.js';
import type { SearchQuery } from './search-query.js';
import type { LocatedItem } from './stac-schema.js';

export interface ItemSink {
  /** Takes an Item if it matches and is new; false once the cap is reached (stop reading). */
  add(item: LocatedItem): boolean;
  /** Offers a page of Items (all of them, so that `truncated` learns of matches past the cap); false: stop paging. */
  addPage(items: LocatedItem[]): boolean;
  readonly items: LocatedItem[];
  /** More matching Items were offered than the cap allowed. */
  readonly truncated: boolean;
  /** The cap is reached: reading on can only find Items that would be dropped. */
  readonly full: boolean;
}

/**
 * Where every source's Items go: filtered by the query, each Item once (by collection and id: a page boundary
 * that shifts while paging, or two catalogue links to one Item, must not count a scene twice), at most `maxItems`.
 */
export function createItemSink(query: SearchQuery, maxItems: number): ItemSink {
  const items: LocatedItem[] = [];
  const seen = new Set<string>();
  let truncated = false;
  const sink: ItemSink = {
    items,
    get truncated() {
      return truncated;
    },
    get full() {
      return items.length >= maxItems;
    },
    add(located) {
      const key = `${located.item.collection ?? ''}\u0000${located.item.id}`;
      if (seen.has(key) || !itemMatchesQuery(located.item, query)) return items.length < maxItems;
      if (items.length >= maxItems) {
        truncated = true;
        return false;
      }
      seen.add(key);
      items.push(located);
      return items.length < maxItems;
    },
    addPage(page) {
      for (const item of page) sink.add(item);
      return !sink.full;
    },
  };
  return sink;
}

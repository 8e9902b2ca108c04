import { parseStac } from './parse-stac.js';
import { StacItemSchema, type ItemCollection, type LocatedItem } from './stac-schema.js';

/** The Items of an ItemCollection (a file, or one page of a search), each checked; a bad one is named by its index. */
export function itemsOfCollection(collection: ItemCollection, location: string): LocatedItem[] {
  return collection.features.map((feature, i) => ({
    item: parseStac(StacItemSchema, feature, 'Item', `${location} (features[${i}])`),
    location,
  }));
}

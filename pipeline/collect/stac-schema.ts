import { z } from 'zod';

/**
 * The parts of STAC documents the collection stage relies on, checked with zod. Objects are loose: catalogues add
 * extension fields freely (`s2:*`, `landsat:*`, `msft:*`), and those must survive into the provenance untouched.
 */

export const StacLinkSchema = z.looseObject({
  rel: z.string(),
  href: z.string().min(1),
  type: z.string().optional(),
  /** STAC API paging: a `next` link may ask for a POST with this body, merged into the previous one when `merge`. */
  method: z.string().optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  merge: z.boolean().optional(),
});

export const StacAssetSchema = z.looseObject({
  href: z.string().min(1),
  type: z.string().optional(),
  title: z.string().optional(),
  roles: z.array(z.string()).optional(),
});

export const StacItemSchema = z
  .looseObject({
    type: z.literal('Feature'),
    id: z.string().min(1),
    stac_version: z.string().optional(),
    collection: z.string().optional(),
    // Null geometry is allowed by STAC (then there is no bbox either); footprint checks then have nothing to test.
    geometry: z.looseObject({ type: z.string() }).nullable(),
    bbox: z.array(z.number()).optional(),
    properties: z.looseObject({
      datetime: z.string().nullable().optional(),
      start_datetime: z.string().optional(),
      end_datetime: z.string().optional(),
    }),
    assets: z.record(z.string(), StacAssetSchema),
    links: z.array(StacLinkSchema).optional(),
  })
  .superRefine((item, ctx) => {
    const p = item.properties;
    // STAC: datetime is required, null only with a start/end range.
    if (typeof p.datetime !== 'string' && !(p.start_datetime && p.end_datetime)) {
      ctx.addIssue({ code: 'custom', path: ['properties', 'datetime'], message: 'no datetime (nor start_datetime and end_datetime)' });
    }
    for (const key of ['datetime', 'start_datetime', 'end_datetime'] as const) {
      const v = p[key];
      if (typeof v === 'string' && !Number.isFinite(Date.parse(v))) ctx.addIssue({ code: 'custom', path: ['properties', key], message: `not a date-time (${JSON.stringify(v.slice(0, 40))})` });
    }
  });

export const ItemCollectionSchema = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(z.unknown()),
  links: z.array(StacLinkSchema).optional(),
  numberMatched: z.number().optional(),
});

export const CatalogSchema = z.looseObject({
  type: z.enum(['Catalog', 'Collection']),
  id: z.string().min(1),
  links: z.array(StacLinkSchema),
  conformsTo: z.array(z.string()).optional(),
});

export type StacLink = z.infer<typeof StacLinkSchema>;
export type StacAsset = z.infer<typeof StacAssetSchema>;
export type StacItem = z.infer<typeof StacItemSchema>;
export type ItemCollection = z.infer<typeof ItemCollectionSchema>;
export type Catalog = z.infer<typeof CatalogSchema>;

/** An Item with where it was read from: relative hrefs resolve against `location`. */
export interface LocatedItem {
  item: StacItem;
  /** The URL or absolute path of the document the Item came from. */
  location: string;
}

import { z } from 'zod';
import { SatError } from '../core/errors.js';
import { loadYamlDocument } from '../config/load-yaml.js';

const DataType = z.enum(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64', 'cint16', 'cint32', 'cfloat32', 'cfloat64', 'other']);

const BandEntrySchema = z
  .object({
    /** Asset keys that hold this band, tried in order (catalogues name them differently). */
    assets: z.array(z.string().min(1)).min(1),
    aliases: z.array(z.string().min(1)).optional(),
    nodata: z.number().nullable().optional(),
    dataType: DataType.optional(),
    scale: z.number().optional(),
    offset: z.number().optional(),
    gsd: z.number().positive().optional(),
    categorical: z.boolean().optional(),
  })
  .strict();

const CollectionTableSchema = z
  .object({
    collections: z.array(z.string().min(1)).min(1),
    boaAddOffset: z.object({ fromBaseline: z.string().regex(/^\d{2}\.\d{2}$/, 'a baseline such as "04.00"'), value: z.number() }).strict().optional(),
    bands: z.record(z.string(), BandEntrySchema),
  })
  .strict();

const CollectionTablesSchema = z.record(z.string(), CollectionTableSchema);

export type BandEntry = z.infer<typeof BandEntrySchema>;
export type CollectionTable = z.infer<typeof CollectionTableSchema> & { name: string };
/** Tables by STAC collection id. */
export type CollectionTables = ReadonlyMap<string, CollectionTable>;

/**
 * The per-collection band tables (config/stac/collections.yaml by default, or a file / object given), indexed by the
 * collection ids they apply to. A collection id claimed by two tables is a configuration error: which one applied
 * would depend on the file's order.
 */
export function loadCollectionTables(input: string | object = 'collections'): CollectionTables {
  const { value, origin } = loadYamlDocument(input, 'stac', 'STAC collection table', CollectionTablesSchema);
  const byCollection = new Map<string, CollectionTable>();
  for (const [name, table] of Object.entries(value)) {
    for (const id of table.collections) {
      const other = byCollection.get(id);
      if (other) throw new SatError('E_CONFIG', `STAC collection table ${origin}: collection ${id} is claimed by both ${other.name} and ${name}`);
      byCollection.set(id, { ...table, name });
    }
  }
  return byCollection;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { validate } from '../config/load-yaml.js';
import { SatError } from '../core/errors.js';

/**
 * A job: what `sat run JOB.yaml` (and, later, a queued job) computes. Paths are relative to the job file.
 * Unknown keys are errors, so a typo never silently drops an input.
 */
export const JobSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (it names output files)'),
    /** The scene to classify, and an auxiliary raster on its grid (cloud mask) if the model's recipe needs one. */
    imagery: z.string(),
    aux: z.string().optional(),
    /** Only the tiles this area of interest (one polygon, any CRS) touches. */
    aoi: z.string().optional(),
    /** A model package directory (from `sat train`). */
    model: z.string(),
    /** Official regions: GeoJSON with a unique id per feature. */
    regions: z
      .object({
        file: z.string(),
        idField: z.string(),
        method: z.enum(['exact', 'centroid', 'all-touched']).default('exact'),
      })
      .strict(),
    /** Reference data for accuracy and error-adjusted areas: a reference raster to sample, or a labelled sample. */
    reference: z
      .union([
        z.object({ raster: z.string(), sampleSize: z.number().int().positive(), minPerStratum: z.number().int().min(1).default(50), ignoreValue: z.number().optional() }).strict(),
        z.object({ sample: z.string(), referenceField: z.string().default('reference') }).strict(),
      ])
      .optional(),
    seed: z.number().int().default(1),
    /** Output directory; replaced only if it holds an earlier run of a job. */
    out: z.string(),
  })
  .strict();

export type JobSpec = z.infer<typeof JobSpecSchema>;

/** Reads and validates a job file; every path in it is resolved against the file's folder. */
export function readJobSpec(file: string): { spec: JobSpec; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SatError('E_NOT_FOUND', `cannot read the job ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (err) {
    throw new SatError('E_CONFIG', `job ${file}: not valid YAML (${(err as Error).message})`);
  }
  const spec = validate(JobSpecSchema, value, `invalid job ${file}`, 'E_CONFIG');
  const base = path.dirname(path.resolve(file));
  const at = (p: string) => path.resolve(base, p);
  return {
    text,
    spec: {
      ...spec,
      imagery: /^https?:\/\//i.test(spec.imagery) ? spec.imagery : at(spec.imagery),
      aux: spec.aux && at(spec.aux),
      aoi: spec.aoi && at(spec.aoi),
      model: at(spec.model),
      regions: { ...spec.regions, file: at(spec.regions.file) },
      reference: spec.reference && ('raster' in spec.reference ? { ...spec.reference, raster: at(spec.reference.raster) } : { ...spec.reference, sample: at(spec.reference.sample) }),
      out: at(spec.out),
    },
  };
}

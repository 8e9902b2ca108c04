import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { validate } from '../config/load-yaml.js';
import { DEFAULT_QUALITY_RULES } from '../assess/quality-grade.js';
import { INTERVAL_METHODS, type IntervalMethod } from '../assess/estimate-areas.js';
import { SatError } from '../core/errors.js';
import { readInputText } from '../core/read-input.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

/** Quality rules (quality-grade.ts); any left out keep their defaults. */
const QualitySchema = z
  .object({
    cvBands: z.array(z.object({ grade: z.string().min(1), maxCv: z.number().positive() }).strict()).min(1).default(DEFAULT_QUALITY_RULES.cvBands),
    worstGrade: z.string().min(1).default(DEFAULT_QUALITY_RULES.worstGrade),
    minValidShare: z.number().min(0).max(1).default(DEFAULT_QUALITY_RULES.minValidShare),
    maxCloudShare: z.number().min(0).max(1).default(DEFAULT_QUALITY_RULES.maxCloudShare),
    minSampleSize: z.number().int().min(0).default(DEFAULT_QUALITY_RULES.minSampleSize),
    /** Sample points of a class (at least one an error) needed for the best grade. */
    bestGradeMinPoints: z.number().int().min(0).default(DEFAULT_QUALITY_RULES.bestGradeMinPoints),
    /** Grades whose estimates are not published. */
    suppress: z.array(z.string()).default(DEFAULT_QUALITY_RULES.suppress),
  })
  .strict()
  .refine((q) => q.cvBands.every((b, i) => i === 0 || b.maxCv > q.cvBands[i - 1].maxCv), 'cvBands must go from the best grade (smallest CV) to the worst');

const SdmxSchema = z
  .object({
    agency: z.string().default('SATSTAT'),
    id: z.string().default('DF_LAND_COVER'),
    version: z.string().default('1.0.0'),
    freq: z.string().default('A'),
    dimensions: z
      .object({
        freq: z.string().default('FREQ'),
        refArea: z.string().default('REF_AREA'),
        class: z.string().default('LAND_COVER'),
        measure: z.string().default('STAT_MEASURE'),
        unit: z.string().default('UNIT_MEASURE'),
        time: z.string().default('TIME_PERIOD'),
      })
      .strict()
      .default({ freq: 'FREQ', refArea: 'REF_AREA', class: 'LAND_COVER', measure: 'STAT_MEASURE', unit: 'UNIT_MEASURE', time: 'TIME_PERIOD' }),
    /** Attribute ids of the DSD, in order; null leaves an attribute out. */
    attributes: z
      .object({
        obsStatus: z.string().nullable().default('OBS_STATUS'),
        unitMult: z.string().nullable().default('UNIT_MULT'),
        grade: z.string().nullable().default('QUALITY_GRADE'),
        method: z.string().nullable().default('EST_METHOD'),
        model: z.string().nullable().default('MODEL_VERSION'),
      })
      .strict()
      .default({ obsStatus: 'OBS_STATUS', unitMult: 'UNIT_MULT', grade: 'QUALITY_GRADE', method: 'EST_METHOD', model: 'MODEL_VERSION' }),
    /** Class id → code in the DSD's class codelist (default: the class name in upper case). */
    classCodes: z.record(z.string(), z.string()).default({}),
    refAreaPrefix: z.string().default(''),
  })
  .strict();

/**
 * Imagery from a STAC source: the Items of the job's area (its AOI, else its regions' extent) and period, composited on
 * an analysis grid (pipeline/composite/). The composite holds physical values (reflectance 0..1), so the model's recipe
 * must read unscaled float32 bands, in the order of `bands`; its clear-observation count is the job's cloud mask.
 */
export const StacImagerySchema = z
  .object({
    /** An ItemCollection or Item (file or URL), a static catalogue, or a STAC API landing page. */
    stac: z.string().min(1),
    collections: z.array(z.string().min(1)).min(1).optional(),
    /** Only Items with eo:cloud_cover below this percentage. */
    maxCloud: z.number().gt(0).max(100).optional(),
    /** Bands in the order the model reads them: common names (red, nir, swir16) or asset keys. */
    bands: z.array(z.string().min(1)).min(1),
    /** The grid's CRS, e.g. EPSG:3035 (default: the UTM zone of the area's centre). */
    crs: z.string().regex(/^EPSG:\d+$/i, 'EPSG:<code>').optional(),
    /** Cell size in CRS units; cell edges on multiples of it, so recurring runs share their cells. */
    resolution: z.number().positive(),
    method: z.enum(['median', 'best']).default('median'),
    mask: z.enum(['scl', 'qa', 'none']).default('scl'),
    dilate: z.number().int().min(0).max(64).default(0),
    resampling: z.enum(['bilinear', 'cubic']).default('bilinear'),
    /** Best pixel: the date the period is about (default: its middle). */
    targetDate: isoDate.optional(),
    maxItems: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

export type StacImagery = z.infer<typeof StacImagerySchema>;

/**
 * A job: what `sat run JOB.yaml` (and, later, a queued job) computes. Paths are relative to the job file.
 * Unknown keys are errors, so a typo never silently drops an input.
 */
export const JobFieldsSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (it names output files)'),
    /** The scene to classify (a GeoTIFF/COG path or URL, or a STAC source), and an auxiliary raster on its grid (cloud mask) if the model's recipe needs one. */
    imagery: z.union([z.string(), StacImagerySchema]),
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
        /** The field holding each region's name, shown beside its id in the report and the regions GeoJSON. */
        nameField: z.string().optional(),
        method: z.enum(['exact', 'centroid', 'all-touched']).default('exact'),
      })
      .strict(),
    /** Reference data for accuracy and error-adjusted areas: a reference raster to sample, or a labelled sample. */
    reference: z
      .union([
        z
          .object({
            raster: z.string(),
            sampleSize: z.number().int().positive(),
            minPerStratum: z.number().int().min(1).default(50),
            ignoreValue: z.number().optional(),
            /** 'region-class' gives every region its own error matrix; 'class' needs fewer points and flags regional figures as domain estimates. */
            strata: z.enum(['class', 'region-class']).default('class'),
          })
          .strict(),
        z.object({ sample: z.string(), referenceField: z.string().default('reference') }).strict(),
      ])
      .optional(),
    /** Reference period of the statistics: one date or a range (the scene's acquisition date for a single scene). */
    period: z.union([isoDate, z.object({ start: isoDate, end: isoDate }).strict().refine((p) => p.start <= p.end, 'start must not be after end')]),
    /** Confidence level of every interval. */
    confidence: z.number().gt(0).lt(1).default(0.95),
    /** How intervals are made (estimate-areas.ts): 'adjusted' (default) keeps its stated coverage where errors are rare; 'wald' is Olofsson et al. as published. */
    interval: z.enum(INTERVAL_METHODS as [IntervalMethod, ...IntervalMethod[]]).default('adjusted'),
    quality: QualitySchema.default(QualitySchema.parse({})),
    /** Building models: connected components smaller than this many pixels are not counted. */
    buildings: z.object({ minPixels: z.number().int().min(1).default(20) }).strict().default({ minPixels: 20 }),
    sdmx: SdmxSchema.default(SdmxSchema.parse({})),
    /** The report's choropleth: this class's estimated share of each region (default: the class with most mapped area). */
    report: z.object({ choroplethClass: z.string().optional() }).strict().default({}),
    seed: z.number().int().default(1),
    /** Output directory; replaced only if it holds an earlier run of a job. */
    out: z.string(),
  })
  .strict();

/** The checks across fields of a job (or of a job as the API takes it). */
export function withCrossChecks<T extends z.ZodType<{ imagery: string | StacImagery; aux?: string }>>(schema: T) {
  return schema.refine((j) => typeof j.imagery === 'string' || j.aux === undefined, { message: "a STAC source brings its own cloud mask (the composite's clear-observation count): leave out aux", path: ['aux'] });
}

export const JobSpecSchema = withCrossChecks(JobFieldsSchema);

export type JobSpec = z.infer<typeof JobSpecSchema>;

/** The period as a start and end date. */
export function periodRange(period: JobSpec['period']): { start: string; end: string } {
  return typeof period === 'string' ? { start: period, end: period } : period;
}

/** Inputs that may be URLs: the imagery, or its STAC source. */
export const URL_INPUTS = ['imagery', 'imagery.stac'];

/** Every input path of a job, resolved by `resolve` (URLs are allowed for URL_INPUTS only). */
export function resolveJobPaths(spec: JobSpec, resolve: (file: string, what: string) => string): JobSpec {
  const at = resolve;
  return {
    ...spec,
    imagery: typeof spec.imagery === 'string' ? at(spec.imagery, 'imagery') : { ...spec.imagery, stac: at(spec.imagery.stac, 'imagery.stac') },
    aux: spec.aux && at(spec.aux, 'aux'),
    aoi: spec.aoi && at(spec.aoi, 'aoi'),
    model: at(spec.model, 'model'),
    regions: { ...spec.regions, file: at(spec.regions.file, 'regions.file') },
    reference:
      spec.reference && ('raster' in spec.reference ? { ...spec.reference, raster: at(spec.reference.raster, 'reference.raster') } : { ...spec.reference, sample: at(spec.reference.sample, 'reference.sample') }),
  };
}

export const isUrl = (p: string) => /^https?:\/\//i.test(p);

/** The largest job document read (characters). */
export const MAX_JOB_BYTES = 1024 * 1024;

/** Parses and validates a job document (YAML or JSON text). */
export function parseJobSpec(text: string, origin: string, schema: z.ZodType<JobSpec> = JobSpecSchema): JobSpec {
  // A job is a page of YAML; megabytes of deeply nested lists take seconds to parse for nothing.
  if (text.length > MAX_JOB_BYTES) throw new SatError('E_CONFIG', `job ${origin}: ${text.length} characters, more than a job may have (${MAX_JOB_BYTES})`);
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (err) {
    throw new SatError('E_CONFIG', `job ${origin}: not valid YAML (${(err as Error).message})`);
  }
  return validate(schema, value, `invalid job ${origin}`, 'E_CONFIG');
}

/** Reads and validates a job file; every path in it is resolved against the file's folder. */
export function readJobSpec(file: string): { spec: JobSpec; text: string } {
  const text = readInputText(file, { maxBytes: MAX_JOB_BYTES, what: 'job' });
  const spec = parseJobSpec(text, file);
  const base = path.dirname(path.resolve(file));
  const resolved = resolveJobPaths(spec, (p, what) => (URL_INPUTS.includes(what) && isUrl(p) ? p : path.resolve(base, p)));
  return { text, spec: { ...resolved, out: path.resolve(base, spec.out) } };
}

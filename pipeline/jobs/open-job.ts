import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { SatError } from '../core/errors.js';
import { packageHash, readModelMetadata, type ModelMetadata } from '../model/model-package.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import { loadRegions, type RegionSet } from '../zonal/load-regions.js';
import { JobDir } from './job-dir.js';
import { readJobPlan, type JobPlan } from './job-plan.js';
import { periodRange, type JobSpec } from './job-spec.js';

/** What the prediction stages (ingest → stitch) read: a scene, a model, optionally an auxiliary mask and an AOI. */
export interface PredictionInputs {
  imagery: string;
  aux?: string;
  aoi?: string;
  model: string;
  /** Also write the blended class probabilities (one band per class). */
  probabilities?: boolean;
}

/**
 * A job as its stages see it: its inputs and model (checked when opened), the folder it runs in, and the rasters
 * it reads, opened once on first use and closed with the job. Opened per process: by `sat run` once, by a worker
 * for each stage job it takes.
 */
export class PredictionJob {
  private readonly readers = new Map<string, Promise<RasterReader>>();
  private cachedPlan: JobPlan | null = null;
  readonly dir: JobDir;

  constructor(
    readonly inputs: PredictionInputs,
    readonly metadata: ModelMetadata,
    readonly modelHash: string,
    /** The folder the stages write in. */
    work: string,
    /** Where the finished folder goes (publish moves it there); its manifest says the job is done. */
    readonly out: string,
    protected readonly settings: Pick<Settings, 'raster' | 'limits'>,
  ) {
    this.dir = new JobDir(work);
  }

  static open(inputs: PredictionInputs, folders: { work: string; out: string }, settings: Pick<Settings, 'raster' | 'limits'>): PredictionJob {
    return new PredictionJob(inputs, readModelMetadata(inputs.model), packageHash(inputs.model), folders.work, folders.out, settings);
  }

  /** Done when its published folder has a manifest (written last). */
  isPublished(): boolean {
    return existsSync(new JobDir(this.out).manifest);
  }

  /** The plan ingest fixed. */
  plan(): JobPlan {
    this.cachedPlan ??= readJobPlan(this.dir);
    return this.cachedPlan;
  }

  /** A raster of the job, opened once. */
  raster(file: string): Promise<RasterReader> {
    let reader = this.readers.get(file);
    if (!reader) {
      reader = openRaster(file, this.settings.raster);
      reader.catch(() => this.readers.delete(file));
      this.readers.set(file, reader);
    }
    return reader;
  }

  scene(): Promise<RasterReader> {
    return this.raster(this.inputs.imagery);
  }

  aux(): Promise<RasterReader | undefined> {
    return this.inputs.aux ? this.raster(this.inputs.aux) : Promise.resolve(undefined);
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.readers.values());
    this.readers.clear();
    await Promise.all(opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}

/** A whole job (`sat run`, a service job): prediction, then regions, assessment and publication. */
export class Job extends PredictionJob {
  private regionSet: RegionSet | null = null;
  readonly period: { start: string; end: string };
  /** The building class of building models (counted per region), else null. */
  readonly buildingClass: number | null;

  private constructor(
    readonly spec: JobSpec,
    /** The spec as written: its hash goes into the manifest. */
    readonly specText: string,
    metadata: ModelMetadata,
    folders: { work: string; out: string },
    settings: Pick<Settings, 'raster' | 'limits'>,
  ) {
    super({ imagery: spec.imagery, aux: spec.aux, aoi: spec.aoi, model: spec.model }, metadata, packageHash(spec.model), folders.work, folders.out, settings);
    this.period = periodRange(spec.period);
    this.buildingClass = metadata.task === 'buildings' ? (metadata.classes.find((c) => c.name === 'building')?.id ?? 1) : null;
  }

  /** Opens a job: reads the model's metadata and checks the spec against it (cheap checks, before any stage runs). */
  static openJob(spec: JobSpec, specText: string, folders: { work: string; out: string }, settings: Pick<Settings, 'raster' | 'limits'>): Job {
    // The usual first stumble with an example job: its model is made by `sat train`, not shipped.
    if (!existsSync(spec.model)) {
      // Relative to where the user is when that is shorter; absolute otherwise (the service shortens those itself).
      const relative = path.relative(process.cwd(), spec.model);
      const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : spec.model;
      throw new SatError('E_NOT_FOUND', `model directory ${shown} does not exist: a job's model is a package made by \`sat train ... --out ${shown}\` (the README and the example job files show the whole command)`);
    }
    const metadata = readModelMetadata(spec.model);
    if (spec.report.choroplethClass && !metadata.classes.some((c) => c.name === spec.report.choroplethClass)) {
      throw new SatError('E_CONFIG', `report.choroplethClass '${spec.report.choroplethClass}' is not a class of the model (${metadata.classes.map((c) => c.name).join(', ')})`);
    }
    return new Job(spec, specText, metadata, folders, settings);
  }

  /** The official regions, loaded (and checked) on first use: tile stages never need them. */
  regions(): RegionSet {
    this.regionSet ??= loadRegions(this.spec.regions.file, this.spec.regions.idField, { limits: this.settings.limits, nameField: this.spec.regions.nameField });
    return this.regionSet;
  }
}

export const openJob = Job.openJob;

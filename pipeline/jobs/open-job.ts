import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MultiPolygon, Polygon } from 'geojson';
import { CompositeRasters, type CompositeSource } from '../composite/composite-raster.js';
import type { WindowComposite } from '../composite/composite-window.js';
import type { Settings } from '../config/settings.js';
import { SatError } from '../core/errors.js';
import { sameCrs, WGS84 } from '../geo/crs.js';
import { reprojectGeometry } from '../geo/reproject-geometry.js';
import { packageHash, readModelMetadata, type ModelMetadata } from '../model/model-package.js';
import type { BandRecipe } from '../preprocess/band-recipe.js';
import { openRaster, type RasterReader } from '../raster/open-raster.js';
import type { PixelWindow } from '../raster/types.js';
import { readAoi } from '../tiling/aoi.js';
import { loadRegions, type RegionSet } from '../zonal/load-regions.js';
import { JOB_LAYOUT, JobDir } from './job-dir.js';
import { readJobPlan, type JobPlan } from './job-plan.js';
import { periodRange, type JobSpec, type StacImagery } from './job-spec.js';

/** What the prediction stages (ingest → stitch) read: a scene, a model, optionally an auxiliary mask and an AOI. */
export interface PredictionInputs {
  /** A GeoTIFF/COG (path or URL), or a STAC source composited for the job. */
  imagery: string | StacImagery;
  aux?: string;
  aoi?: string;
  model: string;
  /** The period a STAC source is searched for (whole days). */
  period?: { start: string; end: string };
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
  private compositeRasters: CompositeRasters | null = null;
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

  /** The STAC source of the imagery, or null for a file. */
  get stac(): StacImagery | null {
    return typeof this.inputs.imagery === 'string' ? null : this.inputs.imagery;
  }

  /**
   * The model's band recipe as this job applies it: for a STAC source the cloud mask is the composite's
   * clear-observation count (status "no clear observation" where it is 0), whatever mask the model was trained with.
   */
  get recipe(): BandRecipe {
    const recipe = this.metadata.recipe;
    return this.stac ? { ...recipe, cloudMask: { kind: 'clear-count', source: 'aux' } } : recipe;
  }

  /** What ingest fixed for a STAC source: the composite's plan and the versions of its assets. */
  compositeSource(): CompositeSource {
    const file = this.dir.path(JOB_LAYOUT.composite);
    if (!existsSync(file)) throw new Error(`${this.dir.root} has no composite plan (ingest has not run)`);
    return JSON.parse(readFileSync(file, 'utf8')) as CompositeSource;
  }

  /** The composite of a window of a STAC job's grid (a tile's scene and mask reads share it). */
  composite(window: PixelWindow): Promise<WindowComposite> {
    return this.composited().composite(window);
  }

  private composited(): CompositeRasters {
    this.compositeRasters ??= new CompositeRasters(this.compositeSource(), this.settings.raster, `STAC ${this.stac?.stac}`);
    return this.compositeRasters;
  }

  /**
   * The scene: the imagery file; for a STAC source, the composite — once stitch has written it, that file, before,
   * composited window by window from the Items as tiles ask for it.
   */
  scene(): Promise<RasterReader> {
    if (!this.stac) return this.raster(this.inputs.imagery as string);
    const stitched = this.dir.path(JOB_LAYOUT.imagery.composite);
    return existsSync(stitched) ? this.raster(stitched) : Promise.resolve(this.composited().bands);
  }

  /** The auxiliary mask: the aux file; for a STAC source, the composite's clear-observation count. */
  aux(): Promise<RasterReader | undefined> {
    if (this.stac) {
      const stitched = this.dir.path(JOB_LAYOUT.imagery.clearCount);
      return existsSync(stitched) ? this.raster(stitched) : Promise.resolve(this.composited().clearCount);
    }
    return this.inputs.aux ? this.raster(this.inputs.aux) : Promise.resolve(undefined);
  }

  /** Where a STAC source is searched: the AOI, in WGS84 (a job with regions falls back to their extent). */
  searchArea(): Polygon | MultiPolygon {
    if (!this.inputs.aoi) throw new SatError('E_INPUT', 'a STAC source needs an area: give the job an aoi');
    const aoi = readAoi(this.inputs.aoi);
    return (sameCrs(aoi.crs, WGS84) ? aoi.geometry : reprojectGeometry(aoi.geometry, aoi.crs, WGS84, { maxSegmentLength: 0.01 })) as Polygon | MultiPolygon;
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled(this.readers.values());
    this.readers.clear();
    await Promise.all([...opened.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)), this.compositeRasters?.close()]);
    this.compositeRasters = null;
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
    super({ imagery: spec.imagery, aux: spec.aux, aoi: spec.aoi, model: spec.model, period: periodRange(spec.period) }, metadata, packageHash(spec.model), folders.work, folders.out, settings);
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

  /** The AOI, else the extent of the official regions: the statistics are about them. */
  override searchArea(): Polygon | MultiPolygon {
    if (this.inputs.aoi) return super.searchArea();
    const set = this.regions();
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const r of set.regions) {
      // (a loop: boundary sets have millions of vertices, too many to spread into Math.min)
      for (const [x, y] of r.geometry.type === 'Polygon' ? r.geometry.coordinates.flat() : r.geometry.coordinates.flat(2)) {
        [w, s, e, n] = [Math.min(w, x), Math.min(s, y), Math.max(e, x), Math.max(n, y)];
      }
    }
    const box: Polygon = { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
    return sameCrs(set.crs, WGS84) ? box : (reprojectGeometry(box, set.crs, WGS84, { maxSegmentLength: Math.max(e - w, n - s) / 64 }) as Polygon);
  }

  /** The official regions, loaded (and checked) on first use: tile stages never need them. */
  regions(): RegionSet {
    this.regionSet ??= loadRegions(this.spec.regions.file, this.spec.regions.idField, { limits: this.settings.limits, nameField: this.spec.regions.nameField });
    return this.regionSet;
  }
}

export const openJob = Job.openJob;

import { existsSync } from 'node:fs';
import path from 'node:path';
import { PREDICTION_FILES } from '../model/prediction-writer.js';

const inPrediction = <K extends keyof typeof PREDICTION_FILES>(k: K) => `prediction/${PREDICTION_FILES[k]}` as const;

/**
 * A job's folder, relative to its root. A job runs in a work folder; its last stage (publish) moves the whole
 * folder to where its results belong, so results appear complete or not at all. `stages/` and `tiles/` hold what
 * one stage hands to the next and are removed at publication.
 */
export const JOB_LAYOUT = {
  /** ingest → every later stage: the checked scene and the tile plan. */
  plan: 'stages/plan.json',
  /** ingest → every later stage of a job with a STAC source: the composite's plan and the versions of its assets. */
  composite: 'stages/composite.json',
  /** stitch, for a STAC source: the composite the job classified, its clear-observation count and its STAC Item. */
  imagery: {
    dir: 'imagery',
    composite: 'imagery/composite.tif',
    clearCount: 'imagery/clear_count.tif',
    item: 'imagery/item.json',
  },
  /** prepare → classify (one per tile), classify → stitch (one per tile); prepare → stitch: a STAC job's composite tiles. */
  tiles: 'tiles',
  /** stitch: class map, confidence, pixel status, quicklook and summary. */
  prediction: {
    dir: 'prediction',
    classes: inPrediction('classes'),
    confidence: inPrediction('confidence'),
    status: inPrediction('status'),
    probabilities: inPrediction('probabilities'),
    quicklook: inPrediction('quicklook'),
    summary: inPrediction('summary'),
  },
  /** aggregate → assess and publish: regions x classes. */
  aggregation: 'stages/aggregation.json',
  /** assess → publish: the reference sample's assessment. */
  assessment: 'stages/assessment.json',
  /** publish: the statistics in every format, the report, the STAC Item and the manifest (written last). */
  statistics: {
    csv: 'statistics/regions.csv',
    json: 'statistics/regions.json',
    geojson: 'statistics/regions.geojson',
    sdmx: 'statistics/sdmx.csv',
    assessment: 'statistics/assessment.json',
  },
  report: 'report.html',
  /** The scene in true colour (the recipe's red, green and blue), at most 800 px a side; absent without those bands. */
  trueColour: 'true-colour.png',
  stacItem: 'stac-item.json',
  manifest: 'manifest.json',
  /** Folders of stage hand-overs, removed when the job is published. */
  handOvers: ['stages', 'tiles'],
} as const;

export type TileArtifactKind = 'prepared' | 'prediction' | 'composite';

/** Every path of one job's folder. */
export class JobDir {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** A path inside the folder, from its layout name (e.g. `dir.path(JOB_LAYOUT.report)`). */
  path(relative: string): string {
    return path.join(this.root, relative);
  }

  get plan(): string {
    return this.path(JOB_LAYOUT.plan);
  }
  get aggregation(): string {
    return this.path(JOB_LAYOUT.aggregation);
  }
  get assessment(): string {
    return this.path(JOB_LAYOUT.assessment);
  }
  get predictionDir(): string {
    return this.path(JOB_LAYOUT.prediction.dir);
  }
  /** Written last by stitch: once there, the tiles' hand-overs are no longer needed. */
  get predictionSummary(): string {
    return this.path(JOB_LAYOUT.prediction.summary);
  }
  get manifest(): string {
    return this.path(JOB_LAYOUT.manifest);
  }
  tile(id: string, kind: TileArtifactKind): string {
    return path.join(this.root, JOB_LAYOUT.tiles, `${id}.${kind}`);
  }

  /** A job folder is complete once its manifest is written (publish writes it last). */
  isPublished(): boolean {
    return existsSync(this.manifest);
  }
}

/** A downloadable result: the API's name for it, its file in the job folder and its media type. */
export interface ResultFile {
  name: string;
  file: string;
  type: string;
}

const GEOTIFF = 'image/tiff; application=geotiff';

/** Files a job's owner can download; nothing else in the job folder is reachable. */
export const RESULT_FILES: readonly ResultFile[] = [
  { name: 'statistics.csv', file: JOB_LAYOUT.statistics.csv, type: 'text/csv' },
  { name: 'statistics.json', file: JOB_LAYOUT.statistics.json, type: 'application/json' },
  { name: 'regions.geojson', file: JOB_LAYOUT.statistics.geojson, type: 'application/geo+json' },
  { name: 'sdmx.csv', file: JOB_LAYOUT.statistics.sdmx, type: 'application/vnd.sdmx.data+csv; version=2.0.0' },
  { name: 'assessment.json', file: JOB_LAYOUT.statistics.assessment, type: 'application/json' },
  { name: 'classes.tif', file: JOB_LAYOUT.prediction.classes, type: GEOTIFF },
  { name: 'confidence.tif', file: JOB_LAYOUT.prediction.confidence, type: GEOTIFF },
  { name: 'status.tif', file: JOB_LAYOUT.prediction.status, type: GEOTIFF },
  { name: 'quicklook.png', file: JOB_LAYOUT.prediction.quicklook, type: 'image/png' },
  { name: 'true-colour.png', file: JOB_LAYOUT.trueColour, type: 'image/png' },
  { name: 'composite.tif', file: JOB_LAYOUT.imagery.composite, type: GEOTIFF },
  { name: 'clear_count.tif', file: JOB_LAYOUT.imagery.clearCount, type: GEOTIFF },
  { name: 'composite-item.json', file: JOB_LAYOUT.imagery.item, type: 'application/geo+json' },
  { name: 'report.html', file: JOB_LAYOUT.report, type: 'text/html; charset=utf-8' },
  { name: 'stac-item.json', file: JOB_LAYOUT.stacItem, type: 'application/geo+json' },
  { name: 'manifest.json', file: JOB_LAYOUT.manifest, type: 'application/json' },
];

/** The result of that name, or undefined (a plain lookup: names like `constructor` are not results). */
export function resultFile(name: string): ResultFile | undefined {
  return RESULT_FILES.find((r) => r.name === name);
}

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { METADATA_FILE } from '../model/model-package.js';

export interface CatalogModel {
  path: string;
  task: string;
  classes: { id: number; name: string; colour: string }[];
}

/** What a job form may offer: the files of the data roots by kind, as a job names them. */
export interface InputCatalog {
  rasters: string[];
  vectors: string[];
  models: CatalogModel[];
  /** True when the walk stopped at its limits: the lists are then incomplete. */
  truncated: boolean;
}

const RASTER = /\.tiff?$/i;
const VECTOR = /\.(geo)?json$/i;

/**
 * The inputs in the data roots: rasters, GeoJSON files and model packages (folders with a model's metadata, not
 * entered). Paths are relative to the first root, as jobs write them, and absolute in the others. Hidden entries and
 * symbolic links are skipped (a link may lead out of the roots), and the walk is bounded in depth and entries so a
 * huge tree costs little.
 */
export function inputCatalog(roots: string[], limits = { depth: 6, entries: 5000 }): InputCatalog {
  const catalog: InputCatalog = { rasters: [], vectors: [], models: [], truncated: false };
  let seen = 0;
  const walk = (root: string, rel: string, depth: number, name: (rel: string) => string) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return; // unreadable: not offered
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      if (++seen > limits.entries) {
        catalog.truncated = true;
        return;
      }
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        const model = readModel(path.join(root, child));
        if (model) catalog.models.push({ path: name(child), ...model });
        else if (depth < limits.depth) walk(root, child, depth + 1, name);
        else catalog.truncated = true;
      } else if (entry.isFile()) {
        if (RASTER.test(entry.name)) catalog.rasters.push(name(child));
        else if (VECTOR.test(entry.name)) catalog.vectors.push(name(child));
      }
    }
  };
  roots.forEach((root, k) => walk(root, '', 0, (rel) => (k === 0 ? rel.split(path.sep).join('/') : path.join(root, rel))));
  return catalog;
}

/** A model package's task and classes, or null when the folder is not one (or its metadata is unreadable). */
function readModel(dir: string): Omit<CatalogModel, 'path'> | null {
  const file = path.join(dir, METADATA_FILE);
  try {
    if (!lstatSync(file).isFile()) return null;
    const meta = JSON.parse(readFileSync(file, 'utf8')) as { task?: unknown; classes?: unknown };
    if (typeof meta.task !== 'string' || !Array.isArray(meta.classes)) return null;
    const classes = meta.classes.filter((c): c is CatalogModel['classes'][number] => typeof c?.id === 'number' && typeof c?.name === 'string' && typeof c?.colour === 'string');
    return { task: meta.task, classes };
  } catch {
    return null;
  }
}

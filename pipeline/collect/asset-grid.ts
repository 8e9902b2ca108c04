import { SatError } from '../core/errors.js';
import type { StacAsset, StacItem } from './stac-schema.js';

/** An asset's grid as its STAC metadata states it (projection extension), each part null when not stated. */
export interface AssetGrid {
  epsg: number | null;
  /** proj:transform converted to GDAL's order [x0, dx, rx, y0, ry, dy]. */
  geotransform: [number, number, number, number, number, number] | null;
  /** proj:shape: [rows, columns]. */
  shape: [number, number] | null;
}

/**
 * The grid of an asset from its proj: fields, else the Item's (Landsat Items state one grid for all assets). Values
 * that cannot be a grid (a degenerate or malformed transform, a bad shape, an EPSG code that is not one) and a
 * proj:bbox that disagrees with transform x shape by more than half a pixel are errors naming the Item and asset:
 * such an Item describes two grids, and warping onto the wrong one would misplace every pixel silently.
 */
export function assetGrid(item: StacItem, assetKey: string): AssetGrid {
  const asset: StacAsset = item.assets[assetKey];
  const where = `item ${item.id}, asset ${assetKey}`;
  const geotransform = readTransform(asset['proj:transform'] ?? item.properties['proj:transform'], where);
  const shape = readShape(asset['proj:shape'] ?? item.properties['proj:shape'], where);
  checkProjBbox(asset['proj:bbox'] ?? item.properties['proj:bbox'], geotransform, shape, where);
  return { epsg: readEpsg([asset, item.properties], where), geotransform, shape };
}

/** proj:transform (affine a, b, c, d, e, f [, 0, 0, 1]) → GDAL order. */
function readTransform(v: unknown, where: string): AssetGrid['geotransform'] {
  if (v === undefined || v === null) return null;
  const ok = Array.isArray(v) && (v.length === 6 || v.length === 9) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  const [a, b, c, d, e, f, g, h, i] = ok ? (v as number[]) : [];
  if (!ok || (v.length === 9 && (g !== 0 || h !== 0 || i !== 1)) || a * e - b * d === 0) {
    throw new SatError('E_FORMAT', `${where}: proj:transform ${JSON.stringify(v).slice(0, 80)} is not an affine transform (6 numbers, or 9 ending 0, 0, 1, not degenerate)`);
  }
  return [c, a, b, f, d, e];
}

function readShape(v: unknown, where: string): AssetGrid['shape'] {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new SatError('E_FORMAT', `${where}: proj:shape ${JSON.stringify(v).slice(0, 80)} is not [rows, columns] of positive integers`);
  }
  return [v[0], v[1]];
}

function checkProjBbox(v: unknown, gt: AssetGrid['geotransform'], shape: AssetGrid['shape'], where: string): void {
  if (!gt || !shape || !Array.isArray(v) || v.length !== 4 || gt[2] !== 0 || gt[4] !== 0) return;
  const [rows, cols] = shape;
  const xs = [gt[0], gt[0] + gt[1] * cols];
  const ys = [gt[3], gt[3] + gt[5] * rows];
  const expected = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const tolerance = [gt[1], gt[5], gt[1], gt[5]].map((p) => Math.abs(p) / 2);
  if (expected.some((e, i) => !(Math.abs(e - (v[i] as number)) <= tolerance[i]))) {
    throw new SatError('E_FORMAT', `${where}: proj:bbox [${v.join(', ')}] disagrees with proj:transform and proj:shape, which give [${expected.join(', ')}]`);
  }
}

/** proj:epsg (projection extension 1.x) or proj:code "EPSG:n" (2.x), the first holder that states either. */
function readEpsg(holders: Record<string, unknown>[], where: string): number | null {
  for (const holder of holders) {
    const epsg = holder['proj:epsg'];
    if (epsg !== undefined && epsg !== null) {
      if (!Number.isInteger(epsg) || (epsg as number) <= 0) throw new SatError('E_FORMAT', `${where}: proj:epsg ${JSON.stringify(epsg)} is not an EPSG code`);
      return epsg as number;
    }
    const code = holder['proj:code'];
    if (typeof code === 'string') {
      const m = /^EPSG:(\d+)$/i.exec(code.trim());
      if (m) return Number(m[1]);
    }
  }
  return null;
}

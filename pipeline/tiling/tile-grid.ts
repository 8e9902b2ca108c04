import { SatError } from '../core/errors.js';
import type { PixelWindow } from '../raster/types.js';

export interface TileGridSpec {
  /** Edge of a tile's core in pixels. */
  tileSize: number;
  /** Extra pixels read on every side of the core, for the context models need at tile edges. */
  halo: number;
}

export interface Tile {
  /** Stable id from the tile's place in the full-scene grid, e.g. "r0003c0012"; the same whatever the AOI. */
  id: string;
  col: number;
  row: number;
  /** The pixels this tile owns: its grid cell clipped to the scene. Cores partition the scene. */
  core: PixelWindow;
  /** The core grown by the halo to a fixed (tileSize + 2 * halo) square; may reach past the scene (the reader pads). */
  read: PixelWindow;
}

export interface TileGrid extends TileGridSpec {
  width: number;
  height: number;
  tilesAcross: number;
  tilesDown: number;
  /** Selected tiles in row-major order. */
  tiles: Tile[];
}

export function tileId(col: number, row: number): string {
  return `r${String(row).padStart(4, '0')}c${String(col).padStart(4, '0')}`;
}

/** An id for the grid itself, so artifacts made on one grid are never mixed with another's. */
export function gridId(scene: { width: number; height: number }, spec: TileGridSpec): string {
  return `${scene.width}x${scene.height}-t${spec.tileSize}-h${spec.halo}`;
}

/**
 * The deterministic tile grid over a scene: row-major tiles of `tileSize`, edge tiles clipped,
 * each with a fixed-size read window including the halo. `select` keeps a subset (e.g. the tiles an AOI touches)
 * without changing any tile's id.
 */
export function makeTileGrid(
  scene: { width: number; height: number },
  spec: TileGridSpec,
  select?: (tile: Tile) => boolean,
): TileGrid {
  const { tileSize, halo } = spec;
  if (!Number.isInteger(scene.width) || !Number.isInteger(scene.height) || scene.width <= 0 || scene.height <= 0) {
    throw new SatError('E_INPUT', `cannot tile an empty scene (${scene.width} x ${scene.height})`);
  }
  if (!Number.isInteger(tileSize) || tileSize < 16) throw new SatError('E_INPUT', `tile size must be an integer >= 16 (got ${tileSize})`);
  if (!Number.isInteger(halo) || halo < 0 || halo >= tileSize) {
    throw new SatError('E_INPUT', `halo must be an integer from 0 to tile size - 1 (got ${halo} with tile size ${tileSize})`);
  }
  const tilesAcross = Math.ceil(scene.width / tileSize);
  const tilesDown = Math.ceil(scene.height / tileSize);
  const tiles: Tile[] = [];
  const side = tileSize + 2 * halo;
  for (let row = 0; row < tilesDown; row++) {
    for (let col = 0; col < tilesAcross; col++) {
      const c = col * tileSize;
      const r = row * tileSize;
      const tile: Tile = {
        id: tileId(col, row),
        col,
        row,
        core: { col: c, row: r, width: Math.min(tileSize, scene.width - c), height: Math.min(tileSize, scene.height - r) },
        read: { col: c - halo, row: r - halo, width: side, height: side },
      };
      if (!select || select(tile)) tiles.push(tile);
    }
  }
  return { tileSize, halo, width: scene.width, height: scene.height, tilesAcross, tilesDown, tiles };
}

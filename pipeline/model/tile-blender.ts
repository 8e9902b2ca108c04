import type { Tile, TileGrid } from '../tiling/tile-grid.js';

/** A finished tile core: blended class probabilities (HWC, K per pixel) and each pixel's input status. */
export interface BlendedCore {
  tile: Tile;
  probabilities: Float32Array;
  /** The core's part of the status the tile was added with (whatever byte code the caller uses, carried unchanged). */
  status: Uint8Array;
}

interface Pending {
  tile: Tile;
  sum: Float32Array;
  weight: Float32Array;
  status: Uint8Array | null;
  remaining: number;
}

/**
 * Stitches per-tile predictions into seamless cores. Every tile is predicted on its read window (core + halo);
 * where windows overlap, probabilities are averaged with weights that are 1 over a window's core, fall linearly
 * across its halo, and are 0 within `receptiveRadius` of the window edge, where the network saw zero padding
 * instead of the scene. So every weighted value is one the network computed from real context: the result does not
 * depend on where tile edges fall (test/workflows/predict-scene.test.ts), and with a halo wider than the radius the
 * overlaps are feathered, so a model whose true reach exceeds its stated radius shows no seams either. A core is handed to `onCore` as soon as every tile whose window reaches it has been added
 * (tiles may arrive in any order); memory holds only cores still waiting for a neighbour.
 */
export class TileBlender {
  private readonly pending = new Map<number, Pending>();
  private readonly selected = new Map<number, Tile>();
  private readonly rampWeights: Float32Array;

  constructor(
    private readonly grid: TileGrid,
    private readonly classes: number,
    private readonly onCore: (core: BlendedCore) => void | Promise<void>,
    receptiveRadius: number,
  ) {
    for (const t of grid.tiles) this.selected.set(this.key(t.col, t.row), t);
    const side = grid.tileSize + 2 * grid.halo;
    this.rampWeights = new Float32Array(side);
    const radius = Math.min(receptiveRadius, grid.halo);
    for (let i = 0; i < side; i++) {
      const d = Math.min(i, side - 1 - i); // distance to the window edge
      this.rampWeights[i] = d < radius ? 0 : Math.min(1, (d - radius + 1) / (grid.halo - radius + 1));
    }
  }

  private key(col: number, row: number): number {
    return row * this.grid.tilesAcross + col;
  }

  private neighbours(tile: Tile): number[] {
    const out: number[] = [];
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        const c = tile.col + dc;
        const r = tile.row + dr;
        if (c < 0 || r < 0 || c >= this.grid.tilesAcross || r >= this.grid.tilesDown) continue;
        if (this.selected.has(this.key(c, r))) out.push(this.key(c, r));
      }
    }
    return out;
  }

  private pendingFor(key: number): Pending {
    let p = this.pending.get(key);
    if (!p) {
      const tile = this.selected.get(key)!;
      const n = tile.core.width * tile.core.height;
      p = { tile, sum: new Float32Array(n * this.classes), weight: new Float32Array(n), status: null, remaining: this.neighbours(tile).length };
      this.pending.set(key, p);
    }
    return p;
  }

  /** Adds one tile's prediction: `probabilities` over its read window (HWC), `status` its per-pixel input status. */
  async add(tile: Tile, probabilities: Float32Array, status: Uint8Array): Promise<void> {
    const K = this.classes;
    const { read } = tile;
    const side = read.width;
    const ramp = this.rampWeights;
    const own = this.key(tile.col, tile.row);
    for (const key of this.neighbours(tile)) {
      const p = this.pendingFor(key);
      const core = p.tile.core;
      const c0 = Math.max(core.col, read.col);
      const c1 = Math.min(core.col + core.width, read.col + side);
      const r0 = Math.max(core.row, read.row);
      const r1 = Math.min(core.row + core.height, read.row + read.height);
      // The inside of a tile's own core, farther than the halo from its edges, lies in no other window: there the
      // tile's weight is 1 and the blend is its own probabilities, copied (what the weighted sum gives exactly).
      const inside = key === own ? this.insideOf(tile) : null;
      for (let r = r0; r < r1; r++) {
        const wy = ramp[r - read.row];
        const rowInside = inside !== null && inside.c0 < inside.c1 && r >= inside.r0 && r < inside.r1;
        for (let c = c0; c < c1; c++) {
          if (rowInside && c === inside.c0) {
            const src = (r - read.row) * side + (c - read.col);
            const dst = (r - core.row) * core.width + (c - core.col);
            p.sum.set(probabilities.subarray(src * K, (src + inside.c1 - c) * K), dst * K);
            p.weight.fill(1, dst, dst + inside.c1 - c);
            c = inside.c1 - 1;
            continue;
          }
          const w = Math.min(wy, ramp[c - read.col]);
          const src = (r - read.row) * side + (c - read.col);
          const dst = (r - core.row) * core.width + (c - core.col);
          p.weight[dst] += w;
          for (let k = 0; k < K; k++) p.sum[dst * K + k] += w * probabilities[src * K + k];
        }
      }
      if (key === own) {
        p.status = new Uint8Array(core.width * core.height);
        for (let r = 0; r < core.height; r++) {
          const src = (core.row - read.row + r) * side + (core.col - read.col);
          p.status.set(status.subarray(src, src + core.width), r * core.width);
        }
      }
      if (--p.remaining === 0) {
        this.pending.delete(key);
        for (let i = 0; i < p.weight.length; i++) {
          const inv = 1 / p.weight[i];
          for (let k = 0; k < K; k++) p.sum[i * K + k] *= inv;
        }
        await this.onCore({ tile: p.tile, probabilities: p.sum, status: p.status! });
      }
    }
  }

  /** Scene rows and columns of the tile's core that no other window reaches and where its own weight is 1 (may be empty). */
  private insideOf(tile: Tile): { r0: number; r1: number; c0: number; c1: number } {
    const { core, read } = tile;
    const halo = this.grid.halo;
    const ones = (start: number, length: number, from: number, to: number): [number, number] => {
      let a = Math.max(from, start + halo);
      let b = Math.min(to, start + length - halo);
      while (a < b && this.rampWeights[a - from] !== 1) a++;
      while (b > a && this.rampWeights[b - 1 - from] !== 1) b--;
      return [a, b];
    };
    const [c0, c1] = ones(core.col, core.width, read.col, read.col + read.width);
    const [r0, r1] = ones(core.row, core.height, read.row, read.row + read.height);
    return { r0, r1, c0, c1 };
  }

  /** Cores still waiting for a neighbour (0 once every selected tile was added). */
  get waiting(): number {
    return this.pending.size;
  }
}

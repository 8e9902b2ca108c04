/** The tile blender against a plain weighted average of every window covering each pixel (its definition). */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../pipeline/core/random.js';
import { TileBlender, type BlendedCore } from '../../pipeline/model/tile-blender.js';
import { makeTileGrid, type Tile, type TileGrid } from '../../pipeline/tiling/tile-grid.js';

const K = 3;

/** Per pixel: sum of w * p over the windows reaching it, divided by the sum of w; w = the lesser of the row and column ramps. */
function reference(grid: TileGrid, windows: Map<string, Float32Array>, radius: number): Map<string, Float32Array> {
  const side = grid.tileSize + 2 * grid.halo;
  const r = Math.min(radius, grid.halo);
  const ramp = (i: number) => {
    const d = Math.min(i, side - 1 - i);
    return Math.fround(d < r ? 0 : Math.min(1, (d - r + 1) / (grid.halo - r + 1))); // the blender keeps weights as float32
  };
  const out = new Map<string, Float32Array>();
  for (const t of grid.tiles) {
    const { core } = t;
    const sum = new Float32Array(core.width * core.height * K);
    const weight = new Float32Array(core.width * core.height);
    // Windows added in row-major order: the blender adds in order of arrival, and float sums depend on order.
    for (const other of grid.tiles) {
      const probs = windows.get(other.id)!;
      const { read } = other;
      for (let y = core.row; y < core.row + core.height; y++) {
        for (let x = core.col; x < core.col + core.width; x++) {
          if (y < read.row || y >= read.row + side || x < read.col || x >= read.col + side) continue;
          const w = Math.min(ramp(y - read.row), ramp(x - read.col));
          const src = (y - read.row) * side + (x - read.col);
          const dst = (y - core.row) * core.width + (x - core.col);
          weight[dst] += w;
          for (let k = 0; k < K; k++) sum[dst * K + k] += w * probs[src * K + k];
        }
      }
    }
    for (let i = 0; i < weight.length; i++) {
      const inv = 1 / weight[i];
      for (let k = 0; k < K; k++) sum[i * K + k] *= inv;
    }
    out.set(t.id, sum);
  }
  return out;
}

async function blend(grid: TileGrid, windows: Map<string, Float32Array>, radius: number, order: Tile[]): Promise<Map<string, BlendedCore>> {
  const cores = new Map<string, BlendedCore>();
  const blender = new TileBlender(grid, K, (c) => void cores.set(c.tile.id, c), radius);
  const side = grid.tileSize + 2 * grid.halo;
  for (const t of order) await blender.add(t, windows.get(t.id)!, new Uint8Array(side * side).fill(t.col + t.row));
  expect(blender.waiting).toBe(0);
  return cores;
}

describe('TileBlender', () => {
  const cases = [
    { name: 'halo wider than the radius (feathered overlaps), partial edge tiles', scene: { width: 150, height: 110 }, tileSize: 48, halo: 8, radius: 2 },
    { name: 'halo equal to the radius', scene: { width: 100, height: 100 }, tileSize: 32, halo: 4, radius: 4 },
    { name: 'a halo wider than the interior of a small tile', scene: { width: 70, height: 40 }, tileSize: 16, halo: 10, radius: 1 },
  ];
  for (const c of cases) {
    it(`equals the weighted average of the windows, in any order of arrival: ${c.name}`, async () => {
      const grid = makeTileGrid(c.scene, { tileSize: c.tileSize, halo: c.halo });
      const random = seededRandom(5);
      const side = c.tileSize + 2 * c.halo;
      const windows = new Map(grid.tiles.map((t) => [t.id, Float32Array.from({ length: side * side * K }, () => random())]));
      // Rows in order, so that every pixel gets its windows' contributions in the order the reference adds them.
      const cores = await blend(grid, windows, c.radius, grid.tiles);
      const expected = reference(grid, windows, c.radius);
      for (const t of grid.tiles) {
        expect(Buffer.from(cores.get(t.id)!.probabilities.buffer).equals(Buffer.from(expected.get(t.id)!.buffer))).toBe(true);
        // Status is the tile's own core, cut out of its window.
        expect(cores.get(t.id)!.status.every((v) => v === t.col + t.row)).toBe(true);
      }
      // Another order of arrival changes only the order of additions: equal to float rounding.
      const shuffled = [...grid.tiles].sort((a, b) => ((a.col * 7 + a.row * 13) % 5) - ((b.col * 7 + b.row * 13) % 5));
      const again = await blend(grid, windows, c.radius, shuffled);
      for (const t of grid.tiles) {
        const a = again.get(t.id)!.probabilities;
        const e = expected.get(t.id)!;
        for (let i = 0; i < e.length; i++) expect(Math.abs(a[i] - e[i])).toBeLessThan(1e-6);
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { gridId, makeTileGrid } from '../../pipeline/tiling/tile-grid.js';

describe('tile grid', () => {
  it('cores partition the scene exactly, edge tiles clipped, read windows a fixed square around them', () => {
    const scene = { width: 1000, height: 730 };
    const grid = makeTileGrid(scene, { tileSize: 256, halo: 16 });
    expect([grid.tilesAcross, grid.tilesDown, grid.tiles.length]).toEqual([4, 3, 12]);
    const owner = new Int32Array(scene.width * scene.height);
    for (const t of grid.tiles) {
      for (let r = t.core.row; r < t.core.row + t.core.height; r++) for (let c = t.core.col; c < t.core.col + t.core.width; c++) owner[r * scene.width + c]++;
      expect(t.read).toEqual({ col: t.core.col - 16, row: t.core.row - 16, width: 288, height: 288 });
    }
    expect(owner.every((n) => n === 1)).toBe(true);
    const last = grid.tiles[grid.tiles.length - 1];
    expect(last).toMatchObject({ id: 'r0002c0003', core: { col: 768, row: 512, width: 232, height: 218 } });
  });

  it('ids do not depend on which tiles are selected; a 10980 x 10980 grid is cheap', () => {
    const all = makeTileGrid({ width: 10980, height: 10980 }, { tileSize: 512, halo: 32 });
    const some = makeTileGrid({ width: 10980, height: 10980 }, { tileSize: 512, halo: 32 }, (t) => t.col % 3 === 1 && t.row > 17);
    expect(all.tiles.length).toBe(22 * 22);
    const byId = new Map(all.tiles.map((t) => [t.id, t]));
    for (const t of some.tiles) expect(byId.get(t.id)).toEqual(t);
    expect(some.tiles.map((t) => t.id)).toEqual([...some.tiles.map((t) => t.id)].sort());
    expect(gridId({ width: 10980, height: 10980 }, { tileSize: 512, halo: 32 })).toBe('10980x10980-t512-h32');
  });

  it('refuses bad specs with the reason', () => {
    expect(() => makeTileGrid({ width: 0, height: 5 }, { tileSize: 256, halo: 0 })).toThrow(/empty scene/);
    expect(() => makeTileGrid({ width: 50, height: 50 }, { tileSize: 8, halo: 0 })).toThrow(/tile size must be an integer >= 16/);
    expect(() => makeTileGrid({ width: 50, height: 50 }, { tileSize: 32, halo: 32 })).toThrow(/halo must be/);
  });
});

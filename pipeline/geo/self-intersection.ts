import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * The first point where edges of a polygon cross each other (rings of a polygon, or parts of a multipolygon),
 * or null. Only proper crossings count: rings touching at a vertex are allowed. Edges are bucketed on a grid,
 * so this stays fast on detailed boundaries with hundreds of thousands of vertices.
 */
export function findSelfIntersection(geometry: Polygon | MultiPolygon): Position | null {
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  const segs: number[] = []; // x0, y0, x1, y1 per segment
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of rings) {
    for (let i = 0; i < ring.length - 1; i++) {
      const [x0, y0] = ring[i];
      const [x1, y1] = ring[i + 1];
      segs.push(x0, y0, x1, y1);
      minX = Math.min(minX, x0, x1);
      maxX = Math.max(maxX, x0, x1);
      minY = Math.min(minY, y0, y1);
      maxY = Math.max(maxY, y0, y1);
    }
  }
  const n = segs.length / 4;
  if (n < 3) return null;
  const cells = Math.max(1, Math.ceil(Math.sqrt(n)));
  const cw = (maxX - minX) / cells || 1;
  const ch = (maxY - minY) / cells || 1;
  const grid = new Map<number, number[]>();
  const cellOf = (x: number, y: number) => [Math.min(cells - 1, Math.floor((x - minX) / cw)), Math.min(cells - 1, Math.floor((y - minY) / ch))];
  for (let s = 0; s < n; s++) {
    const [ax, ay] = cellOf(Math.min(segs[4 * s], segs[4 * s + 2]), Math.min(segs[4 * s + 1], segs[4 * s + 3]));
    const [bx, by] = cellOf(Math.max(segs[4 * s], segs[4 * s + 2]), Math.max(segs[4 * s + 1], segs[4 * s + 3]));
    for (let gy = ay; gy <= by; gy++) {
      for (let gx = ax; gx <= bx; gx++) {
        const key = gy * cells + gx;
        const list = grid.get(key);
        if (list) list.push(s);
        else grid.set(key, [s]);
      }
    }
  }
  const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
  for (const list of grid.values()) {
    for (let i = 0; i < list.length; i++) {
      const p = 4 * list[i];
      for (let j = i + 1; j < list.length; j++) {
        const q = 4 * list[j];
        const [ax, ay, bx, by] = [segs[p], segs[p + 1], segs[p + 2], segs[p + 3]];
        const [cx, cy, dx, dy] = [segs[q], segs[q + 1], segs[q + 2], segs[q + 3]];
        if (orient(ax, ay, bx, by, cx, cy) * orient(ax, ay, bx, by, dx, dy) >= 0) continue;
        if (orient(cx, cy, dx, dy, ax, ay) * orient(cx, cy, dx, dy, bx, by) >= 0) continue;
        const t = ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / ((bx - ax) * (dy - cy) - (by - ay) * (dx - cx));
        return [ax + t * (bx - ax), ay + t * (by - ay)];
      }
    }
  }
  return null;
}

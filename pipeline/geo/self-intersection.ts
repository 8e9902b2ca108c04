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

/** Where a polygon's rings sit wrongly though no edges cross: what findRingProblem reports. */
export interface RingProblem {
  kind: 'hole-outside-shell' | 'nested-holes' | 'overlapping-parts';
  /** A vertex of the offending ring, for the message. */
  at: Position;
  /** Human-readable, naming the rings ("hole 1 of part 2"). */
  message: string;
}

interface RingInfo {
  ring: Position[];
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

function ringInfo(ring: Position[]): RingInfo {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of ring) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { ring, minX, minY, maxX, maxY };
}

/** 1 inside the ring, -1 outside, 0 on its boundary (even-odd ray casting). */
function pointInRing(x: number, y: number, ring: Position[]): number {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    // On the edge (collinear and within its box)?
    if ((xj - xi) * (y - yi) - (yj - yi) * (x - xi) === 0 && Math.min(xi, xj) <= x && x <= Math.max(xi, xj) && Math.min(yi, yj) <= y && y <= Math.max(yi, yj)) return 0;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? 1 : -1;
}

/**
 * Whether ring `a` lies inside ring `b`, given that their edges do not cross: decided by the first vertex of `a`
 * not on `b` (then an edge midpoint); a ring whose every vertex and midpoint lies on `b` is taken as coinciding
 * (inside). Cost: one point-in-polygon test, O(|b|), in the usual case.
 */
function ringInside(a: RingInfo, b: RingInfo): boolean {
  if (a.minX < b.minX || a.maxX > b.maxX || a.minY < b.minY || a.maxY > b.maxY) return false;
  for (let i = 0; i < a.ring.length - 1; i++) {
    const side = pointInRing(a.ring[i][0], a.ring[i][1], b.ring);
    if (side !== 0) return side > 0;
  }
  for (let i = 0; i < a.ring.length - 1; i++) {
    const side = pointInRing((a.ring[i][0] + a.ring[i + 1][0]) / 2, (a.ring[i][1] + a.ring[i + 1][1]) / 2, b.ring);
    if (side !== 0) return side > 0;
  }
  return true;
}

/** Pairs of items whose boxes overlap (sort and sweep on x), for pairwise ring tests without O(n²) on many rings. */
function overlappingPairs(items: RingInfo[], visit: (i: number, j: number) => boolean): boolean {
  const order = items.map((_, i) => i).sort((p, q) => items[p].minX - items[q].minX);
  for (let a = 0; a < order.length; a++) {
    const p = items[order[a]];
    for (let b = a + 1; b < order.length && items[order[b]].minX <= p.maxX; b++) {
      const q = items[order[b]];
      if (q.minY > p.maxY || q.maxY < p.minY) continue;
      if (visit(order[a], order[b])) return true;
    }
  }
  return false;
}

/**
 * For a polygon or multipolygon whose edges do not cross (see findSelfIntersection; call it first): a hole
 * outside its shell, a hole inside another hole, or a part inside another part (its area counted twice), or null.
 * Rings whose edges do not cross are either nested or apart, so a bounding box and one point-in-polygon test per
 * pair of rings with overlapping boxes decide it. Not caught: parts overlapping along shared collinear edges only.
 */
export function findRingProblem(geometry: Polygon | MultiPolygon): RingProblem | null {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const multi = geometry.type === 'MultiPolygon';
  const name = (p: number, hole?: number) => (hole === undefined ? (multi ? `the shell of part ${p}` : 'the shell') : multi ? `hole ${hole} of part ${p}` : `hole ${hole}`);
  const shells: RingInfo[] = [];
  const holesOf: RingInfo[][] = [];
  for (const [p, rings] of polygons.entries()) {
    const shell = ringInfo(rings[0]);
    const holes = rings.slice(1).map(ringInfo);
    shells.push(shell);
    holesOf.push(holes);
    for (const [h, hole] of holes.entries()) {
      if (!ringInside(hole, shell)) return { kind: 'hole-outside-shell', at: hole.ring[0], message: `${name(p, h + 1)} lies outside ${name(p)}` };
    }
    let problem: RingProblem | null = null;
    overlappingPairs(holes, (i, j) => {
      const [inner, outer] = ringInside(holes[i], holes[j]) ? [i, j] : ringInside(holes[j], holes[i]) ? [j, i] : [-1, -1];
      if (inner < 0) return false;
      problem = { kind: 'nested-holes', at: holes[inner].ring[0], message: `${name(p, inner + 1)} lies inside ${name(p, outer + 1)}` };
      return true;
    });
    if (problem) return problem;
  }
  // Part i inside part j's area: inside its shell and in none of its holes (an island in a lake is fine).
  const insidePart = (i: number, j: number) => ringInside(shells[i], shells[j]) && !holesOf[j].some((h) => ringInside(shells[i], h));
  let problem: RingProblem | null = null;
  overlappingPairs(shells, (i, j) => {
    const [inner, outer] = insidePart(i, j) ? [i, j] : insidePart(j, i) ? [j, i] : [-1, -1];
    if (inner < 0) return false;
    problem = { kind: 'overlapping-parts', at: shells[inner].ring[0], message: `part ${inner} lies inside part ${outer} (overlapping parts: its area would count twice)` };
    return true;
  });
  return problem;
}

/** Why a polygon cannot be used as an area (crossing edges, a misplaced hole, nested parts), or null if it can. */
export function invalidPolygonReason(geometry: Polygon | MultiPolygon): string | null {
  const crossing = findSelfIntersection(geometry);
  if (crossing) return `is self-intersecting (first crossing near ${crossing[0]}, ${crossing[1]})`;
  const rings = findRingProblem(geometry);
  if (rings) return `is an invalid polygon: ${rings.message} (near ${rings.at[0]}, ${rings.at[1]})`;
  return null;
}

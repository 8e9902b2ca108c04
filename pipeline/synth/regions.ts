import { hash2 } from './noise.js';

/**
 * K regions that tile a W x H rectangle exactly: the Voronoi cells of K seeded sites, each computed by
 * clipping the rectangle with the half-planes closer to its site. Convex, simple, gap- and overlap-free.
 * Coordinates are scene metres (x east, y south).
 */
export function voronoiRegions(width: number, height: number, k: number, seed: number): { code: string; ring: [number, number][] }[] {
  const sites = Array.from({ length: k }, (_, i) => [width * (0.05 + 0.9 * hash2(i, 1, seed + 51)), height * (0.05 + 0.9 * hash2(i, 2, seed + 51))]);
  return sites.map(([sx, sy], i) => {
    let poly: [number, number][] = [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ];
    sites.forEach(([ox, oy], j) => {
      if (j === i) return;
      // Keep points p with (p - m) . (o - s) <= 0, m the midpoint: the side of the bisector nearer to s.
      const nx = ox - sx;
      const ny = oy - sy;
      const c = (nx * (sx + ox)) / 2 + (ny * (sy + oy)) / 2;
      poly = clip(poly, (p) => nx * p[0] + ny * p[1] - c);
    });
    return { code: `R${String(i + 1).padStart(2, '0')}`, ring: [...poly, poly[0]] };
  });
}

/** Sutherland–Hodgman clipping of a convex polygon against side(p) <= 0. */
function clip(poly: [number, number][], side: (p: [number, number]) => number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i];
    const b = poly[(i + 1) % poly.length];
    const sa = side(a);
    const sb = side(b);
    if (sa <= 0) out.push(a);
    if ((sa < 0 && sb > 0) || (sa > 0 && sb < 0)) {
      const t = sa / (sa - sb);
      out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
    }
  }
  return out;
}

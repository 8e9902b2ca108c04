/**
 * Connected components (8-connectivity) of a 0/1 mask, by union-find in one raster pass and a relabelling pass:
 * no recursion, so scene-sized masks are fine. Components smaller than `minSize` pixels are dropped; the rest are
 * numbered 1..count in raster order of their first pixel.
 */
export function labelComponents(mask: Uint8Array, width: number, height: number, minSize = 1): { labels: Int32Array; count: number; sizes: number[] } {
  const parent = new Int32Array(width * height).fill(-1);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root];
    while (parent[i] !== root) {
      const next = parent[i];
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb); // the earlier pixel stays root: raster order
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      parent[i] = i;
      // Neighbours already visited: west, north-west, north, north-east.
      if (x > 0 && mask[i - 1]) union(i, i - 1);
      if (y > 0) {
        if (x > 0 && mask[i - width - 1]) union(i, i - width - 1);
        if (mask[i - width]) union(i, i - width);
        if (x < width - 1 && mask[i - width + 1]) union(i, i - width + 1);
      }
    }
  }
  const size = new Map<number, number>();
  for (let i = 0; i < parent.length; i++) if (parent[i] >= 0) size.set(find(i), (size.get(find(i)) ?? 0) + 1);
  const labels = new Int32Array(width * height);
  const number = new Map<number, number>();
  const sizes: number[] = [];
  for (let i = 0; i < parent.length; i++) {
    if (parent[i] < 0) continue;
    const root = find(i);
    const n = size.get(root)!;
    if (n < minSize) continue;
    let label = number.get(root);
    if (label === undefined) {
      sizes.push(n);
      label = sizes.length;
      number.set(root, label);
    }
    labels[i] = label;
  }
  return { labels, count: sizes.length, sizes };
}

/**
 * Object-level agreement of two instance rasters (0 = background): pairs ranked by IoU and matched one-to-one,
 * greedily, counting those with IoU ≥ `minIou` (SpaceNet's rule at 0.5). Ties go to lower ids, so results are stable.
 */
export function matchObjects(
  predicted: Int32Array,
  reference: Int32Array,
  minIou = 0.5,
): { predictedCount: number; referenceCount: number; matched: number; precision: number | null; recall: number | null; f1: number | null; pairs: { predicted: number; reference: number; iou: number }[] } {
  const predictedSize = new Map<number, number>();
  const referenceSize = new Map<number, number>();
  const overlap = new Map<string, number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const r = reference[i];
    if (p) predictedSize.set(p, (predictedSize.get(p) ?? 0) + 1);
    if (r) referenceSize.set(r, (referenceSize.get(r) ?? 0) + 1);
    if (p && r) overlap.set(`${p},${r}`, (overlap.get(`${p},${r}`) ?? 0) + 1);
  }
  const candidates = [...overlap].map(([key, n]) => {
    const [p, r] = key.split(',').map(Number);
    return { predicted: p, reference: r, iou: n / (predictedSize.get(p)! + referenceSize.get(r)! - n) };
  });
  candidates.sort((a, b) => b.iou - a.iou || a.predicted - b.predicted || a.reference - b.reference);
  const usedP = new Set<number>();
  const usedR = new Set<number>();
  const pairs: { predicted: number; reference: number; iou: number }[] = [];
  for (const c of candidates) {
    if (c.iou < minIou) break;
    if (usedP.has(c.predicted) || usedR.has(c.reference)) continue;
    usedP.add(c.predicted);
    usedR.add(c.reference);
    pairs.push(c);
  }
  const predictedCount = predictedSize.size;
  const referenceCount = referenceSize.size;
  const matched = pairs.length;
  const precision = predictedCount ? matched / predictedCount : null;
  const recall = referenceCount ? matched / referenceCount : null;
  const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { predictedCount, referenceCount, matched, precision, recall, f1, pairs };
}

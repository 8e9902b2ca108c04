import type { PreparedTile } from './preprocess-tile.js';

/**
 * Fits z-score normalisation parameters from prepared tiles (valid pixels only), streaming and
 * numerically stable (Chan et al.'s parallel form of Welford's update, per tile). Deterministic for a given tile order.
 */
export function createNormalisationFitter(channels: string[]) {
  const nc = channels.length;
  let count = 0;
  const mean = new Float64Array(nc);
  const m2 = new Float64Array(nc);
  return {
    add(tile: PreparedTile): void {
      if (tile.channels.join() !== channels.join()) throw new Error(`tile channels ${tile.channels.join()} differ from ${channels.join()}`);
      const tMean = new Float64Array(nc);
      const tM2 = new Float64Array(nc);
      let n = 0;
      for (let i = 0; i < tile.valid.length; i++) {
        if (!tile.valid[i]) continue;
        n++;
        const base = i * nc;
        for (let c = 0; c < nc; c++) {
          const d = tile.data[base + c] - tMean[c];
          tMean[c] += d / n;
          tM2[c] += d * (tile.data[base + c] - tMean[c]);
        }
      }
      if (n === 0) return;
      const total = count + n;
      for (let c = 0; c < nc; c++) {
        const delta = tMean[c] - mean[c];
        mean[c] += (delta * n) / total;
        m2[c] += tM2[c] + (delta * delta * count * n) / total;
      }
      count = total;
    },
    result(): { mean: number[]; std: number[]; count: number } {
      const std = Array.from(m2, (v) => (count > 0 ? Math.sqrt(v / count) || 1 : 1));
      return { mean: Array.from(mean), std, count };
    },
  };
}

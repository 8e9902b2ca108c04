/** Winning class per pixel: its id (from `classIds`, by output channel) and its probability. */
export function argmaxClasses(probabilities: Float32Array, classIds: number[]): { ids: Int32Array; confidence: Float32Array } {
  const K = classIds.length;
  const n = probabilities.length / K;
  const ids = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let top = probabilities[i * K];
    for (let k = 1; k < K; k++) {
      const p = probabilities[i * K + k];
      if (p > top) {
        top = p;
        best = k;
      }
    }
    ids[i] = classIds[best];
    confidence[i] = top;
  }
  return { ids, confidence };
}

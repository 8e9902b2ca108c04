import { describe, expect, it, onTestFinished } from 'vitest';
import { initModelRuntime, tf } from '../../pipeline/model/runtime.js';
import { seededRandom } from '../../pipeline/core/random.js';
import { gatherLimit } from '../../pipeline/model/wasm-training-kernels.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** dLoss/dFilter and dLoss/dInput of sum(conv2d(x, w)²) on a backend, with fixed seeded inputs. */
async function gradients(backend: 'cpu' | 'wasm', xShape: number[], wShape: number[], stride: number, pad: Pad) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(xShape as [number, number, number, number], 0, 1, 'float32', 11) as tf.Tensor4D;
    const w = tf.randomNormal(wShape as [number, number, number, number], 0, 1, 'float32', 12) as tf.Tensor4D;
    const [dx, dw] = tf.grads((input, filter) => tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, stride, pad as 'same', 'NHWC'))))([x, w]);
    return { dx: dx.dataSync().slice() as Float32Array, dw: dw.dataSync().slice() as Float32Array };
  });
}

function expectClose(ours: Float32Array, reference: Float32Array) {
  expect(ours.length).toBe(reference.length);
  const scale = Math.max(...reference.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  expect(worst).toBeLessThan(1e-4 * scale);
}

describe('wasm training kernels (Conv2DBackpropFilter, Conv2DBackpropInput)', () => {
  const cases: Array<{ name: string; x: number[]; w: number[]; stride: number; pad: Pad; dilation?: number }> = [
    { name: '3x3 same', x: [2, 9, 11, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { name: '3x3 valid', x: [2, 9, 11, 3], w: [3, 3, 3, 4], stride: 1, pad: 'valid' },
    { name: 'batch larger than one gather slice', x: [3, 40, 40, 16], w: [3, 3, 16, 8], stride: 1, pad: 'same' },
    { name: '3x3 valid stride 2', x: [2, 9, 11, 3], w: [3, 3, 3, 4], stride: 2, pad: 'valid' },
    { name: '3x3 same stride 2 (odd padding)', x: [1, 10, 7, 5], w: [3, 3, 5, 2], stride: 2, pad: 'same' },
    { name: '1x1', x: [3, 6, 6, 8], w: [1, 1, 8, 6], stride: 1, pad: 'valid' },
    { name: '5x3 explicit padding', x: [2, 8, 9, 2], w: [5, 3, 2, 3], stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  ];
  it.each(cases)('matches the cpu backend: $name', async ({ name, x, w, stride, pad }) => {
    await initModelRuntime('wasm');
    const limit = gatherLimit.floats;
    if (name.startsWith('batch larger')) gatherLimit.floats = 9 * 16 * 40 * 40; // one image per slice
    onTestFinished(() => {
      gatherLimit.floats = limit;
    });
    const reference = await gradients('cpu', x, w, stride, pad);
    const ours = await gradients('wasm', x, w, stride, pad);
    expectClose(ours.dw, reference.dw);
    expectClose(ours.dx, reference.dx);
  });

  it('frees its temporaries', async () => {
    await initModelRuntime('wasm');
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 16, 16, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 8, 8], 0, 1, 'float32', 2) as tf.Tensor4D;
    const grad = tf.grads((input, filter) => tf.sum(tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same')));
    tf.dispose(grad([x, w]));
    const before = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) tf.dispose(grad([x, w]));
    expect(tf.memory().numBytes).toBe(before);
    tf.dispose([x, w]);
  });
});

/** ∂/∂x of sum(f(x) · w) by central differences: the reference for piecewise-linear ops (no ties in random data). */
function numericGradient(f: (x: tf.Tensor4D) => tf.Tensor, x: Float32Array, shape: [number, number, number, number]): Float32Array {
  const weights = tf.tidy(() => tf.randomNormal(f(tf.tensor4d(x, shape)).shape, 0, 1, 'float32', 7).dataSync().slice());
  const loss = (v: Float32Array) => tf.tidy(() => tf.sum(tf.mul(f(tf.tensor4d(v, shape)), tf.tensor(weights, f(tf.tensor4d(v, shape)).shape))).dataSync()[0]);
  const eps = 1e-2;
  return Float32Array.from(x, (_, i) => {
    const up = x.slice();
    const down = x.slice();
    up[i] += eps;
    down[i] -= eps;
    return (loss(up) - loss(down)) / (2 * eps);
  });
}

describe('wasm pooling and upsampling gradients', () => {
  const ops: Array<{ name: string; f: (x: tf.Tensor4D) => tf.Tensor }> = [
    { name: 'max pooling 2x2', f: (x) => tf.maxPool(x, 2, 2, 'valid') },
    { name: 'max pooling 3x3 stride 2 same', f: (x) => tf.maxPool(x, 3, 2, 'same') },
    { name: 'nearest upsampling x2 (UpSampling2D)', f: (x) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]) },
    { name: 'nearest resize to 7x5, half-pixel centres', f: (x) => tf.image.resizeNearestNeighbor(x, [7, 5], false, true) },
  ];
  // Batch 2: tfjs 4.22's own ResizeNearestNeighborGrad (cpu and wasm) adds every image's gradient into the first.
  it.each(ops)('matches central differences: $name', async ({ f }) => {
    await initModelRuntime('wasm');
    await tf.setBackend('wasm');
    const shape: [number, number, number, number] = [2, 6, 6, 2];
    // Distinct values 0.1 apart in shuffled order: no two within the difference step, so no max flips.
    const random = seededRandom(9);
    const order = Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => i).sort(() => random() - 0.5);
    const x = Float32Array.from(order, (v) => v * 0.1);
    const reference = numericGradient(f, x, shape);
    const weights = tf.tidy(() => tf.randomNormal(f(tf.tensor4d(x, shape)).shape, 0, 1, 'float32', 7).dataSync().slice());
    const ours = tf.tidy(() => {
      const w = tf.tensor(weights, f(tf.tensor4d(x, shape)).shape);
      return tf.grad((v) => tf.sum(tf.mul(f(v as tf.Tensor4D), w)))(tf.tensor4d(x, shape)).dataSync().slice() as Float32Array;
    });
    for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(reference[i], 2);
  });
});

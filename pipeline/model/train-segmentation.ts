import { SatError } from '../core/errors.js';
import { seededRandom } from '../core/random.js';
import { tf } from './runtime.js';

/** What the network learns from: normalised features and, per pixel, the index of its class in the model's list. */
export interface TrainingSet {
  width: number;
  height: number;
  channels: number;
  /** HWC, normalised; 0 where invalid. */
  features: Float32Array;
  /** Class index 0..K-1 where the pixel is a training pixel, -1 elsewhere (test blocks, unlabelled, invalid). */
  target: Int32Array;
  classes: number;
}

export interface TrainOptions {
  epochs: number;
  /** Side of the square training patches; a multiple of the network's `multipleOf`. */
  patchSize: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Random flips and transposes of each patch (land cover and buildings look the same from any side). */
  augment: boolean;
  /**
   * How patch anchors are spread over classes: a class is picked with probability ∝ (its pixel count)^balance,
   * so 0 follows the data, 1 treats classes alike (rare buildings), 0.5 lifts rare classes without drowning the rest.
   */
  classBalance: number;
  /**
   * Weight of a soft Dice loss on the last class (buildings) added to the cross-entropy: Dice looks at the overlap of
   * the whole predicted and true masks, so a rare class is not drowned by background pixels. 0 = cross-entropy only.
   */
  diceWeight?: number;
  onStep?: (done: number, total: number, loss: number) => void;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
}

/**
 * Trains a fully convolutional network on random patches with a masked cross-entropy: only training pixels
 * count, so held-out blocks and unlabelled pixels never reach the loss. Patches are drawn around anchor pixels
 * picked class by class (see `classBalance`). Seeded: same data, options and seed → same weights (on the same backend).
 */
export async function trainSegmentation(model: tf.LayersModel, data: TrainingSet, o: TrainOptions): Promise<EpochRecord[]> {
  const byClass: number[][] = Array.from({ length: data.classes }, () => []);
  for (let i = 0; i < data.target.length; i++) if (data.target[i] >= 0) byClass[data.target[i]].push(i);
  const trainPixels = byClass.reduce((n, list) => n + list.length, 0);
  if (trainPixels === 0) throw new SatError('E_INPUT', 'the training set is empty: no labelled, valid pixel outside the held-out blocks');
  const present = byClass.map((list, k) => ({ k, n: list.length })).filter((c) => c.n > 0);
  const weights = present.map((c) => c.n ** o.classBalance);
  const weightSum = weights.reduce((a, b) => a + b, 0);

  const P = o.patchSize;
  const patchesPerEpoch = Math.max(o.batchSize, Math.ceil((2 * trainPixels) / (P * P)));
  const stepsPerEpoch = Math.ceil(patchesPerEpoch / o.batchSize);
  const random = seededRandom(o.seed);
  const optimizer = tf.train.adam(o.learningRate);
  const history: EpochRecord[] = [];
  const C = data.channels;
  const x = new Float32Array(o.batchSize * P * P * C);
  const labels = new Int32Array(o.batchSize * P * P);
  const mask = new Float32Array(o.batchSize * P * P);

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const started = performance.now();
    let lossSum = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      for (let b = 0; b < o.batchSize; b++) {
        // Anchor: a class (∝ its size ^ classBalance), then one of its pixels; the patch is a random one containing it.
        let u = random() * weightSum;
        let c = 0;
        while (c < present.length - 1 && u >= weights[c]) u -= weights[c++];
        const list = byClass[present[c].k];
        const anchor = list[Math.floor(random() * list.length)];
        const x0 = (anchor % data.width) - Math.floor(random() * P);
        const y0 = Math.floor(anchor / data.width) - Math.floor(random() * P);
        const flip = o.augment ? Math.floor(random() * 8) : 0;
        copyPatch(data, x0, y0, P, flip, x, labels, mask, b);
      }
      // The loss is read back asynchronously: the webgpu backend cannot read synchronously in Node.
      const lossTensor = tf.tidy(() => {
        const xs = tf.tensor4d(x, [o.batchSize, P, P, C]);
        const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), data.classes).reshape([o.batchSize, P, P, data.classes]);
        const m = tf.tensor3d(mask, [o.batchSize, P, P]);
        const value = optimizer.minimize(() => {
          const p = model.apply(xs, { training: true }) as tf.Tensor4D;
          const picked = tf.sum(tf.mul(p, onehot), -1);
          const nll = tf.neg(tf.log(tf.add(picked, 1e-7)));
          const ce = tf.div(tf.sum(tf.mul(nll, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
          if (!o.diceWeight) return ce;
          const last = data.classes - 1;
          const pk = tf.mul(tf.slice(p, [0, 0, 0, last], [-1, -1, -1, 1]).reshape([o.batchSize, P, P]), m);
          const yk = tf.mul(tf.slice(onehot, [0, 0, 0, last], [-1, -1, -1, 1]).reshape([o.batchSize, P, P]), m);
          const dice = tf.sub(1, tf.div(tf.add(tf.mul(2, tf.sum(tf.mul(pk, yk))), 1), tf.add(tf.add(tf.sum(pk), tf.sum(yk)), 1)));
          return tf.add(ce, tf.mul(o.diceWeight, dice)) as tf.Scalar;
        }, true);
        return value!;
      });
      const loss = (await lossTensor.data())[0];
      lossTensor.dispose();
      lossSum += loss;
      o.onStep?.((epoch - 1) * stepsPerEpoch + step + 1, o.epochs * stepsPerEpoch, loss);
    }
    history.push({ epoch, loss: lossSum / stepsPerEpoch, seconds: (performance.now() - started) / 1000 });
  }
  optimizer.dispose();
  return history;
}

/**
 * Copies one patch into slot `b` of the batch, transformed by one of the 8 symmetries of the square
 * (bit 0: flip x, bit 1: flip y, bit 2: transpose); pixels outside the scene are 0 with no label.
 */
function copyPatch(data: TrainingSet, x0: number, y0: number, P: number, flip: number, x: Float32Array, labels: Int32Array, mask: Float32Array, b: number): void {
  const C = data.channels;
  const base = b * P * P;
  for (let py = 0; py < P; py++) {
    for (let px = 0; px < P; px++) {
      let sx = flip & 4 ? py : px;
      let sy = flip & 4 ? px : py;
      if (flip & 1) sx = P - 1 - sx;
      if (flip & 2) sy = P - 1 - sy;
      const gx = x0 + sx;
      const gy = y0 + sy;
      const o = base + py * P + px;
      if (gx < 0 || gy < 0 || gx >= data.width || gy >= data.height) {
        x.fill(0, o * C, o * C + C);
        labels[o] = 0;
        mask[o] = 0;
        continue;
      }
      const i = gy * data.width + gx;
      x.set(data.features.subarray(i * C, i * C + C), o * C);
      const t = data.target[i];
      labels[o] = t >= 0 ? t : 0;
      mask[o] = t >= 0 ? 1 : 0;
    }
  }
}

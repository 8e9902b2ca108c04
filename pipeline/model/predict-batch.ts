import { tf } from './runtime.js';

/** Class probabilities for a batch of equal windows: input n x size x size x channels (HWC each), output n x size x size x K. */
export function predictBatch(model: tf.LayersModel, input: Float32Array, n: number, size: number, channels: number): Float32Array {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor4d(input, [n, size, size, channels])) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

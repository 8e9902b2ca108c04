import { tf } from './runtime.js';

/** Class probabilities for a batch of equal windows: input n x size x size x channels (HWC each), output n x size x size x K. */
export function predictBatch(model: tf.LayersModel, input: Float32Array, n: number, size: number, channels: number): Float32Array {
  // The typed array is read outside tidy(): tidy walks whatever its callback returns, element by element.
  const out = tf.tidy(() => model.predict(tf.tensor4d(input, [n, size, size, channels])) as tf.Tensor);
  try {
    return out.dataSync() as Float32Array;
  } finally {
    out.dispose();
  }
}

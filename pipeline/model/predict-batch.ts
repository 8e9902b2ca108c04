import { tf } from './runtime.js';

/**
 * Class probabilities for a batch of equal windows: input n x size x size x channels (HWC each), output n x size x size x K.
 * Read back asynchronously: the webgpu backend cannot read synchronously in Node (its dataSync draws through an
 * OffscreenCanvas), and for the CPU backends the result is simply there.
 */
export async function predictBatch(model: tf.LayersModel, input: Float32Array, n: number, size: number, channels: number): Promise<Float32Array> {
  // The typed array is read outside tidy(): tidy walks whatever its callback returns, element by element.
  const out = tf.tidy(() => model.predict(tf.tensor4d(input, [n, size, size, channels])) as tf.Tensor);
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

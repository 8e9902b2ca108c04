import { parentPort, workerData } from 'node:worker_threads';
import { loadModelPackage } from './model-package.js';
import { predictBatch } from './predict-batch.js';
import { initModelRuntime, type BackendPreference } from './runtime.js';

/** One inference thread: its own TensorFlow.js backend and its own copy of the model (wasm runs one thread per backend). */
const { modelDir, backend } = workerData as { modelDir: string; backend: BackendPreference };
const port = parentPort!;

const ready = (async () => {
  const runtime = await initModelRuntime(backend);
  const pkg = await loadModelPackage(modelDir);
  return { runtime, pkg };
})();

ready.then(
  ({ runtime }) => port.postMessage({ type: 'ready', runtime }),
  (err: Error) => port.postMessage({ type: 'failed', error: err.message }),
);

port.on('message', async (msg: { id: number; input: Float32Array; n: number; size: number; channels: number }) => {
  try {
    const { pkg } = await ready;
    const read = await predictBatch(pkg.model, msg.input, msg.n, msg.size, msg.channels);
    // Transferred, so it must own its buffer: the wasm backend's read is already a copy, others may return a view.
    const output = read.byteOffset === 0 && read.byteLength === read.buffer.byteLength ? read : read.slice();
    port.postMessage({ type: 'result', id: msg.id, output }, [output.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ type: 'result', id: msg.id, error: (err as Error).message });
  }
});

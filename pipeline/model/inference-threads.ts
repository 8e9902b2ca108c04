import { createRequire } from 'node:module';
import os from 'node:os';
import type { BackendPreference } from './runtime.js';

// Apart from runtime.ts, so the main thread can size its inference pool without loading TensorFlow.js (15 MB of heap
// that every full garbage collection would mark again): only the inference threads run models.

/**
 * Inference threads for a setting (0 = automatic): one per core for wasm/cpu, which run single-threaded per backend;
 * one for the native backends (tfjs-node uses every core itself; tfjs-node-gpu would open one GPU context per thread)
 * and for webgpu (one device). With 'auto', a native package that resolves counts as native; whether 'auto' lands
 * on webgpu is known only once a thread has looked for an adapter, so the inference pool settles that itself.
 */
export function inferenceThreadCount(setting: number, backend: BackendPreference = 'auto'): number {
  if (setting > 0) return setting;
  const resolves = (name: string) => {
    try {
      createRequire(import.meta.url).resolve(name);
      return true;
    } catch {
      return false;
    }
  };
  const native = backend === 'webgpu' || backend === 'tfjs-node-gpu' || backend === 'tfjs-node' || (backend === 'auto' && (resolves('@tensorflow/tfjs-node-gpu') || resolves('@tensorflow/tfjs-node')));
  return native ? 1 : Math.max(1, os.availableParallelism());
}

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SatError } from '../core/errors.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import { findWebGpu, hasGpuDevice, type GpuAdapterInfo } from './webgpu-adapter.js';

export type BackendPreference = 'auto' | 'webgpu' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

/** Which TensorFlow.js backend runs the models, recorded in every run's manifest. */
export interface RuntimeInfo {
  /** The candidate that loaded: a package name (tfjs-node-gpu, tfjs-node) or a backend (webgpu, wasm, cpu). */
  runtime: Exclude<BackendPreference, 'auto'>;
  /** TensorFlow.js's backend name: 'tensorflow' for tfjs-node(-gpu). */
  backend: string;
  tfjsVersion: string;
  /** Whether the wasm backend runs with SIMD (null for other backends). */
  simd: boolean | null;
  /** The GPU webgpu runs on: vendor, architecture, device, driver (null for other backends). */
  adapter: GpuAdapterInfo | null;
  /** Candidates that were tried before and why they did not load. */
  skipped: { runtime: string; reason: string }[];
}

const ORDER: Exclude<BackendPreference, 'auto'>[] = ['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

let current: RuntimeInfo | null = null;
/** The adapter this thread's navigator.gpu was given (once: tfjs-backend-webgpu keeps the device it opened). */
let webgpuAdapter: GpuAdapterInfo | null = null;

/**
 * Loads one candidate; throws why it cannot run here. With 'auto', webgpu is taken only on a hardware adapter:
 * on a software one (lavapipe) wasm is faster. Asked for by name, any adapter will do (the tests run on lavapipe).
 */
async function load(candidate: Exclude<BackendPreference, 'auto'>, auto: boolean): Promise<{ backend: string; adapter: GpuAdapterInfo | null }> {
  if (candidate === 'webgpu') {
    if (!webgpuAdapter) {
      if (auto && !hasGpuDevice()) throw new Error('no GPU device (/dev/dri/renderD*, /dev/nvidia0, /dev/dxg)');
      const { adapter, expose } = await findWebGpu();
      if (auto && adapter.software) throw new Error(`software adapter (${adapter.device || adapter.driver}): slower than wasm`);
      expose();
      await import('@tensorflow/tfjs-backend-webgpu');
      webgpuAdapter = adapter;
    }
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
    return { backend: 'webgpu', adapter: webgpuAdapter };
  }
  return { backend: await loadCpuOrNative(candidate), adapter: null };
}

async function loadCpuOrNative(candidate: Exclude<BackendPreference, 'auto' | 'webgpu'>): Promise<string> {
  if (candidate === 'tfjs-node-gpu' || candidate === 'tfjs-node') {
    // Optional dependencies: usually absent (their install downloads libtensorflow). A variable specifier keeps
    // TypeScript from requiring them at build time.
    const specifier = `@tensorflow/${candidate}`;
    await import(specifier);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
    return 'tensorflow';
  }
  if (candidate === 'wasm') {
    registerWasmTrainingKernels();
    // The wasm module installs process-wide uncaughtException/unhandledRejection handlers that rethrow;
    // they would bypass our own error reporting, so take them out again.
    const before = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    const ok = await tf.setBackend('wasm');
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
    if (!ok) throw new Error('the wasm backend did not initialise');
    return 'wasm';
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  return 'cpu';
}

/**
 * Picks the TensorFlow.js backend for this thread: the preferred one, or with 'auto' the best that loads
 * (webgpu on a hardware adapter, tfjs-node-gpu, tfjs-node, wasm, cpu). A backend asked for by name that cannot
 * load is an error, not a silent fallback. Later calls return the same runtime unless a different one is asked for.
 */
export async function initModelRuntime(preference: BackendPreference = 'auto'): Promise<RuntimeInfo> {
  if (current && (preference === 'auto' || preference === current.runtime)) return current;
  tf.enableProdMode(); // no debug checks, and no console advice to install tfjs-node
  const candidates = preference === 'auto' ? ORDER : [preference];
  const skipped: RuntimeInfo['skipped'] = [];
  for (const runtime of candidates) {
    try {
      const { backend, adapter } = await load(runtime, preference === 'auto');
      current = {
        runtime,
        backend,
        tfjsVersion: tf.version.tfjs,
        simd: backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null,
        adapter,
        skipped,
      };
      return current;
    } catch (err) {
      skipped.push({ runtime, reason: (err as Error).message.split('\n')[0] });
    }
  }
  const why = skipped.map((s) => `${s.runtime}: ${s.reason}`).join('; ');
  throw new SatError('E_UNSUPPORTED', `TensorFlow.js backend '${preference}' cannot run here (${why})`);
}

export { tf };

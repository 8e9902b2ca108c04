/** The GPU a WebGPU backend runs on, as the manifest records it beside the backend. */
export interface GpuAdapterInfo {
  /** e.g. 'nvidia', 'mesa' (lowercase, as Dawn reports it). */
  vendor: string;
  /** e.g. 'hopper', 'software'. */
  architecture: string;
  device: string;
  /** Dawn's description: the Vulkan driver's name and version (e.g. 'llvmpipe: Mesa 25.0.7 ...', 'NVIDIA: 570.x'). */
  driver: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader): slower than the wasm backend, so 'auto' passes it by. */
  software: boolean;
}

import { existsSync, readdirSync } from 'node:fs';

/** Device names of the CPU Vulkan implementations, for drivers that do not set the fallback flag. */
const SOFTWARE_DEVICES = /llvmpipe|lavapipe|swiftshader/i;

/** What tfjs-backend-webgpu asks for (unless WEBGPU_USE_LOW_POWER_GPU): requesting the same gives the same adapter. */
const ADAPTER_OPTIONS = { powerPreference: 'high-performance' } as const;

/**
 * Whether this machine shows a GPU to user space at all: on Linux a DRM render node (Mesa's hardware drivers), an
 * NVIDIA device or WSL's /dev/dxg. Without one only a software adapter could answer, so 'auto' need not load Dawn,
 * which costs a Vulkan instance and prints the driver's warnings on stderr. Elsewhere: assumed yes.
 */
export function hasGpuDevice(): boolean {
  if (process.platform !== 'linux') return true;
  const renderNodes = existsSync('/dev/dri') && readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  return renderNodes || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

/** A WebGPU adapter found, and how to hand its GPU to tfjs-backend-webgpu. */
export interface FoundWebGpu {
  adapter: GpuAdapterInfo;
  /** Makes the GPU this thread's `navigator.gpu`, as tfjs-backend-webgpu expects: call before importing it. */
  expose(): void;
}

/**
 * Looks for a WebGPU adapter through Dawn (`dawn.node` from the `webgpu` package, on Vulkan) and reports the one
 * tfjs-backend-webgpu will take. Throws why there is none: dawn.node not loadable on this platform, or no adapter
 * (no Vulkan driver; Mesa before 24 offers none). Nothing is made global until `expose()`, so a thread that
 * passes the adapter by keeps no GPU instance alive.
 */
export async function findWebGpu(): Promise<FoundWebGpu> {
  const { create, globals } = await import('webgpu');
  const gpu = create([]);
  const adapter = await gpu.requestAdapter(ADAPTER_OPTIONS);
  if (!adapter) throw new Error('no WebGPU adapter (is a Vulkan driver installed? VK_ICD_FILENAMES selects one)');
  return {
    adapter: describeAdapter(adapter),
    expose() {
      // tfjs-backend-webgpu reads the GPU* constants from globalThis and registers itself only if navigator.gpu
      // exists when it is first imported. Node 21+ has a navigator of its own (without gpu); Node 20 has none.
      const scope = globalThis as { navigator?: object };
      Object.assign(scope, globals);
      if (scope.navigator) Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
      else Object.defineProperty(scope, 'navigator', { value: { gpu }, configurable: true, writable: true });
    },
  };
}

/**
 * The adapter's identity. `adapter.info`'s fields are getters on its prototype, so spreading or JSON-printing it
 * shows `{}`: they are read one by one. Software is told three ways, because implementations differ in which they
 * give: the WebGPU `isFallbackAdapter` flag (Dawn sets it for Vulkan CPU devices, in `info` or, in older versions,
 * on the adapter), Dawn's architecture 'software', and the device names of the known CPU drivers.
 */
export function describeAdapter(adapter: GPUAdapter): GpuAdapterInfo {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const driver = info.description ?? '';
  const flagged = info.isFallbackAdapter === true || (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = flagged || architecture === 'software' || SOFTWARE_DEVICES.test(`${device} ${driver}`);
  return { vendor, architecture, device, driver, software };
}

import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { findWebGpu, type GpuAdapterInfo } from '../../pipeline/model/webgpu-adapter.js';

/** Mesa's software Vulkan driver, as Debian's mesa-vulkan-drivers installs it (.ci/run does). */
const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';

// Lavapipe unless the caller chose a driver: it is the one CI installs, and tests must not depend on the machine's GPU.
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(LAVAPIPE_ICD)) process.env.VK_ICD_FILENAMES = LAVAPIPE_ICD;

async function probe(): Promise<{ adapter: GpuAdapterInfo | null; reason: string }> {
  try {
    return { adapter: (await findWebGpu()).adapter, reason: '' };
  } catch (err) {
    return { adapter: null, reason: (err as Error).message };
  }
}

/** The adapter the webgpu tests run on, or why there is none. */
export const webgpu = await probe();

/**
 * A describe() for tests that need a WebGPU adapter. In CI (which installs lavapipe) a missing adapter is a failure;
 * elsewhere the suite is skipped with the reason, so a machine without a Vulkan driver still passes.
 */
export function describeWithWebGpu(name: string, fn: () => void): void {
  if (webgpu.adapter) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) throw new Error(`no WebGPU adapter: ${webgpu.reason}`);
  console.warn(`[skip] ${name}: no WebGPU adapter (${webgpu.reason})`);
  describe.skip(name, fn);
}

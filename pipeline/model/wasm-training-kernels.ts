import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Training kernels for the wasm backend (tfjs 4.22), checked against the cpu backend's gradients in
 * test/model/wasm-training-kernels.test.ts:
 * - Conv2DBackpropFilter is missing (so convolutional nets could not train on wasm at all);
 * - Conv2DBackpropInput is a plain loop, ~10x slower than the XNNPACK forward convolution;
 * - MaxPoolGrad and ResizeNearestNeighborGrad give wrong gradients (the latter for batches > 1), so a U-Net
 *   would not learn. The first two are rebuilt on the backend's fast kernels (BatchMatMul, Conv2D), the last two
 *   are written out as the exact adjoints of their forward ops.
 */

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Largest gathered input matrix held at once (floats); bigger batches are processed in slices of images. */
export const gatherLimit = { floats: 16 * 1024 * 1024 };

function wasmKernel(name: string): tf.KernelFunc {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc;
}

/**
 * dW[kh, kw, ci, co] = Σ_n X(n shifted by kh, kw)[ci] · dY[n, co], n over batch x outH x outW.
 * The shifted inputs are gathered already transposed, as rows (kh, kw, ci) x columns n, so one plain matrix
 * product per slice of n gives the filter gradient in its own layout ([kh*kw*ci, co]); XNNPACK's transposed-operand
 * path is an order of magnitude slower.
 */
function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${attrs.dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rows = filterHeight * filterWidth * inChannels;
  const perImage = outHeight * outWidth;
  const imagesPerSlice = Math.max(1, Math.min(batchSize, Math.floor(gatherLimit.floats / (rows * perImage))));
  const matMul = wasmKernel('BatchMatMul');
  const accumulated = new Float32Array(rows * outChannels);

  for (let b0 = 0; b0 < batchSize; b0 += imagesPerSlice) {
    const images = Math.min(imagesPerSlice, batchSize - b0);
    const n = images * perImage;
    const gathered = backend.makeOutput([1, rows, n], 'float32');
    const dySlice = backend.makeOutput([1, n, outChannels], 'float32');
    try {
      // Views are taken after allocating: allocation can grow (and move) the wasm heap.
      const xs = backend.typedArrayFromHeap(x) as Float32Array;
      const dys = backend.typedArrayFromHeap(dy) as Float32Array;
      (backend.typedArrayFromHeap(dySlice) as Float32Array).set(dys.subarray(b0 * perImage * outChannels, (b0 + images) * perImage * outChannels));
      const a = backend.typedArrayFromHeap(gathered) as Float32Array;
      for (let kh = 0; kh < filterHeight; kh++) {
        for (let kw = 0; kw < filterWidth; kw++) {
          for (let ci = 0; ci < inChannels; ci++) {
            let o = ((kh * filterWidth + kw) * inChannels + ci) * n;
            for (let b = b0; b < b0 + images; b++) {
              for (let oy = 0; oy < outHeight; oy++) {
                const iy = oy * strideHeight - padTop + kh;
                if (iy < 0 || iy >= inHeight) {
                  a.fill(0, o, o + outWidth);
                  o += outWidth;
                  continue;
                }
                const rowBase = (b * inHeight + iy) * inWidth;
                for (let ox = 0; ox < outWidth; ox++, o++) {
                  const ix = ox * strideWidth - padLeft + kw;
                  a[o] = ix < 0 || ix >= inWidth ? 0 : xs[(rowBase + ix) * inChannels + ci];
                }
              }
            }
          }
        }
      }
      const product = matMul({ inputs: { a: gathered, b: dySlice }, backend: backend as unknown as tf.KernelBackend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
      const values = backend.typedArrayFromHeap(product) as Float32Array;
      for (let i = 0; i < values.length; i++) accumulated[i] += values[i];
      backend.disposeData(product.dataId);
    } finally {
      backend.disposeData(gathered.dataId);
      backend.disposeData(dySlice.dataId);
    }
  }
  return backend.makeOutput(attrs.filterShape, 'float32', undefined, accumulated);
}

let originalBackpropInput: tf.KernelFunc | null = null;

/**
 * For stride 1, dX is the forward correlation of dY with the filter rotated by 180° and its in/out channels
 * swapped, padded by (filter size - 1 - original padding) on each side: XNNPACK's convolution does it.
 * Other strides keep the backend's own kernel.
 */
function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const p = info.padInfo;
  const [fh, fw, ci, co] = filter.shape;
  const pads = [fh - 1 - p.top, fh - 1 - p.bottom, fw - 1 - p.left, fw - 1 - p.right];
  if (attrs.dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1 || pads.some((v) => v < 0)) {
    return originalBackpropInput!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const w = backend.typedArrayFromHeap(filter) as Float32Array;
  const rotated = new Float32Array(w.length);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const src = (kh * fw + kw) * ci * co;
      const dst = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) rotated[dst + o * ci + i] = w[src + i * co + o];
    }
  }
  const flipped = backend.makeOutput([fh, fw, co, ci], 'float32', undefined, rotated);
  try {
    return wasmKernel('Conv2D')({
      inputs: { x: dy, filter: flipped },
      backend: backend as unknown as tf.KernelBackend,
      attrs: { strides: 1, pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]], dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
  } finally {
    backend.disposeData(flipped.dataId);
  }
}

/** Gradient of max pooling: each output's gradient goes to the first maximum of its window (as the cpu backend does). */
function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let c = 0; c < inChannels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let fy = 0; fy < filterHeight; fy++) {
            const iy = oy * strideHeight - top + fy;
            if (iy < 0 || iy >= inHeight) continue;
            for (let fx = 0; fx < filterWidth; fx++) {
              const ix = ox * strideWidth - left + fx;
              if (ix < 0 || ix >= inWidth) continue;
              const i = ((b * inHeight + iy) * inWidth + ix) * inChannels + c;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += g[((b * outHeight + oy) * outWidth + ox) * inChannels + c];
        }
      }
    }
  }
  return out;
}

/** Source index of nearest-neighbour resizing along one axis, as the forward op computes it. */
function nearestSource(outIndex: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const scale = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const frac = halfPixelCenters ? scale * (outIndex + 0.5) : scale * outIndex;
  let source = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  if (halfPixelCenters) source = Math.max(0, source);
  return source;
}

/** Gradient of nearest-neighbour resizing: every output pixel's gradient added to the input pixel it was copied from. */
function resizeNearestNeighborGrad(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
  const [batch, inH, inW, channels] = images.shape;
  const [, outH, outW] = dy.shape;
  const out = backend.makeOutput(images.shape, 'float32');
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const cols = Int32Array.from({ length: outW }, (_, x) => nearestSource(x, inW, outW, alignCorners, halfPixelCenters));
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < outH; y++) {
      const sy = nearestSource(y, inH, outH, alignCorners, halfPixelCenters);
      for (let x = 0; x < outW; x++) {
        const src = ((b * outH + y) * outW + x) * channels;
        const dst = ((b * inH + sy) * inW + cols[x]) * channels;
        for (let c = 0; c < channels; c++) dx[dst + c] += g[src + c];
      }
    }
  }
  return out;
}

function replaceKernel(name: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo): tf.KernelFunc | null {
  const original = tf.getKernel(name, 'wasm');
  if (original) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...(original ?? {}), kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  return original?.kernelFunc ?? null;
}

let registered = false;

/** Registers the training kernels on the wasm backend (once; before the backend is first used). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  replaceKernel('Conv2DBackpropFilter', conv2DBackpropFilter);
  originalBackpropInput = replaceKernel('Conv2DBackpropInput', conv2DBackpropInput);
  replaceKernel('MaxPoolGrad', maxPoolGrad);
  replaceKernel('ResizeNearestNeighborGrad', resizeNearestNeighborGrad);
}

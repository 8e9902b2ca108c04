import { SatError } from '../core/errors.js';
import { tf } from './runtime.js';

/** A network with what prediction needs to know about its geometry. */
export interface Architecture {
  name: string;
  model: tf.LayersModel;
  /** Receptive radius in pixels: a prediction depends on input within this distance only. */
  halo: number;
  /** Input sides must be multiples of this. */
  multipleOf: number;
}

export interface ArchitectureOptions {
  channels: number;
  classes: number;
  seed: number;
  /** Filters of the first level; deeper levels double it. */
  width?: number;
}

/** Seeded initialisers: the same seed gives the same starting weights, so training is reproducible. */
function seeded(seed: number) {
  let k = 0;
  return () => tf.initializers.heNormal({ seed: seed * 1000 + k++ });
}

type Init = () => ReturnType<typeof tf.initializers.heNormal>;

/**
 * Layers are named explicitly: tfjs's automatic names count up across every model built in the process, which
 * would make two identical models' topologies (and package hashes) differ.
 */
function conv(x: tf.SymbolicTensor, name: string, filters: number, size: number, init: Init, activation: 'relu' | 'softmax' = 'relu') {
  return tf.layers
    .conv2d({ name, filters, kernelSize: size, padding: 'same', activation, kernelInitializer: init(), biasInitializer: 'zeros' })
    .apply(x) as tf.SymbolicTensor;
}


/**
 * Land cover: per-pixel classification with a little spatial context (two 3x3 convolutions, radius 2),
 * then 1x1 layers — a fully convolutional pixel classifier, so any tile size works.
 */
export function pixelContextNet(o: ArchitectureOptions): Architecture {
  const init = seeded(o.seed);
  const w = o.width ?? 32;
  const input = tf.input({ name: 'input', shape: [null, null, o.channels] as unknown as number[] });
  let x = conv(input, 'context1', w, 3, init);
  x = conv(x, 'context2', w, 3, init);
  x = conv(x, 'pixel', w, 1, init);
  const output = conv(x, 'classes', o.classes, 1, init, 'softmax');
  return { name: 'pixel-context-fcn', model: tf.model({ name: 'pixel-context-fcn', inputs: input, outputs: output }), halo: 2, multipleOf: 1 };
}

/**
 * Buildings: a small U-Net (Ronneberger et al. 2015) with `levels` poolings; skip connections keep edges sharp.
 * Upsampling is nearest-neighbour + convolution rather than transposed convolution (no checkerboard artefacts).
 */
export function unet(o: ArchitectureOptions & { levels?: number }): Architecture {
  const init = seeded(o.seed);
  const levels = o.levels ?? 2;
  const w = o.width ?? 16;
  const input = tf.input({ name: 'input', shape: [null, null, o.channels] as unknown as number[] });
  const skips: tf.SymbolicTensor[] = [];
  let x: tf.SymbolicTensor = input;
  // Receptive radius, tracked in input pixels: a 3x3 conv at scale s adds s, a 2x2 pool at scale s adds s.
  let radius = 0;
  let scale = 1;
  for (let l = 0; l < levels; l++) {
    x = conv(conv(x, `down${l}a`, w << l, 3, init), `down${l}b`, w << l, 3, init);
    radius += 2 * scale;
    skips.push(x);
    x = tf.layers.maxPooling2d({ name: `pool${l}`, poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    radius += scale;
    scale *= 2;
  }
  x = conv(conv(x, 'bottom_a', w << levels, 3, init), 'bottom_b', w << levels, 3, init);
  radius += 2 * scale;
  for (let l = levels - 1; l >= 0; l--) {
    x = tf.layers.upSampling2d({ name: `up${l}`, size: [2, 2] }).apply(x) as tf.SymbolicTensor;
    scale /= 2;
    radius += scale; // nearest upsampling: an output pixel reads the coarse pixel covering it
    x = tf.layers.concatenate({ name: `skip${l}` }).apply([x, skips[l]]) as tf.SymbolicTensor;
    x = conv(conv(x, `up${l}a`, w << l, 3, init), `up${l}b`, w << l, 3, init);
    radius += 2 * scale;
  }
  const output = conv(x, 'classes', o.classes, 1, init, 'softmax');
  const multipleOf = 2 ** levels;
  return { name: `unet-${levels}`, model: tf.model({ name: `unet-${levels}`, inputs: input, outputs: output }), halo: Math.ceil(radius / multipleOf) * multipleOf, multipleOf };
}

export function buildArchitecture(task: 'landcover' | 'buildings', o: ArchitectureOptions): Architecture {
  if (o.channels < 1 || o.classes < 2) throw new SatError('E_INPUT', `a ${task} model needs at least one input channel and two classes`);
  return task === 'landcover' ? pixelContextNet(o) : unet(o);
}

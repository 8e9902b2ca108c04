import { buildArchitecture } from '../../pipeline/model/architectures.js';
import { saveModelPackage, type ModelMetadata } from '../../pipeline/model/model-package.js';
import { initModelRuntime } from '../../pipeline/model/runtime.js';
import { loadBandRecipe, recipeChannels } from '../../pipeline/preprocess/band-recipe.js';
import { SYNTH_CLASSES } from '../../pipeline/synth/classes.js';

/**
 * An untrained but deterministic model package for synth scenes (recipe synth-s2, 9 channels, 5 classes):
 * enough to test packaging and whole-scene prediction without spending seconds on training.
 */
export async function writeTestModel(dir: string, task: 'landcover' | 'buildings' = 'buildings'): Promise<ModelMetadata> {
  await initModelRuntime('wasm');
  const base = loadBandRecipe('synth-s2');
  const channels = recipeChannels(base);
  const recipe = { ...base, normalisation: { kind: 'zscore' as const, mean: channels.map(() => 0.1), std: channels.map(() => 0.1) } };
  const arch = buildArchitecture(task, { channels: channels.length, classes: SYNTH_CLASSES.length, seed: 3, width: 4 });
  const metadata: ModelMetadata = {
    format: 'satstat-model/1',
    task,
    classes: SYNTH_CLASSES.map((c) => ({ ...c })),
    recipe,
    input: { channels, halo: arch.halo, multipleOf: arch.multipleOf },
    architecture: arch.name,
    training: null,
    metrics: {},
    createdWith: 'test',
  };
  await saveModelPackage(dir, arch.model, metadata);
  arch.model.dispose();
  return metadata;
}

import type { Command } from 'commander';
import { logger } from '../../core/logger.js';
import { readModelMetadata } from '../../model/model-package.js';
import { openRaster, type RasterReader } from '../../raster/open-raster.js';
import { predictScene } from '../../stages/predict-scene.js';
import { cliSettings } from '../cli-settings.js';
import { readAoi, selectTilesForAoi } from '../../tiling/aoi.js';
import type { Tile } from '../../tiling/tile-grid.js';
import { createProgress } from '../progress.js';

export function register(program: Command): void {
  program
    .command('predict')
    .description('classify a whole scene: tiled, batched inference stitched without seams into class, confidence (and probability) GeoTIFFs')
    .requiredOption('--model <dir>', 'model package directory')
    .requiredOption('--imagery <file>', 'GeoTIFF (file or URL) to classify')
    .requiredOption('--out <dir>', 'output directory (classes.tif, confidence.tif, prediction.json)')
    .option('--aux <file>', 'auxiliary raster (cloud mask) for recipes that use one')
    .option('--probabilities', 'also write probabilities.tif, one band per class')
    .option('--aoi <geojson>', 'classify only the tiles an area of interest (one polygon, any CRS) touches; the rest is nodata')
    .option('--backend <name>', 'TensorFlow.js backend: auto, tfjs-node-gpu, tfjs-node, wasm or cpu (default: model.backend of the settings)')
    .option('--config <file>', 'settings file (YAML) over config/default.yaml')
    .action(async (opts) => {
      const settings = cliSettings(opts.config, { backend: opts.backend });
      const metadata = readModelMetadata(opts.model);
      const readers: RasterReader[] = [];
      const bar = createProgress('predict');
      try {
        const scene = await openRaster(opts.imagery, settings.raster);
        readers.push(scene);
        const aux = opts.aux ? await openRaster(opts.aux, settings.raster) : undefined;
        if (aux) readers.push(aux);
        let select;
        if (opts.aoi) {
          const chosen = new Set(selectTilesForAoi(scene.info, { tileSize: settings.tiling.tileSize, halo: 0 }, readAoi(opts.aoi)).grid.tiles.map((t) => t.id));
          select = (tile: Tile) => chosen.has(tile.id);
        }
        const result = await predictScene(
          { scene, aux, modelDir: opts.model, metadata, outDir: opts.out, probabilities: opts.probabilities, select },
          { settings, logger, progress: (f, label) => bar.update(f, label) },
        );
        bar.stop();
        const total = Object.values(result.classPixels).reduce((a, b) => a + b, 0);
        const name = (id: string) => metadata.classes.find((c) => String(c.id) === id)?.name ?? id;
        process.stdout.write(
          [
            `${result.files.classes}: ${scene.info.width} x ${scene.info.height} px in ${result.grid.tiles} tiles of ${result.grid.tileSize} (+${result.grid.halo} halo), ${result.runtime.runtime} on ${result.threads} thread(s), ${result.seconds} s`,
            ...Object.entries(result.classPixels).map(([id, n]) => `  ${name(id).padEnd(20)} ${String(n).padStart(12)} px  ${total ? ((100 * n) / total).toFixed(2) : '0.00'}%`),
            `  ${'masked (nodata)'.padEnd(20)} ${String(result.maskedPixels).padStart(12)} px`,
            '',
          ].join('\n'),
        );
      } finally {
        bar.stop();
        await Promise.all(readers.map((r) => r.close()));
      }
    });
}

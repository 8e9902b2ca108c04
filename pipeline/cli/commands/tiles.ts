import type { Command } from 'commander';
import { openRaster } from '../../raster/open-raster.js';
import { readAoi, selectTilesForAoi } from '../../tiling/aoi.js';
import { gridId, makeTileGrid, type TileGrid } from '../../tiling/tile-grid.js';
import { cliSettings } from '../cli-settings.js';
import { integerOption } from '../parse-options.js';

export function register(program: Command): void {
  program
    .command('tiles')
    .description('the tile grid of a scene, optionally only the tiles an area of interest touches')
    .argument('<imagery>', 'raster file or URL')
    .option('--aoi <geojson>', 'area of interest: a GeoJSON Polygon/MultiPolygon (FeatureCollection, Feature or geometry) in any CRS')
    .option('--tile-size <n>', 'tile edge in pixels (default from settings)', integerOption('--tile-size'))
    .option('--halo <n>', 'halo in pixels (default from settings)', integerOption('--halo'))
    .option('--json', 'print the grid as JSON')
    .action(async (imagery: string, opts: { aoi?: string; tileSize?: number; halo?: number; json?: boolean }) => {
      const settings = cliSettings();
      const spec = { tileSize: opts.tileSize ?? settings.tiling.tileSize, halo: opts.halo ?? settings.tiling.halo };
      const reader = await openRaster(imagery, settings.raster);
      await reader.close();
      let grid: TileGrid;
      if (opts.aoi) {
        grid = selectTilesForAoi(reader.info, spec, readAoi(opts.aoi)).grid;
      } else {
        grid = makeTileGrid(reader.info, spec);
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ grid: gridId(grid, spec), ...grid })}\n`);
        return;
      }
      process.stdout.write(
        `${gridId(grid, spec)}: ${grid.tiles.length} of ${grid.tilesAcross * grid.tilesDown} tiles (${grid.tilesAcross} x ${grid.tilesDown})\n` +
          grid.tiles.map((t) => `${t.id}  core ${t.core.col},${t.core.row} ${t.core.width}x${t.core.height}`).join('\n') +
          '\n',
      );
    });
}

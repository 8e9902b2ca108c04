/**
 * Hostile TIFF headers and blocks (a header is a claim, not a fact): each case ends in a one-line SatError naming the
 * file and the problem, in bounded memory. The files are built by hand (test/helpers/craft-tiff.ts). A hang would be
 * caught by vitest's global timeout; nothing here depends on the machine's speed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { SatError } from '../../pipeline/core/errors.js';
import { BlockSizeError, type BlockCodec } from '../../pipeline/raster/decode/block-codec.js';
import { decodeLzw } from '../../pipeline/raster/decode/bounded-codecs.js';
import { decodeBlock } from '../../pipeline/raster/decode/decode-block.js';
import { DecodePool } from '../../pipeline/raster/decode/decode-pool.js';
import { MAX_IFDS } from '../../pipeline/raster/ifd-chain.js';
import { openRaster } from '../../pipeline/raster/open-raster.js';
import { TIFF_TYPE } from '../../pipeline/raster/tiff-directory.js';
import { craftTiff, lzwZeroBomb, projectedGeoKeys, TAG, zeroBomb, type CraftOptions } from '../helpers/craft-tiff.js';
import { hasGdal } from '../helpers/gdal.js';
import { hasSharedData, repoRoot, sharedPath } from '../helpers/shared-data.js';
import { satFailure } from '../helpers/sat-failure.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'sat-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, options: CraftOptions): string {
  const file = path.join(tmp, name);
  writeFileSync(file, craftTiff(options));
  return file;
}

/** A small valid image: 16 x 8 uint8, one uncompressed strip. */
const small = (extra: Partial<CraftOptions> = {}): CraftOptions => ({ width: 16, height: 8, blocks: [new Uint8Array(128).fill(7)], ...extra });

const failure = satFailure;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// The CLI child writes its peak resident memory (process.resourceUsage().maxRSS, KiB) to a file as it exits.
const preload = path.join(tmp, 'max-rss.cjs');
writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.SAT_MAX_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");

/** `sat ...` in a child; its exit status, stderr and peak memory in MiB. */
function sat(...args: string[]) {
  const rssFile = path.join(tmp, `rss-${Math.random().toString(36).slice(2)}`);
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/sat.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`, SAT_MAX_RSS_FILE: rssFile },
  });
  const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  return { status: res.status, stderr: res.stderr, stdout: res.stdout, peakMiB };
}

/** One stderr line: "sat: error: FILE: problem", no stack trace. */
function expectCliError(res: ReturnType<typeof sat>, file: string, problem: RegExp): void {
  expect(res.status, res.stderr).toBe(2);
  expect(res.stderr).toMatch(new RegExp(`^sat: error: ${escape(file)}: ${problem.source}`));
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
}

describe('IFD chains that loop or never end', () => {
  it('an IFD pointing to itself, classic TIFF and BigTIFF: open refuses it', async () => {
    for (const bigTiff of [false, true]) {
      const file = write(`self-loop-${bigTiff}.tif`, small({ bigTiff, lastNext: (ifds) => ifds[0] }));
      const err = await failure(openRaster(file));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toMatch(new RegExp(`^${escape(file)}: invalid TIFF: the directory chain loops \\(IFD 0 points back to IFD 0 at offset \\d+\\)$`));
    }
  });

  it('an IFD pointing back to an earlier one (3 IFDs, the last to the second), classic and BigTIFF', async () => {
    for (const bigTiff of [false, true]) {
      const file = write(`back-loop-${bigTiff}.tif`, small({ bigTiff, ifdCount: 3, lastNext: (ifds) => ifds[1] }));
      const err = await failure(openRaster(file));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toMatch(/: invalid TIFF: the directory chain loops \(IFD 2 points back to IFD 1 at offset \d+\)$/);
    }
  });

  it(`a chain of ${MAX_IFDS + 1} distinct IFDs is refused; ${MAX_IFDS} are read`, async () => {
    const tooMany = write('too-many.tif', small({ ifdCount: MAX_IFDS + 1 }));
    const err = await failure(openRaster(tooMany));
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toBe(`${tooMany}: invalid TIFF: more than ${MAX_IFDS} image directories (IFDs), the limit`);
    const reader = await openRaster(write('many.tif', small({ ifdCount: MAX_IFDS })));
    expect(reader.info.width).toBe(16);
    await reader.close();
  });

  it('sat info on a looping file exits 2 with one line (it hung before, memory growing)', () => {
    const file = write('cli-loop.tif', small({ ifdCount: 2, lastNext: (ifds) => ifds[0] }));
    const res = sat('info', file);
    expectCliError(res, file, /invalid TIFF: the directory chain loops \(IFD 1 points back to IFD 0 at offset \d+\)\n$/);
    expect(res.peakMiB).toBeLessThan(1024);
  });
});

describe('decompression bombs and short blocks', () => {
  // 1024 x 1024 uint8 in one strip: 1 MiB decoded. The bomb inflates to 3 GiB from 3 MB.
  const strip = { width: 1024, height: 1024, compression: 8 };

  it('sat info --stats on a 3 MB DEFLATE strip that inflates to 3 GiB: exit 2, one line, peak memory far below the bomb', () => {
    const file = write('bomb.tif', { ...strip, blocks: [zeroBomb(3072)] });
    const res = sat('info', '--stats', file);
    expectCliError(
      res,
      file,
      /cannot decode strip 0 \(offset 8, \d+ bytes, deflate\): DEFLATE data inflates to more than the 1024 x 1024 block holds \(1048576 bytes, at most \d+ accepted\): refused as a decompression bomb\n$/,
    );
    // It was 6.5 GB; now inflating stops at one block (+ tsx and node, a few hundred MiB).
    expect(res.peakMiB).toBeLessThan(1024);
  });

  it('bombs decoded on worker threads (over 4 MB of compressed data) fail the same way', async () => {
    const file = write('bomb-pool.tif', { ...strip, rowsPerStrip: 512, blocks: [zeroBomb(2560), zeroBomb(2560)] });
    const reader = await openRaster(file, { decodeThreads: 2 });
    const err = await failure(reader.read());
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toMatch(/bomb-pool\.tif: cannot decode strip \d \(offset \d+, \d+ bytes, deflate\): DEFLATE data inflates to more than the 1024 x 512 block holds/);
    await reader.close();
    const pool = new DecodePool(1);
    const codec: BlockCodec = { compression: 8, dtype: 'uint8', width: 64, rows: 64, samples: 1, predictor: 1, littleEndian: true };
    const poolErr = await pool.decode(codec, zeroBomb(1)).catch((e: Error) => e);
    await pool.close();
    expect((poolErr as Error).name).toBe('BlockSizeError');
  });

  it('LZW and PackBits bombs stop at the block size (their geotiff.js decoders would grow a JS array without bound)', async () => {
    // LZW: 2 cycles of the most expanding codes, ~11 KB -> ~15 MB. PackBits: each pair (-127, 0) repeats a zero
    // 128 times: 64 KiB of pairs -> 4 MiB for a 1 MiB strip.
    const lzw = lzwZeroBomb(2);
    const packed = new Uint8Array(65536);
    for (let i = 0; i < packed.length; i += 2) packed[i] = 0x81;
    for (const [name, compression, block, codecName] of [
      ['lzw-bomb.tif', 5, lzw, 'lzw'],
      ['packbits-bomb.tif', 32773, packed, 'packbits'],
    ] as const) {
      const reader = await openRaster(write(name, { ...strip, compression, blocks: [block] }));
      const err = await failure(reader.read({ col: 0, row: 0, width: 8, height: 8 }));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toMatch(
        new RegExp(`${escape(name)}: cannot decode strip 0 .*${codecName}\\): (LZW|PackBits) data decodes to more than the 1024 x 1024 block holds`),
      );
      await reader.close();
    }
    const codec: BlockCodec = { compression: 5, dtype: 'uint8', width: 1024, rows: 1024, samples: 1, predictor: 1, littleEndian: true };
    await expect(decodeBlock(codec, lzw)).rejects.toBeInstanceOf(BlockSizeError);
    // The LZW bomb is a valid stream: with room enough it decodes to zeros.
    const out = decodeLzw(lzw, 64 << 20, () => new Error('over'));
    expect(out.length).toBeGreaterThan(10_000_000);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it.runIf(hasGdal && hasSharedData)('the bounded LZW, PackBits and LERC+DEFLATE/ZSTD paths read what GDAL writes (strips and tiles, with predictor)', async () => {
    const original = sharedPath('05_geotiff_format_variants/rasterio_cc0/RGBA.uint16.tif');
    const reference = await openRaster(original);
    const expected = await reference.read();
    await reference.close();
    for (const co of [
      ['COMPRESS=LZW'],
      ['COMPRESS=LZW', 'PREDICTOR=2', 'TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32'],
      ['COMPRESS=PACKBITS', 'BLOCKYSIZE=7'],
      ['COMPRESS=LERC_DEFLATE', 'TILED=YES'],
      ['COMPRESS=LERC_ZSTD', 'BLOCKYSIZE=100'],
    ]) {
      const file = path.join(tmp, `gdal-${co.join('-')}.tif`);
      execFileSync('gdal_translate', ['-q', ...co.flatMap((c) => ['-co', c]), original, file]);
      const reader = await openRaster(file);
      const got = await reader.read();
      got.bands.forEach((band, i) => expect(Buffer.from(band.buffer).equals(Buffer.from(expected.bands[i].buffer)), co.join(' ')).toBe(true));
      await reader.close();
    }
  });

  it('ZSTD frames, JPEG streams and LERC blobs declaring more than a block are refused before geotiff.js allocates them', async () => {
    // A ZSTD frame header (single segment, 8-byte content size) declaring 3 GiB.
    const zstd = new Uint8Array(32);
    zstd.set([0x28, 0xb5, 0x2f, 0xfd, 0xe0]);
    new DataView(zstd.buffer).setBigUint64(5, 3n << 30n, true);
    const reader = await openRaster(write('zstd-bomb.tif', { ...strip, compression: 50000, blocks: [zstd] }));
    const err = await failure(reader.read({ col: 0, row: 0, width: 8, height: 8 }));
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toMatch(/zstd-bomb\.tif: cannot decode strip 0 .*zstd\): ZSTD frame declares 3221225472 bytes, more than the 1024 x 1024 block holds/);
    await reader.close();
    // A ZSTD frame that declares no size (written from a stream) and holds 3 MiB of zeros: decoded into a bounded buffer.
    const streamed = Buffer.from('KLUv/QRYVAAAEAAAAQD7/znAAgIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAACABAAAgAQAAIAEAADABAAcrQy5A==', 'base64');
    const unsized = await openRaster(write('zstd-unsized-bomb.tif', { ...strip, compression: 50000, blocks: [streamed] }));
    expect((await failure(unsized.read({ col: 0, row: 0, width: 8, height: 8 }))).message).toMatch(/zstd-unsized-bomb\.tif: cannot decode strip 0 .*ZSTD data does not decode into the 1024 x 1024 block \(1048576 bytes, at most \d+ accepted\): larger \(a decompression bomb\) or corrupt/);
    await unsized.close();
    // A JPEG whose frame (SOF0) is 65535 x 65535 pixels, in a 256 x 256 tile.
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0]);
    const codec: BlockCodec = { compression: 7, dtype: 'uint8', width: 256, rows: 256, samples: 1, predictor: 1, littleEndian: true };
    await expect(decodeBlock(codec, jpeg)).rejects.toThrow(/JPEG frame of 65535 x 65535 pixels is larger than the 256 x 256 block holds/);
    // A LERC2 (version 3) blob declaring 65535 x 65535 values.
    const lerc = new Uint8Array(64);
    lerc.set(Buffer.from('Lerc2 ', 'latin1'));
    const lv = new DataView(lerc.buffer);
    lv.setInt32(6, 3, true);
    lv.setInt32(14, 65535, true);
    lv.setInt32(18, 65535, true);
    await expect(decodeBlock({ ...codec, compression: 34887 }, lerc)).rejects.toThrow(/LERC blob of 65535 x 65535 x 1 values is larger than the 256 x 256 block holds/);
  });

  it('a block that decodes shorter than its rows is truncated data', async () => {
    const reader = await openRaster(write('short.tif', { ...strip, blocks: [deflateSync(new Uint8Array(1000))] }));
    const err = await failure(reader.read());
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toMatch(/short\.tif: cannot decode strip 0 .*: block decoded to 1000 bytes, expected 1048576 \(truncated data\)$/);
    await reader.close();
  });

  it('the last strip of a striped file may hold only its rows, or be stored full (as GDAL reads both)', async () => {
    // 10 x 5 image, 2 rows per strip: strips of 20, 20 and 10 bytes (or 20 when the last is stored full).
    const pixels = Uint8Array.from({ length: 50 }, (_, i) => i);
    for (const lastFull of [false, true]) {
      const last = lastFull ? Uint8Array.from([...pixels.subarray(40), ...new Array(10).fill(99)]) : pixels.subarray(40);
      const blocks = [pixels.subarray(0, 20), pixels.subarray(20, 40), last].map((b) => deflateSync(b));
      const reader = await openRaster(write(`last-strip-${lastFull}.tif`, { width: 10, height: 5, compression: 8, rowsPerStrip: 2, blocks }));
      expect(Array.from((await reader.read()).bands[0])).toEqual(Array.from(pixels));
      await reader.close();
    }
  });
});

describe('georeferencing and sizes that cannot be', () => {
  const geo = (scale: number[], tie: number[], epsg = 32633) => [
    { tag: TAG.ModelPixelScale, type: TIFF_TYPE.DOUBLE, values: scale },
    { tag: TAG.ModelTiepoint, type: TIFF_TYPE.DOUBLE, values: tie },
    projectedGeoKeys(epsg),
  ];

  it('a well-formed crafted file opens, with its CRS and geotransform', async () => {
    const reader = await openRaster(write('good.tif', small({ extra: geo([30, 30, 0], [0, 0, 0, 500000, 4000000, 0]) })));
    expect(reader.info.epsg).toBe(32633);
    expect(reader.info.geotransform).toEqual([500000, 30, 0, 4000000, 0, -30]);
    await reader.close();
  });

  it('NaN or infinite pixel scale, tiepoint or transformation are refused at open; sat info exits 2', async () => {
    const cases: [string, ReturnType<typeof geo>, RegExp][] = [
      ['nan-scale.tif', geo([NaN, 30, 0], [0, 0, 0, 500000, 4000000, 0]), /\[NaN, NaN, 0, 4000000, 0, -30\] \(from ModelPixelScale and ModelTiepoint\) is not finite/],
      ['inf-tie.tif', geo([30, 30, 0], [0, 0, 0, 500000, Infinity, 0]), /\[500000, 30, 0, Infinity, 0, -30\] \(from ModelPixelScale and ModelTiepoint\) is not finite/],
      [
        'inf-matrix.tif',
        [{ tag: TAG.ModelTransformation, type: TIFF_TYPE.DOUBLE, values: [30, 0, 0, -Infinity, 0, -30, 0, 4e6, 0, 0, 0, 0, 0, 0, 0, 1] }, projectedGeoKeys(32633)],
        /\[-Infinity, 30, 0, 4000000, 0, -30\] \(from ModelTransformation\) is not finite/,
      ],
    ];
    for (const [name, extra, problem] of cases) {
      const file = write(name, small({ extra }));
      const err = await failure(openRaster(file));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toMatch(new RegExp(`^${escape(file)}: invalid georeferencing: the geotransform ${problem.source}$`));
    }
    const res = sat('info', path.join(tmp, 'nan-scale.tif'));
    expectCliError(res, path.join(tmp, 'nan-scale.tif'), /invalid georeferencing: the geotransform \[NaN/);
  });

  it('an EPSG code that does not exist (32799, or 9999) is refused, naming the code, not read as longitude/latitude; sat info exits 2', async () => {
    for (const code of [32799, 9999]) {
      const file = write(`epsg-${code}.tif`, small({ extra: geo([30, 30, 0], [0, 0, 0, 500000, 4000000, 0], code) }));
      const err = await failure(openRaster(file));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toBe(`${file}: unknown EPSG code ${code} (ProjectedCSTypeGeoKey): not a coordinate system we know`);
    }
    const file = path.join(tmp, 'epsg-32799.tif');
    expectCliError(sat('info', file), file, /unknown EPSG code 32799/);
  });

  it('an image of 0 pixels (width or height 0) and strips of 0 rows are refused', async () => {
    for (const [width, height] of [
      [0, 8],
      [16, 0],
    ]) {
      const file = write(`empty-${width}x${height}.tif`, small({ width, height }));
      const err = await failure(openRaster(file));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toBe(`${file}: invalid TIFF: the image is ${width} x ${height} pixels (an empty image)`);
    }
    const file = write('rows-0.tif', small({ rowsPerStrip: 0 }));
    expect((await failure(openRaster(file))).message).toBe(`${file}: invalid TIFF: blocks of 16 x 0 pixels (RowsPerStrip)`);
  });

  it('a few hundred bytes claiming 10^6 x 10^6 pixels x 13 bands open; reads never allocate past maxWindowMegapixels', async () => {
    const file = write('huge.tif', { width: 1e6, height: 1e6, samples: 13, compression: 8, blocks: [deflateSync(new Uint8Array(13))] });
    expect(readFileSync(file).length).toBeLessThan(500);
    const reader = await openRaster(file);
    expect([reader.info.width, reader.info.height, reader.info.bands]).toEqual([1e6, 1e6, 13]);
    // The whole raster, a small window (inside the one 10^12-pixel strip), and a window outside the raster.
    expect((await failure(reader.read())).message).toMatch(/huge\.tif: a window of 1000000 x 1000000 pixels is larger than the limit of 256 megapixels per read/);
    const err = await failure(reader.read({ col: 0, row: 0, width: 10, height: 10 }));
    expect(err.code).toBe('E_LIMIT');
    expect(err.message).toBe(`${file}: strip 0 is 1000000 x 1000000 pixels, larger than the limit of 256 megapixels per read`);
    expect((await reader.read({ col: -20, row: 0, width: 10, height: 10 }, { bands: [1] })).bands[0].length).toBe(100);
    await reader.close();
    // sat info reads no pixels: it describes the file.
    const res = sat('info', file);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Size: +1000000 x 1000000 pixels, 13 band\(s\), uint8/);
  });

  it('a block index claiming more values than the file holds, and blocks past the end of the file', async () => {
    // 10^6 strips of one row each: the StripOffsets tag would need 4 MB; its count is patched in.
    const bytes = craftTiff({ width: 1e6, height: 1e6, rowsPerStrip: 1, blocks: [new Uint8Array(16)], offsets: [0, 0], byteCounts: [16, 16] });
    const ifd = bytes.readUInt32LE(4);
    for (let e = 0; e < bytes.readUInt16LE(ifd); e++) {
      const at = ifd + 2 + e * 12;
      if (bytes.readUInt16LE(at) === TAG.StripOffsets) bytes.writeUInt32LE(1e6, at + 4);
    }
    const claims = path.join(tmp, 'claims.tif');
    writeFileSync(claims, bytes);
    const err = await failure(openRaster(claims));
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toMatch(/claims\.tif: invalid TIFF: tag 273 of IFD 0 claims 1000000 values \(4000000 bytes\) at offset \d+, past the end of the file of \d+ bytes$/);

    for (const [name, offsets, byteCounts] of [
      ['offset-past-end.tif', [1e9], [128]],
      ['count-past-end.tif', [8], [4e9]],
    ] as const) {
      const file = write(name, small({ offsets: [...offsets], byteCounts: [...byteCounts] }));
      const reader = await openRaster(file);
      const past = await failure(reader.read());
      expect(past.message).toMatch(new RegExp(`^${escape(file)}: truncated or corrupt: block 0 at offset ${offsets[0]} \\(\\+${byteCounts[0]} bytes\\) extends past the end of the file`));
      await reader.close();
    }
  });
});

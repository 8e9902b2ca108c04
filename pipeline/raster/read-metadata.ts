import { GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { SatError } from '../core/errors.js';
import { crsFromGeoKeys, epsgFromGeoKeys } from '../geo/crs.js';
import { COMPRESSION_NAMES, SUPPORTED_COMPRESSIONS, type BlockCodec } from './decode/block-codec.js';
import { walkIfdChain } from './ifd-chain.js';
import type { ByteSource } from './sources/byte-source.js';
import type { DType, GeoTransform, RasterInfo } from './types.js';

/** Where each block of the full-resolution image lives and how to decode it. */
export interface BlockLayout {
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  blocksAcross: number;
  blocksDown: number;
  /** 1 (all bands interleaved in each block) or 2 (one block set per band). */
  planarConfiguration: 1 | 2;
  offsets: number[];
  byteCounts: number[];
  /** Codec of a full block; the last strip of a striped image has fewer rows (see rowsInBlock). */
  codec: BlockCodec;
}

export interface RasterMetadata {
  info: RasterInfo;
  layout: BlockLayout;
  /** The per-dataset mask (GDAL's internal mask, NewSubfileType 4) at full resolution, when the file has one. */
  maskLayout: BlockLayout | null;
}

/** geotiff.js parses the header, IFDs and GeoKeys through our byte source. */
function geotiffSource(source: ByteSource) {
  return {
    fileSize: source.size,
    async fetch(slices: { offset: number; length: number }[]) {
      const parts = await source.read(slices);
      return parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength));
    },
    async close() {},
  };
}

function dtypeOf(name: string, format: number, bits: number): DType {
  const key = `${format}:${bits}`;
  const table: Record<string, DType> = {
    '1:8': 'uint8',
    '1:16': 'uint16',
    '1:32': 'uint32',
    '2:8': 'int8',
    '2:16': 'int16',
    '2:32': 'int32',
    '3:32': 'float32',
    '3:64': 'float64',
  };
  const dtype = table[key];
  if (!dtype) {
    const kinds: Record<number, string> = { 1: 'unsigned integer', 2: 'signed integer', 3: 'floating point', 5: 'complex integer', 6: 'complex floating point' };
    const kind = kinds[format] ?? `sample format ${format}`;
    throw new SatError('E_UNSUPPORTED', `${name}: unsupported data type (${bits}-bit ${kind})`);
  }
  return dtype;
}

/** GDAL_NODATA is ASCII ("0", "-9999", "nan", "-3.4e+38"); compared in the raster's own precision. */
function parseNodata(text: unknown, dtype: DType): number | null {
  if (typeof text !== 'string' || text.trim() === '') return null;
  const t = text.trim().replace(/\0/g, '').toLowerCase();
  const value = t === 'nan' || t === '-nan' ? NaN : Number(t);
  if (Number.isNaN(value) && t !== 'nan' && t !== '-nan') return null;
  return dtype === 'float32' ? Math.fround(value) : value;
}

/**
 * GDAL order geotransform from ModelTransformation or ModelPixelScale + ModelTiepoint. For PixelIsPoint
 * rasters the tiepoint is a pixel centre; like GDAL we move the origin half a pixel to the corner.
 */
function geotransformOf(image: GeoTIFFImage, pixelIsPoint: boolean): GeoTransform | null {
  const fd = image.fileDirectory;
  const matrix = fd.getValue('ModelTransformation') as number[] | undefined;
  const half = pixelIsPoint ? 0.5 : 0;
  if (matrix && matrix.length >= 8) {
    const [a, b, , c, d, e, , f] = matrix;
    return [c - half * (a + b), a, b, f - half * (d + e), d, e];
  }
  const tie = fd.getValue('ModelTiepoint') as number[] | undefined;
  const scale = fd.getValue('ModelPixelScale') as number[] | undefined;
  if (!tie || !scale || tie.length < 6 || scale.length < 2) return null;
  const [i, j, , x, y] = tie;
  const dx = scale[0];
  const dy = -scale[1];
  return [x - (i + half) * dx, dx, 0, y - (j + half) * dy, 0, dy];
}

/** Per-band items of GDAL_METADATA with a given role ("description", "scale", "offset"), by band. */
function bandItems(xml: unknown, bands: number, role: string): (string | null)[] {
  const out: (string | null)[] = new Array(bands).fill(null);
  if (typeof xml !== 'string') return out;
  const re = /<Item\s+([^>]*)>([^<]*)<\/Item>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const attrs = m[1];
    if (!new RegExp(`role="${role}"`).test(attrs)) continue;
    const sample = /sample="(\d+)"/.exec(attrs);
    if (sample && Number(sample[1]) < bands) out[Number(sample[1])] = decodeXml(m[2]);
  }
  return out;
}

/** TIFF text tags GDAL reports in the default metadata domain, under its names. */
const TEXT_TAGS: [Parameters<GeoTIFFImage['fileDirectory']['hasTag']>[0], string][] = [
  ['DocumentName', 'TIFFTAG_DOCUMENTNAME'],
  ['ImageDescription', 'TIFFTAG_IMAGEDESCRIPTION'],
  ['Software', 'TIFFTAG_SOFTWARE'],
  ['DateTime', 'TIFFTAG_DATETIME'],
  ['Artist', 'TIFFTAG_ARTIST'],
  ['HostComputer', 'TIFFTAG_HOSTCOMPUTER'],
  ['Copyright', 'TIFFTAG_COPYRIGHT'],
];

/**
 * The dataset's metadata as GDAL's default domain has it: GDAL_METADATA items that belong to no band, TIFF text and
 * resolution tags, and AREA_OR_POINT for georeferenced files (not what GDAL reads from sidecar files, such as a
 * Landsat MTL's METADATATYPE). Provenance records it (e.g. an ACQUISITION time).
 */
async function datasetMetadata(fd: GeoTIFFImage['fileDirectory'], xml: unknown, georeferenced: boolean, pixelIsPoint: boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (georeferenced) out.AREA_OR_POINT = pixelIsPoint ? 'Point' : 'Area';
  if (typeof xml === 'string') {
    const re = /<Item\s+([^>]*)>([^<]*)<\/Item>/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) {
      if (/sample=|role=/.test(m[1])) continue;
      const name = /name="([^"]*)"/.exec(m[1]);
      if (name && !/domain=/.test(m[1])) out[decodeXml(name[1])] = decodeXml(m[2]);
    }
  }
  for (const [tag, key] of TEXT_TAGS) {
    if (!fd.hasTag(tag)) continue;
    const value = await fd.loadValue(tag);
    if (typeof value === 'string' && value.replace(/\0+$/, '') !== '') out[key] = value.replace(/\0+$/, '');
  }
  // Resolution tags, formatted as GDAL does (rationals as %.8g, the unit with its meaning).
  const rational = (v: unknown) => (Array.isArray(v) || ArrayBuffer.isView(v) ? Number((v as ArrayLike<number>)[0]) / Number((v as ArrayLike<number>)[1] || 1) : Number(v));
  if (fd.hasTag('XResolution')) out.TIFFTAG_XRESOLUTION = String(Number(rational(await fd.loadValue('XResolution')).toPrecision(8)));
  if (fd.hasTag('YResolution')) out.TIFFTAG_YRESOLUTION = String(Number(rational(await fd.loadValue('YResolution')).toPrecision(8)));
  if (fd.hasTag('ResolutionUnit')) {
    const unit = Number(await fd.loadValue('ResolutionUnit'));
    out.TIFFTAG_RESOLUTIONUNIT = `${unit} (${unit === 2 ? 'pixels/inch' : unit === 3 ? 'pixels/cm' : 'unitless'})`;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Reads everything but the pixels: RasterInfo and where the blocks are. Errors name the file. */
export async function readMetadata(source: ByteSource): Promise<RasterMetadata> {
  try {
    return await parseMetadata(source);
  } catch (err) {
    // geotiff.js reports what it cannot make sense of as plain Errors (out-of-range values, bad GeoKeys, bad planar
    // configuration ...): a corrupt file, to be reported as one, like the checks of our own.
    if (err instanceof SatError) throw err;
    throw new SatError('E_FORMAT', `${source.name}: cannot parse the TIFF structure, the file is corrupt or truncated (${(err as Error).message})`);
  }
}

async function parseMetadata(source: ByteSource): Promise<RasterMetadata> {
  const name = source.name;
  if (source.size === 0) throw new SatError('E_FORMAT', `${name}: empty file`);
  let tiff: GeoTIFF;
  let image: GeoTIFFImage;
  let imageCount: number;
  // Loops, too many IFDs, IFDs and tag values past the end of the file are refused before geotiff.js walks the chain.
  await walkIfdChain(source);
  try {
    tiff = await GeoTIFF.fromSource(geotiffSource(source) as never);
    image = await tiff.getImage(0);
    imageCount = await tiff.getImageCount();
  } catch (err) {
    if (err instanceof SatError) throw err;
    const msg = (err as Error).message;
    if (/byte order|Invalid magic|TIFF/i.test(msg)) throw new SatError('E_FORMAT', `${name}: not a TIFF file (${msg})`);
    throw new SatError('E_FORMAT', `${name}: cannot parse the TIFF structure, the file is corrupt or truncated (${msg})`);
  }
  const fd = image.fileDirectory;
  const width = image.getWidth();
  const height = image.getHeight();
  const samples = image.getSamplesPerPixel();
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new SatError('E_INPUT', `${name}: invalid TIFF: the image is ${width} x ${height} pixels (an empty image)`);
  }
  if (!(Number.isInteger(samples) && samples > 0)) {
    throw new SatError('E_INPUT', `${name}: invalid TIFF: ${samples} samples per pixel`);
  }
  const compression = (fd.getValue('Compression') as number | undefined) ?? 1;
  const compressionName = COMPRESSION_NAMES[compression] ?? `code ${compression}`;
  if (!SUPPORTED_COMPRESSIONS.has(compression)) {
    throw new SatError('E_UNSUPPORTED', `${name}: unsupported compression ${compressionName.toUpperCase()} (TIFF code ${compression})`);
  }
  const bits = image.getBitsPerSample(0);
  for (let s = 1; s < samples; s++) {
    if (image.getBitsPerSample(s) !== bits || image.getSampleFormat(s) !== image.getSampleFormat(0)) {
      throw new SatError('E_UNSUPPORTED', `${name}: bands of different data types are not supported`);
    }
  }
  const dtype = dtypeOf(name, image.getSampleFormat(0), bits);
  const layout = await layoutOf(image, name, dtype, samples, compression);
  let maskLayout: BlockLayout | null = null;
  const geoKeys = (image.getGeoKeys() ?? {}) as Record<string, unknown>;
  let crs: ReturnType<typeof crsFromGeoKeys> = null;
  try {
    crs = Object.keys(geoKeys).length > 0 ? crsFromGeoKeys(geoKeys) : null;
  } catch (err) {
    if (err instanceof SatError) throw new SatError(err.code, `${name}: ${err.message}`, { cause: err });
    throw err;
  }
  const geotransform = geotransformOf(image, geoKeys.GTRasterTypeGeoKey === 2);
  if (geotransform && !geotransform.every(Number.isFinite)) {
    throw new SatError(
      'E_INPUT',
      `${name}: invalid georeferencing: the geotransform [${geotransform.join(', ')}] (from ${fd.getValue('ModelTransformation') ? 'ModelTransformation' : 'ModelPixelScale and ModelTiepoint'}) is not finite`,
    );
  }
  let overviewCount = 0;
  for (let i = 1; i < imageCount; i++) {
    const other = await tiff.getImage(i);
    const sub = (other.fileDirectory.getValue('NewSubfileType') as number | undefined) ?? 0;
    if ((sub & 1) === 1 && (sub & 4) === 0) overviewCount++;
    if (sub === 4 && !maskLayout && other.getWidth() === width && other.getHeight() === height) {
      const maskCompression = (other.fileDirectory.getValue('Compression') as number | undefined) ?? 1;
      if (SUPPORTED_COMPRESSIONS.has(maskCompression) && other.getSamplesPerPixel() === 1) {
        maskLayout = await layoutOf(other, name, 'uint8', 1, maskCompression);
        maskLayout.codec.bitsPerSample = other.getBitsPerSample(0) as 1 | 8;
      }
    }
  }
  const gdalMetadata = fd.hasTag('GDAL_METADATA') ? await fd.loadValue('GDAL_METADATA') : undefined;

  const info: RasterInfo = {
    source: name,
    width,
    height,
    bands: samples,
    dtype,
    epsg: epsgFromGeoKeys(geoKeys),
    proj4: crs?.proj4 ?? null,
    geoKeys,
    geotransform,
    nodata: parseNodata(fd.getValue('GDAL_NODATA'), dtype),
    pixelIsPoint: geoKeys.GTRasterTypeGeoKey === 2,
    blockWidth: layout.blockWidth,
    blockHeight: layout.blockHeight,
    tiled: layout.tiled,
    compression: compressionName,
    predictor: layout.codec.predictor,
    interleave: layout.planarConfiguration === 2 ? 'band' : 'pixel',
    overviewCount,
    bandDescriptions: bandItems(gdalMetadata, samples, 'description'),
    scales: bandItems(gdalMetadata, samples, 'scale').map((v) => (v === null ? 1 : Number(v))),
    offsets: bandItems(gdalMetadata, samples, 'offset').map((v) => (v === null ? 0 : Number(v))),
    metadata: await datasetMetadata(fd, gdalMetadata, Object.keys(geoKeys).length > 0, geoKeys.GTRasterTypeGeoKey === 2),
  };
  return { info, layout, maskLayout };
}

/** Where the blocks of one image (the raster, or its mask) are and how to decode them. */
async function layoutOf(image: GeoTIFFImage, name: string, dtype: DType, samples: number, compression: number): Promise<BlockLayout> {
  const fd = image.fileDirectory;
  const width = image.getWidth();
  const height = image.getHeight();
  const planar = ((fd.getValue('PlanarConfiguration') as number | undefined) ?? 1) === 2 ? 2 : 1;
  const tiled = fd.hasTag('TileWidth');
  const blockWidth = tiled ? (fd.getValue('TileWidth') as number) : width;
  const blockHeight = tiled ? (fd.getValue('TileLength') as number) : Math.min((fd.getValue('RowsPerStrip') as number | undefined) ?? height, height);
  if (!(Number.isInteger(blockWidth) && Number.isInteger(blockHeight) && blockWidth > 0 && blockHeight > 0)) {
    throw new SatError('E_INPUT', `${name}: invalid TIFF: blocks of ${blockWidth} x ${blockHeight} pixels (${tiled ? 'TileWidth/TileLength' : 'RowsPerStrip'})`);
  }
  const blocksAcross = Math.ceil(width / blockWidth);
  const blocksDown = Math.ceil(height / blockHeight);
  const [offsets, byteCounts] = await Promise.all(
    tiled ? [fd.loadValue('TileOffsets'), fd.loadValue('TileByteCounts')] : [fd.loadValue('StripOffsets'), fd.loadValue('StripByteCounts')],
  );
  const blockCount = blocksAcross * blocksDown * (planar === 2 ? samples : 1);
  if (!offsets || !byteCounts || (offsets as ArrayLike<number>).length < blockCount || (byteCounts as ArrayLike<number>).length < blockCount) {
    throw new SatError('E_FORMAT', `${name}: the block index is incomplete (expected ${blockCount} blocks)`);
  }
  const predictor = ((await fd.loadValue('Predictor')) as number | undefined) ?? 1;
  const jpegTables = fd.hasTag('JPEGTables') ? ((await fd.loadValue('JPEGTables')) as Uint8Array) : undefined;
  const lercParameters = fd.hasTag('LercParameters') ? Array.from((await fd.loadValue('LercParameters')) as ArrayLike<number>) : undefined;
  return {
    tiled,
    blockWidth,
    blockHeight,
    blocksAcross,
    blocksDown,
    planarConfiguration: planar,
    offsets: Array.from(offsets as ArrayLike<number | bigint>, Number),
    byteCounts: Array.from(byteCounts as ArrayLike<number | bigint>, Number),
    codec: {
      compression,
      dtype,
      width: blockWidth,
      rows: blockHeight,
      samples: planar === 2 ? 1 : samples,
      predictor,
      littleEndian: image.littleEndian,
      jpegTables,
      ycbcr: compression === 7 && fd.getValue('PhotometricInterpretation') === 6,
      lercParameters,
    },
  };
}

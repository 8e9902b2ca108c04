/**
 * The raster vocabulary shared by every stage: data types, georeferencing, windows and blocks of pixels.
 * Pixel (col, row) = (x, y), 0-based from the upper-left corner; windows never hold a whole scene
 * unless the caller asks for one.
 */

export type DType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type PixelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** GDAL order: [x0, dx, rx, y0, ry, dy]; (x0, y0) is the outer upper-left corner of pixel (0, 0). */
export type GeoTransform = [number, number, number, number, number, number];

/** A rectangle of pixels. */
export interface PixelWindow {
  col: number;
  row: number;
  width: number;
  height: number;
}

/** What we know about a raster without reading its pixels. */
export interface RasterInfo {
  /** Local path or URL as the user gave it. */
  source: string;
  width: number;
  height: number;
  bands: number;
  dtype: DType;
  /** EPSG code of the CRS, or null when there is none or it is user-defined. */
  epsg: number | null;
  /** PROJ.4 definition of the CRS (from the EPSG code or the GeoKeys), or null when there is no CRS. */
  proj4: string | null;
  /** The GeoKey directory as read from the file (names as in the GeoTIFF spec), for CRS work. */
  geoKeys: Record<string, unknown>;
  /** null when the file has no georeferencing. */
  geotransform: GeoTransform | null;
  nodata: number | null;
  pixelIsPoint: boolean;
  blockWidth: number;
  blockHeight: number;
  tiled: boolean;
  /** "none", "deflate", "lzw", "packbits", "jpeg", "zstd", "lerc", ... */
  compression: string;
  predictor: number;
  interleave: 'pixel' | 'band';
  overviewCount: number;
  bandDescriptions: (string | null)[];
  /** Per band: physical value = stored value * scale + offset (GDAL's band scale/offset; 1 and 0 when not set). */
  scales: number[];
  offsets: number[];
  /** Dataset metadata as GDAL's default domain reports it (GDAL_METADATA items, TIFFTAG_* text tags, AREA_OR_POINT). */
  metadata: Record<string, string>;
}

/** Pixels of a window: one typed array per band, row-major, width * height long. */
export interface RasterData {
  window: PixelWindow;
  dtype: DType;
  bands: PixelArray[];
}

export const DTYPE_BYTES: Record<DType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

const PIXEL_ARRAY: Record<DType, { new (length: number): PixelArray; new (buffer: ArrayBuffer, offset?: number, length?: number): PixelArray }> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

export function allocPixels(dtype: DType, length: number): PixelArray {
  return new PIXEL_ARRAY[dtype](length);
}

/** A typed view of `dtype` over a whole buffer (no copy). */
export function viewPixels(dtype: DType, buffer: ArrayBuffer): PixelArray {
  return new PIXEL_ARRAY[dtype](buffer, 0, buffer.byteLength / DTYPE_BYTES[dtype]);
}

/** A typed view of `length` samples of `dtype` at `byteOffset` of a buffer (no copy; the offset must be aligned). */
export function pixelsAt(dtype: DType, buffer: ArrayBuffer, byteOffset: number, length: number): PixelArray {
  return new PIXEL_ARRAY[dtype](buffer, byteOffset, length);
}

/** Whether an array holds samples of `dtype`. */
export function isPixelArrayOf(dtype: DType, array: PixelArray): boolean {
  return array instanceof PIXEL_ARRAY[dtype];
}

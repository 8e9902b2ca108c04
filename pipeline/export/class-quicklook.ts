import sharp from 'sharp';
import type { PixelWindow } from '../raster/types.js';

/** Colour of cloud pixels in class maps: a light violet no class scheme uses, so clouds never pass for a class or for empty page. */
export const CLOUD_COLOUR = '#b794f4';

/** A quicklook cell under cloud: outside the uint8 range of class ids and nodata. */
const CLOUD = -1;

/**
 * A PNG preview of a class map in the classes' colours, cloud pixels in CLOUD_COLOUR, other masked pixels
 * transparent, at most `maxSide` pixels on its long side, filled core by core while the map is written (nearest
 * sampling), so whole scenes need no second pass.
 */
export class ClassQuicklook {
  readonly width: number;
  readonly height: number;
  private readonly values: Int16Array;
  private readonly sourceCol: Int32Array;
  private readonly sourceRow: Int32Array;

  constructor(sceneWidth: number, sceneHeight: number, private readonly nodata: number, maxSide = 1024) {
    const scale = Math.min(1, maxSide / Math.max(sceneWidth, sceneHeight));
    this.width = Math.max(1, Math.round(sceneWidth * scale));
    this.height = Math.max(1, Math.round(sceneHeight * scale));
    this.values = new Int16Array(this.width * this.height).fill(nodata);
    this.sourceCol = Int32Array.from({ length: this.width }, (_, x) => Math.floor(((x + 0.5) * sceneWidth) / this.width));
    this.sourceRow = Int32Array.from({ length: this.height }, (_, y) => Math.floor(((y + 0.5) * sceneHeight) / this.height));
  }

  /**
   * Samples one finished window of the class map (row-major class ids); `cloud[i]` true marks pixel i as cloud
   * (the pixel-status raster's cloud value), shown as such where the class map has nodata.
   */
  add(window: PixelWindow, classes: Uint8Array, cloud?: (i: number) => boolean): void {
    for (let y = 0; y < this.height; y++) {
      const r = this.sourceRow[y] - window.row;
      if (r < 0 || r >= window.height) continue;
      for (let x = 0; x < this.width; x++) {
        const c = this.sourceCol[x] - window.col;
        if (c < 0 || c >= window.width) continue;
        const i = r * window.width + c;
        this.values[y * this.width + x] = classes[i] === this.nodata && cloud?.(i) ? CLOUD : classes[i];
      }
    }
  }

  async writePng(file: string, colours: { id: number; colour: string }[]): Promise<void> {
    const rgba = new Uint8Array(this.values.length * 4);
    const rgbOf = (colour: string) => [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    const palette = new Map([...colours.map((c) => [c.id, rgbOf(c.colour)] as const), [CLOUD, rgbOf(CLOUD_COLOUR)] as const]);
    for (let i = 0; i < this.values.length; i++) {
      const rgb = this.values[i] === this.nodata ? undefined : palette.get(this.values[i]);
      if (!rgb) continue; // transparent
      rgba.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
    }
    sharp.concurrency(1); // a small image: libvips' thread pool would only compete with inference
    await sharp(rgba, { raw: { width: this.width, height: this.height, channels: 4 } }).png().toFile(file);
  }
}

import sharp from 'sharp';
import type { PixelWindow } from '../raster/types.js';

/**
 * A PNG preview of a class map in the classes' colours (masked pixels transparent), at most `maxSide` pixels on its
 * long side, filled core by core while the map is written (nearest sampling), so whole scenes need no second pass.
 */
export class ClassQuicklook {
  readonly width: number;
  readonly height: number;
  private readonly values: Uint8Array;
  private readonly sourceCol: Int32Array;
  private readonly sourceRow: Int32Array;

  constructor(sceneWidth: number, sceneHeight: number, private readonly nodata: number, maxSide = 1024) {
    const scale = Math.min(1, maxSide / Math.max(sceneWidth, sceneHeight));
    this.width = Math.max(1, Math.round(sceneWidth * scale));
    this.height = Math.max(1, Math.round(sceneHeight * scale));
    this.values = new Uint8Array(this.width * this.height).fill(nodata);
    this.sourceCol = Int32Array.from({ length: this.width }, (_, x) => Math.floor(((x + 0.5) * sceneWidth) / this.width));
    this.sourceRow = Int32Array.from({ length: this.height }, (_, y) => Math.floor(((y + 0.5) * sceneHeight) / this.height));
  }

  /** Samples one finished window of the class map (row-major class ids). */
  add(window: PixelWindow, classes: Uint8Array): void {
    for (let y = 0; y < this.height; y++) {
      const r = this.sourceRow[y] - window.row;
      if (r < 0 || r >= window.height) continue;
      for (let x = 0; x < this.width; x++) {
        const c = this.sourceCol[x] - window.col;
        if (c >= 0 && c < window.width) this.values[y * this.width + x] = classes[r * window.width + c];
      }
    }
  }

  async writePng(file: string, colours: { id: number; colour: string }[]): Promise<void> {
    const rgba = new Uint8Array(this.values.length * 4);
    const palette = new Map(colours.map((c) => [c.id, [1, 3, 5].map((i) => parseInt(c.colour.slice(i, i + 2), 16))]));
    for (let i = 0; i < this.values.length; i++) {
      const rgb = this.values[i] === this.nodata ? undefined : palette.get(this.values[i]);
      if (!rgb) continue; // transparent
      rgba.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
    }
    sharp.concurrency(1); // a small image: libvips' thread pool would only compete with inference
    await sharp(rgba, { raw: { width: this.width, height: this.height, channels: 4 } }).png().toFile(file);
  }
}

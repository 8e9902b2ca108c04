import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { sha256File } from '../core/checksum.js';
import { replaceDir, temporaryPathFor } from '../core/atomic-write.js';
import { SatError } from '../core/errors.js';
import { crsFromEpsg, makeTransform, WGS84 } from '../geo/crs.js';
import type { GeoTransform } from '../raster/types.js';
import { createGeoTiffWriter, type GeoTiffWriter } from '../raster/write-geotiff.js';
import { buildingsIn, BLOCK_M, type Building } from './buildings.js';
import { BUILT_UP, SYNTH_CLASSES } from './classes.js';
import { classFromFields, fieldsAt, sceneAnchors, type Anchors } from './landscape.js';
import { hash2 } from './noise.js';
import { voronoiRegions } from './regions.js';
import { pixelReflectance, SYNTH_BANDS } from './spectra.js';

export interface SynthOptions {
  width: number;
  height: number;
  seed?: number;
  /** 6 (B02 B03 B04 B08 B11 B12) or 4 (B02 B03 B04 B08). */
  bands?: 4 | 6;
  /** Metres per pixel. */
  pixelSize?: number;
  /** Target share of the scene under cloud (0 to 0.9). */
  cloudCover?: number;
  /** Number of regions; default grows with the scene. */
  regions?: number;
  tileSize?: number;
  overviews?: boolean;
}

export interface SceneManifest {
  generator: string;
  options: Required<SynthOptions>;
  crs: string;
  geotransform: GeoTransform;
  bands: string[];
  classes: { id: number; name: string; colour: string }[];
  classPixelCounts: Record<string, number>;
  buildingCount: number;
  buildingPixelCount: number;
  cloudFraction: number;
  files: Record<string, { sha256: string; bytes: number }>;
}

const EPSG = 32633;
/** Upper-left corner of synthetic scenes: in Slovenia (UTM 33N), so real boundary data overlaps. */
const ORIGIN = [450000, 5100000] as const;
/** The landscape fields vary over hundreds of metres: sample them every FIELD_STEP pixels and interpolate. */
const FIELD_STEP = 8;

export function resolveSynthOptions(o: SynthOptions): Required<SynthOptions> {
  const r = {
    width: o.width,
    height: o.height,
    seed: o.seed ?? 1,
    bands: o.bands ?? 6,
    pixelSize: o.pixelSize ?? 10,
    cloudCover: o.cloudCover ?? 0.03,
    regions: o.regions ?? Math.min(12, Math.max(4, Math.round(Math.sqrt((o.width * o.height) / 250_000)))),
    tileSize: o.tileSize ?? 256,
    overviews: o.overviews ?? false,
  };
  const bad = (why: string) => {
    throw new SatError('E_INPUT', `sat synth: ${why}`);
  };
  for (const [k, v] of [['width', r.width], ['height', r.height]] as const) {
    if (!Number.isInteger(v) || v < 16 || v > 100_000) bad(`${k} must be an integer from 16 to 100000 (got ${v})`);
  }
  if (!Number.isInteger(r.seed)) bad(`seed must be an integer (got ${r.seed})`);
  if (r.bands !== 4 && r.bands !== 6) bad(`bands must be 4 or 6 (got ${r.bands})`);
  if (!(r.pixelSize > 0 && r.pixelSize <= 1000)) bad(`pixel size must be in (0, 1000] metres (got ${r.pixelSize})`);
  if (!(r.cloudCover >= 0 && r.cloudCover <= 0.9)) bad(`cloud cover must be from 0 to 0.9 (got ${r.cloudCover})`);
  if (!Number.isInteger(r.regions) || r.regions < 1 || r.regions > 200) bad(`regions must be an integer from 1 to 200 (got ${r.regions})`);
  return r;
}

function anchorsOf(o: Required<SynthOptions>): Anchors {
  return sceneAnchors(o.width * o.pixelSize, o.height * o.pixelSize, o.seed);
}

/** The cloud field value above which a pixel is cloudy: the (1 - cover) quantile of seeded samples of the field. */
function cloudThreshold(o: Required<SynthOptions>): number {
  if (o.cloudCover === 0) return Infinity;
  const samples: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const mx = hash2(i, 0, o.seed + 61) * o.width * o.pixelSize;
    const my = hash2(i, 1, o.seed + 61) * o.height * o.pixelSize;
    samples.push(fieldsAt(mx, my, o.seed, anchorsOf(o))[5]);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.floor((1 - o.cloudCover) * samples.length))];
}

/** Whether a point (metres) lies in a settlement, from the exact fields: where buildings may stand. */
function builtUpTest(o: Required<SynthOptions>): (mx: number, my: number) => boolean {
  const anchors = anchorsOf(o);
  return (mx, my) => classFromFields(fieldsAt(mx, my, o.seed, anchors), mx, my, o.seed) === BUILT_UP;
}

interface TileOutput {
  scene: Uint16Array[];
  truth: Uint8Array;
  buildings: Uint8Array;
  clouds: Uint8Array;
}

/** One tile of every output raster: a pure function of its window, the options and the seed. */
export function generateTile(o: Required<SynthOptions>, col0: number, row0: number, w: number, h: number, threshold: number): TileOutput {
  const ps = o.pixelSize;
  const nb = o.bands;
  // Fields on a coarse lattice covering the tile, bilinearly interpolated per pixel.
  const lw = Math.ceil(w / FIELD_STEP) + 1;
  const lh = Math.ceil(h / FIELD_STEP) + 1;
  const nf = 6;
  const anchors = anchorsOf(o);
  const lattice = new Float64Array(lw * lh * nf);
  for (let j = 0; j < lh; j++) {
    for (let i = 0; i < lw; i++) {
      const f = fieldsAt((col0 + i * FIELD_STEP) * ps, (row0 + j * FIELD_STEP) * ps, o.seed, anchors);
      lattice.set(f, (j * lw + i) * nf);
    }
  }
  const isBuiltUp = builtUpTest(o);
  const footprints = buildingsIn(col0 * ps, row0 * ps, (col0 + w) * ps, (row0 + h) * ps, o.seed, isBuiltUp);
  const out: TileOutput = {
    scene: Array.from({ length: nb }, () => new Uint16Array(w * h)),
    truth: new Uint8Array(w * h),
    buildings: new Uint8Array(w * h),
    clouds: new Uint8Array(w * h),
  };
  // Building mask: a pixel is 1 iff its centre lies inside a footprint.
  for (const b of footprints) {
    const xs = Math.max(0, Math.ceil(b.x0 / ps - 0.5) - col0);
    const xe = Math.min(w, Math.ceil(b.x1 / ps - 0.5) - col0);
    const ys = Math.max(0, Math.ceil(b.y0 / ps - 0.5) - row0);
    const ye = Math.min(h, Math.ceil(b.y1 / ps - 0.5) - row0);
    for (let y = ys; y < ye; y++) out.buildings.fill(1, y * w + xs, y * w + xe);
  }
  const f = new Float64Array(nf);
  const refl = new Float64Array(nb);
  for (let y = 0; y < h; y++) {
    const ly = y / FIELD_STEP;
    const j = Math.floor(ly);
    const ty = ly - j;
    for (let x = 0; x < w; x++) {
      const lx = x / FIELD_STEP;
      const i = Math.floor(lx);
      const tx = lx - i;
      const a = (j * lw + i) * nf;
      const b = a + nf;
      const c = a + lw * nf;
      const d = c + nf;
      for (let k = 0; k < nf; k++) {
        f[k] = (lattice[a + k] * (1 - tx) + lattice[b + k] * tx) * (1 - ty) + (lattice[c + k] * (1 - tx) + lattice[d + k] * tx) * ty;
      }
      const p = y * w + x;
      const mx = (col0 + x + 0.5) * ps;
      const my = (row0 + y + 0.5) * ps;
      const cls = out.buildings[p] ? BUILT_UP : classFromFields(f, mx, my, o.seed);
      // Cloud density rises smoothly over the threshold: thin edges brighten a little, the core is opaque.
      const density = Math.min(1, Math.max(0, (f[5] - threshold) / 0.03 + 0.5));
      out.truth[p] = cls;
      out.clouds[p] = density >= 0.5 ? 1 : 0;
      pixelReflectance(cls, mx, my, col0 + x, row0 + y, o.seed, density * 0.9, refl);
      const roof = out.buildings[p] ? 1.2 : 1;
      for (let k = 0; k < nb; k++) {
        const v = Math.round(refl[k] * roof * 10000);
        out.scene[k][p] = v < 1 ? 1 : v > 65535 ? 65535 : v; // 0 is nodata
      }
    }
  }
  return out;
}

/** Inserts points so no edge is longer than `max`, computing each edge from its smaller end so neighbours agree exactly. */
function densifyRing(ring: [number, number][], max: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    const forward = a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
    const [p, q] = forward ? [a, b] : [b, a];
    const n = Math.max(1, Math.ceil(Math.hypot(q[0] - p[0], q[1] - p[1]) / max));
    const pts: [number, number][] = [];
    for (let s = 0; s <= n; s++) pts.push([p[0] + ((q[0] - p[0]) * s) / n, p[1] + ((q[1] - p[1]) * s) / n]);
    if (!forward) pts.reverse();
    out.push(...pts.slice(0, -1));
  }
  out.push(out[0]);
  return out;
}

/**
 * Writes a synthetic scene and its exact ground truth into `outDir`, tile by tile in bounded memory.
 * Everything goes to a temp folder first; `outDir` appears only when complete.
 */
export async function generateScene(
  outDir: string,
  options: SynthOptions,
  onProgress?: (fraction: number) => void,
  { force = false }: { force?: boolean } = {},
): Promise<SceneManifest> {
  const o = resolveSynthOptions(options);
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !force) {
    throw new SatError('E_INPUT', `${outDir}: exists and is not empty (use --force to replace it)`);
  }
  const temp = temporaryPathFor(outDir);
  await mkdir(temp, { recursive: true });
  const ps = o.pixelSize;
  const geotransform: GeoTransform = [ORIGIN[0], ps, 0, ORIGIN[1], 0, -ps];
  const toWgs84 = makeTransform(crsFromEpsg(EPSG), WGS84);
  const world = (mx: number, my: number): [number, number] => {
    const [lon, lat] = toWgs84([ORIGIN[0] + mx, ORIGIN[1] - my]);
    return [Number(lon.toFixed(9)), Number(lat.toFixed(9))];
  };
  const writers: GeoTiffWriter[] = [];
  try {
    const common = { width: o.width, height: o.height, geotransform, epsg: EPSG, tileSize: o.tileSize };
    const bands = SYNTH_BANDS.slice(0, o.bands);
    const scene = await createGeoTiffWriter(path.join(temp, 'scene.tif'), {
      ...common,
      bands: o.bands,
      dtype: 'uint16',
      nodata: 0,
      bandDescriptions: [...bands],
      overviews: o.overviews ? [2, 4, 8] : [],
    });
    const single = (name: string, description: string, resampling: 'mode' | 'nearest', nodata: number | null) =>
      createGeoTiffWriter(path.join(temp, name), { ...common, bands: 1, dtype: 'uint8', nodata, bandDescriptions: [description], overviews: o.overviews ? [2, 4, 8] : [], overviewResampling: resampling });
    const truth = await single('truth.tif', 'land cover class', 'mode', 0);
    const buildingMask = await single('buildings.tif', 'building footprint', 'nearest', null);
    const clouds = await single('clouds.tif', 'cloud', 'nearest', null);
    writers.push(scene, truth, buildingMask, clouds);

    const buildingsOut = createWriteStream(path.join(temp, 'buildings.geojson'));
    buildingsOut.write('{"type":"FeatureCollection","features":[\n');
    let buildingCount = 0;
    let buildingPixels = 0;
    let cloudPixels = 0;
    const classCounts = new Map<number, number>();
    const threshold = cloudThreshold(o);
    const ts = o.tileSize;
    const total = scene.tilesAcross * scene.tilesDown;
    for (let ty = 0; ty < scene.tilesDown; ty++) {
      for (let tx = 0; tx < scene.tilesAcross; tx++) {
        const col0 = tx * ts;
        const row0 = ty * ts;
        const w = Math.min(ts, o.width - col0);
        const h = Math.min(ts, o.height - row0);
        const t = generateTile(o, col0, row0, w, h, threshold);
        for (let p = 0; p < t.truth.length; p++) {
          classCounts.set(t.truth[p], (classCounts.get(t.truth[p]) ?? 0) + 1);
          buildingPixels += t.buildings[p];
          cloudPixels += t.clouds[p];
        }
        await Promise.all([scene.writeTile(tx, ty, t.scene), truth.writeTile(tx, ty, [t.truth]), buildingMask.writeTile(tx, ty, [t.buildings]), clouds.writeTile(tx, ty, [t.clouds])]);
        // Each building is listed once, by the tile holding its lattice cell's corner; clipped to the scene.
        for (const b of buildingsIn(col0 * ps, row0 * ps, (col0 + w) * ps, (row0 + h) * ps, o.seed, builtUpTest(o))) {
          if (!ownsCell(b, col0, row0, w, h, ps)) continue;
          const r = clipToScene(b, o.width * ps, o.height * ps);
          if (!r) continue;
          const ring = [world(r.x0, r.y0), world(r.x0, r.y1), world(r.x1, r.y1), world(r.x1, r.y0), world(r.x0, r.y0)];
          const area = Number(((r.x1 - r.x0) * (r.y1 - r.y0)).toFixed(3));
          const feature = { type: 'Feature', properties: { id: b.id, area_m2: area }, geometry: { type: 'Polygon', coordinates: [ring] } };
          if (!buildingsOut.write(`${buildingCount++ ? ',\n' : ''}${JSON.stringify(feature)}`)) await once(buildingsOut, 'drain');
        }
        onProgress?.((ty * scene.tilesAcross + tx + 1) / total);
      }
    }
    buildingsOut.end('\n]}\n');
    await once(buildingsOut, 'finish');
    for (const w of writers) await w.close();

    const regions = voronoiRegions(o.width * ps, o.height * ps, o.regions, o.seed).map((r, i) => ({
      type: 'Feature',
      properties: { code: r.code, name: `Region ${i + 1}` },
      geometry: { type: 'Polygon', coordinates: [densifyRing(r.ring.map(([x, y]) => [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000]), 100).map(([x, y]) => world(x, y))] },
    }));
    await writeFile(path.join(temp, 'regions.geojson'), `${JSON.stringify({ type: 'FeatureCollection', features: regions })}\n`);

    const files: SceneManifest['files'] = {};
    for (const name of ['scene.tif', 'truth.tif', 'buildings.tif', 'clouds.tif', 'buildings.geojson', 'regions.geojson']) {
      const file = path.join(temp, name);
      files[name] = { sha256: await sha256File(file), bytes: statSync(file).size };
    }
    const manifest: SceneManifest = {
      generator: 'sat synth',
      options: o,
      crs: `EPSG:${EPSG}`,
      geotransform,
      bands: [...bands],
      classes: SYNTH_CLASSES.map((c) => ({ ...c })),
      classPixelCounts: Object.fromEntries([...classCounts.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      buildingCount,
      buildingPixelCount: buildingPixels,
      cloudFraction: cloudPixels / (o.width * o.height),
      files,
    };
    await writeFile(path.join(temp, 'scene.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await replaceDir(temp, outDir);
    return manifest;
  } catch (err) {
    for (const w of writers) await w.abort().catch(() => {});
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

function ownsCell(b: Building, col0: number, row0: number, w: number, h: number, ps: number): boolean {
  const cx = Math.floor(b.x0 / BLOCK_M) * BLOCK_M;
  const cy = Math.floor(b.y0 / BLOCK_M) * BLOCK_M;
  const px = Math.floor(cx / ps);
  const py = Math.floor(cy / ps);
  return px >= col0 && px < col0 + w && py >= row0 && py < row0 + h;
}

function clipToScene(b: Building, wm: number, hm: number): Building | null {
  const r = { ...b, x0: Math.max(0, b.x0), y0: Math.max(0, b.y0), x1: Math.min(wm, b.x1), y1: Math.min(hm, b.y1) };
  return r.x1 > r.x0 && r.y1 > r.y0 ? r : null;
}

/**
 * Seeded, dependency-free mutators for the fuzzer: byte-level (bit flips, interesting integers, self-pointing
 * offsets, truncation, splicing), TIFF-aware (IFD entry fields) and structure-aware for JSON/YAML documents.
 * Everything is deterministic from the Rng's seed.
 */
import YAML from 'yaml';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40];
export const INTERESTING_16 = [0, 1, 2, 0x7fff, 0x8000, 0xffff, 0x100, 0x1000, 16, 256, 257];
export const INTERESTING_32 = [0, 1, 2, 8, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000, 0x40000000, 1 << 20, 65536 * 65535];

function writeInt(buf: Uint8Array, pos: number, bytes: number, value: number, little: boolean): void {
  for (let i = 0; i < bytes && pos + i < buf.length; i++) {
    const shift = little ? i : bytes - 1 - i;
    buf[pos + i] = Math.floor(value / 2 ** (8 * shift)) & 0xff;
  }
}

/** One random byte-level mutation (returns a new array). `others` are corpus entries for splicing. */
export function mutateBytes(input: Uint8Array, rng: Rng, others: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  if (b.length === 0) return Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
  const pos = rng.int(b.length);
  const little = rng.chance(0.7);
  switch (rng.int(12)) {
    case 0:
      b[pos] ^= 1 << rng.int(8);
      break;
    case 1:
      b[pos] = rng.pick(INTERESTING_8);
      break;
    case 2:
      writeInt(b, pos, 2, rng.pick(INTERESTING_16), little);
      break;
    case 3:
      writeInt(b, pos, 4, rng.pick(INTERESTING_32), little);
      break;
    case 4: // an offset that points at itself, or at the file's end
      writeInt(b, pos & ~1, 4, rng.chance(0.5) ? pos & ~1 : b.length - rng.int(4), little);
      break;
    case 5: // truncate
      b = b.slice(0, rng.int(b.length));
      break;
    case 6: {
      // delete a chunk
      const n = 1 + rng.int(Math.min(256, b.length - pos));
      b = concat(b.slice(0, pos), b.slice(pos + n));
      break;
    }
    case 7: {
      // duplicate a chunk
      const n = 1 + rng.int(Math.min(256, b.length - pos));
      b = concat(b.slice(0, pos + n), b.slice(pos, pos + n), b.slice(pos + n));
      break;
    }
    case 8: {
      // splice with another input
      const o = others.length ? rng.pick(others) : b;
      const at = rng.int(o.length);
      b = concat(b.slice(0, pos), o.slice(at, at + 1 + rng.int(512)), b.slice(pos + rng.int(64)));
      break;
    }
    case 9: // random bytes
      for (let i = 0, n = 1 + rng.int(16); i < n && pos + i < b.length; i++) b[pos + i] = rng.int(256);
      break;
    case 10: // zero a run
      b.fill(0, pos, pos + 1 + rng.int(64));
      break;
    default:
      b[pos] = (b[pos] + (rng.chance(0.5) ? 1 : -1) * (1 + rng.int(16))) & 0xff;
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- TIFF-aware

export interface IfdEntryRef {
  /** Byte offset of the entry (12 bytes classic, 20 BigTIFF). */
  at: number;
  tag: number;
  type: number;
  count: number;
  /** Offset of the value/offset field. */
  valueAt: number;
}

export interface TiffLayout {
  little: boolean;
  big: boolean;
  ifdOffsets: number[];
  entries: IfdEntryRef[];
}

/** Finds the IFD entries of a (well-formed enough) TIFF, at most 16 IFDs; null when it is not a TIFF. */
export function tiffLayout(b: Uint8Array): TiffLayout | null {
  if (b.length < 8) return null;
  const little = b[0] === 0x49 && b[1] === 0x49;
  if (!little && !(b[0] === 0x4d && b[1] === 0x4d)) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number) => dv.getUint16(o, little);
  const u32 = (o: number) => dv.getUint32(o, little);
  const u64 = (o: number) => Number(dv.getBigUint64(o, little));
  const magic = u16(2);
  const big = magic === 43;
  if (magic !== 42 && !big) return null;
  if (big && b.length < 16) return null;
  let off = big ? u64(8) : u32(4);
  const ifdOffsets: number[] = [];
  const entries: IfdEntryRef[] = [];
  const seen = new Set<number>();
  try {
    while (off > 0 && off < b.length && !seen.has(off) && ifdOffsets.length < 16) {
      seen.add(off);
      ifdOffsets.push(off);
      const n = big ? u64(off) : u16(off);
      const first = off + (big ? 8 : 2);
      const size = big ? 20 : 12;
      for (let i = 0; i < n && first + (i + 1) * size <= b.length; i++) {
        const at = first + i * size;
        entries.push({ at, tag: u16(at), type: u16(at + 2), count: big ? u64(at + 4) : u32(at + 4), valueAt: at + (big ? 12 : 8) });
      }
      const next = first + n * size;
      if (next + (big ? 8 : 4) > b.length) break;
      off = big ? u64(next) : u32(next);
    }
  } catch {
    /* a truncated file: what we found so far */
  }
  return { little, big, ifdOffsets, entries };
}

/** Sets an inline (<= 4 bytes classic) SHORT/LONG value of a tag, if present. */
export function patchTag(b: Uint8Array, tag: number, value: number): boolean {
  const l = tiffLayout(b);
  const e = l?.entries.find((x) => x.tag === tag);
  if (!l || !e) return false;
  writeInt(b, e.valueAt, e.type === 3 ? 2 : 4, value, l.little);
  return true;
}

const INTERESTING_TAGS = [256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 338, 339, 347, 530, 532, 33550, 33922, 34264, 34735, 34736, 34737, 42112, 42113];
const TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 18, 99, 0xffff];

/** A mutation of one IFD entry (tag, type, count or value field), or a header/IFD pointer; falls back to bytes. */
export function mutateTiff(input: Uint8Array, rng: Rng, others: readonly Uint8Array[]): Uint8Array {
  const l = tiffLayout(input);
  if (!l || l.entries.length === 0 || rng.chance(0.35)) return mutateBytes(input, rng, others);
  const b = Uint8Array.from(input);
  const e = rng.pick(l.entries);
  const w = l.big ? 8 : 4;
  switch (rng.int(8)) {
    case 0:
      writeInt(b, e.at, 2, rng.pick(INTERESTING_TAGS), l.little);
      break;
    case 1:
      writeInt(b, e.at + 2, 2, rng.pick(TYPES), l.little);
      break;
    case 2:
      writeInt(b, e.at + 4, w, rng.chance(0.5) ? rng.pick(INTERESTING_32) : e.count + rng.int(5) - 2, l.little);
      break;
    case 3:
    case 4: {
      const v = rng.chance(0.6) ? rng.pick(INTERESTING_32) : rng.int(b.length + 16);
      if (e.type === 3 && e.count <= (l.big ? 4 : 2)) writeInt(b, e.valueAt, 2, v & 0xffff, l.little);
      else writeInt(b, e.valueAt, w, v, l.little);
      break;
    }
    case 5: // next-IFD pointer / first IFD pointer to itself or to another IFD (loops)
      if (rng.chance(0.5)) writeInt(b, l.big ? 8 : 4, w, rng.pick([...l.ifdOffsets, 0, 8, b.length, 0xffffffff]), l.little);
      else {
        const ifd = rng.pick(l.ifdOffsets);
        const n = l.big ? Number(new DataView(b.buffer).getBigUint64(ifd, l.little)) : new DataView(b.buffer).getUint16(ifd, l.little);
        writeInt(b, ifd + (l.big ? 8 : 2) + n * (l.big ? 20 : 12), w, rng.pick(l.ifdOffsets), l.little);
      }
      break;
    case 6: // entry count of an IFD
      writeInt(b, rng.pick(l.ifdOffsets), l.big ? 8 : 2, rng.pick([0, 1, 0xffff, 200, 4096]), l.little);
      break;
    default: {
      // the data an entry points to (offset arrays, GeoKeys, doubles)
      const target = l.big ? Number(new DataView(b.buffer).getBigUint64(e.valueAt, l.little)) : new DataView(b.buffer).getUint32(e.valueAt, l.little);
      if (target > 0 && target < b.length - 8) {
        const at = target + rng.int(Math.min(64, b.length - target - 8));
        if (rng.chance(0.3)) new DataView(b.buffer).setFloat64(at & ~7, rng.pick([NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, 5e-324]), l.little);
        else writeInt(b, at, rng.pick([2, 4]), rng.pick(INTERESTING_32), l.little);
      } else return mutateBytes(input, rng, others);
    }
  }
  return b;
}

// ------------------------------------------------------------------------------------ JSON / YAML structure

const HOSTILE_VALUES: unknown[] = [
  0, -1, 1, 0.5, -0.0, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 4294967296, '', ' ', 'x'.repeat(5000), '\u0000', '../../etc/passwd', '/dev/urandom',
  '/dev/zero', 'https://127.0.0.1:1/x.tif', null, true, false, [], {}, [[]], [0], [0, 0], [[0, 0], [0, 0]], { type: 'Polygon' },
  { type: 'Polygon', coordinates: [] }, { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] },
  { type: 'Point', coordinates: [0, 0] }, { type: 'GeometryCollection', geometries: [] }, { type: 'FeatureCollection', features: [] },
  { __proto__: { polluted: 1 } }, { constructor: { prototype: { x: 1 } } }, '__proto__', 'constructor', '2015-02-30', '9999-99-99',
];
/** Text tokens that JSON.stringify cannot produce but a parser may meet. */
const HOSTILE_TOKENS = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e-400', '0x10', '.5', '1_000', 'undefined', '"\\ud800"', '-0'];

type Json = unknown;

function paths(v: Json, base: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  out.push(base);
  if (depth > 12 || out.length > 5000) return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...base, i], out, depth + 1));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths((v as Record<string, Json>)[k], [...base, k], out, depth + 1);
  return out;
}

function getAt(v: Json, p: (string | number)[]): Json {
  return p.reduce<Json>((a, k) => (a as Record<string | number, Json>)?.[k], v);
}

function deepNest(depth: number, leaf: Json, arrays: boolean): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** A structure-aware mutation of a parsed document: drop/duplicate/rename keys, replace values, deep nesting. */
export function mutateValue(doc: Json, rng: Rng, donors: readonly Json[]): Json {
  const root = structuredClone(doc);
  const all = paths(root);
  const p = rng.pick(all);
  const set = (value: Json) => {
    if (p.length === 0) return value;
    const parent = getAt(root, p.slice(0, -1)) as Record<string | number, Json>;
    parent[p[p.length - 1]] = value;
    return root;
  };
  const cur = getAt(root, p);
  switch (rng.int(9)) {
    case 0: {
      // drop
      if (p.length === 0) return root;
      const parent = getAt(root, p.slice(0, -1)) as Record<string | number, Json>;
      if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 1);
      else delete parent[p[p.length - 1]];
      return root;
    }
    case 1: // duplicate into an array / repeat
      if (Array.isArray(cur) && cur.length) {
        const i = rng.int(cur.length);
        for (let k = 0, n = rng.chance(0.2) ? 1000 : 1; k < n; k++) cur.push(structuredClone(cur[i]));
        return root;
      }
      return set([cur, cur]);
    case 2:
      return set(rng.pick(HOSTILE_VALUES));
    case 3: // numbers: scale, negate, make huge
      return set(typeof cur === 'number' ? rng.pick([cur * 1e300, -cur, cur + 1e-9, Math.floor(cur) + 0.5, cur * 1e6, 1e308]) : rng.pick(HOSTILE_VALUES));
    case 4:
      return set(deepNest(rng.pick([10, 100, 1000, 5000]), cur ?? 0, rng.chance(0.6)));
    case 5: {
      // wrong type: wrap or unwrap
      if (Array.isArray(cur)) return set(cur[0] ?? {});
      if (cur && typeof cur === 'object') return set(Object.values(cur)[0] ?? []);
      return set(rng.chance(0.5) ? [cur] : String(cur));
    }
    case 6: {
      // rename a key / add a key
      const parent = p.length ? (getAt(root, p.slice(0, -1)) as Record<string, Json>) : null;
      if (parent && !Array.isArray(parent)) {
        const k = String(p[p.length - 1]);
        const nk = rng.pick(['id', 'type', 'crs', 'properties', 'geometry', 'coordinates', 'features', '__proto__', k.toUpperCase(), `${k}_`, '']);
        const v = parent[k];
        delete parent[k];
        parent[nk] = v;
        return root;
      }
      return set(cur);
    }
    case 7: {
      // graft a subtree from a donor document
      const donor = donors.length ? rng.pick(donors) : root;
      const dp = rng.pick(paths(donor));
      return set(structuredClone(getAt(donor, dp)));
    }
    default: {
      // coordinates: swap in NaN-like or shift
      if (Array.isArray(cur) && cur.every((x) => typeof x === 'number') && cur.length) {
        const c = [...cur] as number[];
        c[rng.int(c.length)] = rng.pick([1e308, -1e308, 0, 180.0000001, -90.5, 1e15, 2 ** 31]);
        if (rng.chance(0.2)) c.push(0);
        return set(c);
      }
      return set(rng.pick(HOSTILE_VALUES));
    }
  }
}

/** Serialises, then now and then applies a text-level mutation (hostile tokens, truncation, byte noise). */
export function serialiseDoc(doc: Json, rng: Rng, yaml: boolean): string {
  let text: string;
  try {
    text = yaml && rng.chance(0.5) ? YAML.stringify(doc, { aliasDuplicateObjects: false }) : JSON.stringify(doc, null, rng.chance(0.5) ? 1 : 0);
  } catch {
    text = '{}';
  }
  text ??= 'null';
  if (rng.chance(0.3)) {
    const nums = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
    if (nums.length) {
      const m = rng.pick(nums);
      text = text.slice(0, m.index) + rng.pick(HOSTILE_TOKENS) + text.slice(m.index! + m[0].length);
    }
  }
  if (yaml && rng.chance(0.1)) text = `${rng.pick(YAML_HOSTILE)}\n${text}`;
  return text;
}

const YAML_HOSTILE = [
  // alias bomb (billion laughs)
  'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  '%YAML 1.1\n---',
  '!!binary aGVsbG8=',
  'x: !!js/function "function(){}"',
  '<<: {name: merged}',
  'self: &s\n  me: *s',
  '? [a, b]\n: c',
];

/** A text-level mutation of a document (for inputs that do not parse any more). */
export function mutateText(text: string, rng: Rng, others: readonly Uint8Array[]): Uint8Array {
  return mutateBytes(new TextEncoder().encode(text), rng, others);
}

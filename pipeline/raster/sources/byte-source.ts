/**
 * Random access to the bytes of a raster file, local or remote. The reader asks for byte ranges;
 * a source returns them (clipped at the end of the file, like a read(2) at EOF).
 */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface ByteSource {
  /** The path or URL, for messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Reads the ranges (already coalesced by the caller); each result may be shorter at end of file. */
  read(ranges: ByteRange[]): Promise<Uint8Array[]>;
  /** Bytes fetched so far (for tests and benchmarks of range requests). */
  readonly bytesRead: number;
  /** What identifies this version of a remote file (its ETag, else Last-Modified) for provenance; null for local files. */
  readonly version: string | null;
  close(): Promise<void>;
}

/**
 * Merges ranges whose gap is at most `maxGap` bytes into one read, so a window's blocks
 * cost a few reads (or HTTP requests) instead of one each. Returns the merged ranges and, per input
 * range, which merged range holds it and at what offset.
 */
export function coalesceRanges(
  ranges: ByteRange[],
  maxGap: number,
): { merged: ByteRange[]; placement: { merged: number; start: number }[] } {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const merged: ByteRange[] = [];
  const placement = new Array<{ merged: number; start: number }>(ranges.length);
  for (const i of order) {
    const r = ranges[i];
    const last = merged[merged.length - 1];
    if (last && r.offset <= last.offset + last.length + maxGap) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    } else {
      merged.push({ offset: r.offset, length: r.length });
    }
    placement[i] = { merged: merged.length - 1, start: r.offset - merged[merged.length - 1].offset };
  }
  return { merged, placement };
}

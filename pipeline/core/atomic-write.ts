import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Everything we write where a reader (another stage, another worker, a user) may look goes through here: a file
 * or folder is built under a temporary name beside its target and renamed into place, so a process killed midway
 * leaves nothing that looks complete, and a failed run leaves the previous result untouched.
 */

/** A unique temporary name beside `target` (same folder, so the rename is atomic). */
export function temporaryPathFor(target: string): string {
  const resolved = path.resolve(target);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes `content` (parts are written one after another, not joined first) at `file` atomically, creating its folder. */
export async function writeFileAtomic(file: string, content: string | Uint8Array | Uint8Array[]): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temp = temporaryPathFor(file);
  try {
    if (Array.isArray(content)) await writeParts(temp, content);
    else await writeFile(temp, content);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function writeParts(file: string, parts: Uint8Array[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (const part of parts) {
      for (let done = 0; done < part.byteLength; ) done += (await handle.write(part, done)).bytesWritten;
    }
  } finally {
    await handle.close();
  }
}

/** The synchronous twin of writeFileAtomic, for callers that cannot await (caches written in a sync path). */
export function writeFileAtomicSync(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temp = temporaryPathFor(file);
  try {
    writeFileSync(temp, content);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Replaces the folder `target` with `staging` (a complete folder built beside it). */
export async function replaceDir(staging: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await mkdir(path.dirname(path.resolve(target)), { recursive: true });
  await rename(staging, target);
}

/**
 * Builds a folder: `build` fills an empty staging folder beside `target`, which then replaces `target`. If `build`
 * throws, the staging folder is removed and `target` is left as it was.
 */
export async function buildDirAtomic<T>(target: string, build: (staging: string) => Promise<T>): Promise<T> {
  const staging = temporaryPathFor(target);
  await mkdir(staging, { recursive: true });
  try {
    const result = await build(staging);
    await replaceDir(staging, target);
    return result;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

// Writing an export folder all at once: every file goes into a temporary folder beside the target,
// which is renamed into place only when complete. Same parent, so the rename stays on one file
// system and is atomic; a failed or killed export leaves no half-written folder under the target
// name (at worst a `.partial-` folder, which nothing reads).

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AppFailure } from '../../shared/result.ts';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Refuses a target that already holds something: an export never overwrites. */
export async function checkTarget(target: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(target);
    if (!info.isDirectory()) throw new AppFailure({ code: 'conflict', message: `${target} already exists and is not a folder.` });
    entries = await readdir(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (entries.length > 0)
    throw new AppFailure({ code: 'conflict', message: `${target} already exists and is not empty; choose a new folder.` });
}

/** Writes `files` (relative path -> bytes) as the folder `target`; returns the absolute target. */
export async function writeFolderAtomically(target: string, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
  const final = resolve(target);
  await checkTarget(final);
  const parent = dirname(final);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.${basename(final)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(temp);
    for (const [path, bytes] of files) {
      const file = join(temp, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes);
    }
    // An empty target may exist (e.g. made by a save dialog); rename cannot replace a folder on
    // every platform, so it goes first. rmdir fails rather than delete anything that appeared since.
    try {
      await rmdir(final);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await rename(temp, final);
    return final;
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    if (e instanceof AppFailure) throw e;
    throw new AppFailure({ code: 'store-error', message: `Cannot write the export to ${final}: ${(e as Error).message}` });
  }
}

/**
 * The folder a restore writes into, as seen from the file system: is it empty, how much room does its file system
 * have, what ended up in it, and how many bytes the restoring program has written so far.
 *
 * Why the last one reads /proc: restic 0.14 reports no progress for restore, and it preallocates every file at
 * its full size the moment it opens it (fallocate), so sizes in the target folder jump to the end at once. The
 * count of bytes restic has written (`wchar` in /proc/PID/io) moves as the data arrives. Where /proc is not
 * readable, the sizes in the folder are the fallback.
 */
import { mkdir, readdir, readFile, lstat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';

/** The names in `path`; null when it does not exist. A file there is a UserError naming `what`. */
export async function folderEntries(path: string, what: string): Promise<string[] | null> {
  try {
    return await readdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new UserError('E_USAGE', `${what} ${path} is a file, not a folder`, { hints: ['give a folder to restore into, e.g. ~/restore/files'] });
    if (code === 'EACCES' || code === 'EPERM') throw new UserError('E_FILE', `${what} ${path} cannot be read (permission denied)`, { hints: ['choose a folder of your own, e.g. ~/restore/files'] });
    throw error;
  }
}

/** Creates the folder and its parents. */
export async function makeFolder(path: string, what: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new UserError('E_FILE', `${what} ${path} cannot be created: ${(error as Error).message}`, { hints: ['choose a folder you can write to, e.g. ~/restore/files'] });
  }
}

/**
 * Bytes an unprivileged user may still write on the file system that holds `path` (statfs: bavail × bsize). For a
 * folder not yet made, its nearest existing parent is asked: the folder will be made on that file system.
 */
export async function freeBytes(path: string): Promise<number> {
  let current = resolve(path);
  for (;;) {
    try {
      const info = await statfs(current);
      return info.bavail * info.bsize;
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

/** The entries of a folder with their kind, for `topFolders` (src/core/restore.ts). */
export async function readFolder(path: string): Promise<{ name: string; isFolder: boolean }[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries.map((entry) => ({ name: entry.name, isFolder: entry.isDirectory() }));
}

/** The bytes restic has written so far (`wchar` of /proc/PID/io), or null where /proc does not tell. */
export async function writtenBytesOf(pid: number): Promise<number | null> {
  try {
    const text = await readFile(`/proc/${pid}/io`, 'utf8');
    const match = /^wchar:\s*(\d+)$/m.exec(text);
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** The sum of the sizes of the regular files under `path` (links not followed); 0 when it does not exist. */
export async function folderBytes(path: string): Promise<number> {
  let total = 0;
  const pending = [path];
  while (pending.length > 0) {
    const folder = pending.pop() ?? '';
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      continue; // a folder restic has not finished creating, or one we cannot read: counted next time
    }
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) total += await lstat(full).then((info) => info.size, () => 0);
    }
  }
  return total;
}

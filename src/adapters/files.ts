/**
 * File helpers with drkit's rules: whatever holds a secret (a decrypted bundle, a set of shares) is written 0600
 * inside a 0700 folder, atomically (temp file + rename), and never over an existing file unless asked; reading
 * turns "no such file" into a UserError that names the file.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'does not exist';
    case 'EISDIR': return 'is a folder, not a file';
    case 'EACCES': case 'EPERM': return 'cannot be read (permission denied)';
    default: return (error as Error).message;
  }
}

/** Reads a text file given by the user; `what` names it in the error ("--bundle", "share file"). */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError('E_FILE', `${what} ${path} ${describe(error)}`, { hints: ['check the path'], cause: error });
  }
}

export async function readUserBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UserError('E_FILE', `${what} ${path} ${describe(error)}`, { hints: ['check the path'], cause: error });
  }
}

/** Creates the folder (and parents) if needed and makes it 0700. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `data` to `path` with mode 0600: first to a temp name in the same folder, then renamed, so a reader never
 * sees half a file. Refuses to replace an existing file unless `overwrite`.
 */
export async function writePrivateFile(path: string, data: string | Uint8Array, options: { overwrite?: boolean; what?: string } = {}): Promise<void> {
  if (!options.overwrite && (await pathExists(path))) {
    throw new UserError('E_EXISTS', `${options.what ?? 'output file'} ${path} already exists`, { hints: ['choose another path, or pass --force to replace it'] });
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The names in a folder, or [] when it does not exist. */
export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Throws the same UserError as readUserFile when `path` is not a readable file, without reading it. */
export async function assertReadableFile(path: string, what: string): Promise<void> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    await access(path, constants.R_OK);
  } catch (error) {
    throw new UserError('E_FILE', `${what} ${path} ${describe(error)}`, { hints: ['check the path'], cause: error });
  }
}

/** Deletes `names` from `dir` (missing ones are fine). */
export async function removeFiles(dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) await rm(join(dir, name), { force: true });
}

/**
 * Moves the files `names` from the private folder `staging` into `dir` (same file system: renames), after deleting
 * `replaced` there, then removes `staging`. Callers stage and check first, so `dir` never holds a half-written set.
 */
export async function publishStagedFiles(staging: string, dir: string, names: readonly string[], replaced: readonly string[] = []): Promise<void> {
  await removeFiles(dir, replaced);
  for (const name of names) await rename(join(staging, name), join(dir, name));
  await removeTree(staging);
}

/** Removes a folder and everything in it (a staging folder left by a failure included). */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

// which files are sheets or photos: src/adapters/printed-file.ts (by content, not by name)

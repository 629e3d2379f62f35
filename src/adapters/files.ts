/**
 * File helpers with drkit's rules: whatever holds a secret (a decrypted bundle, a set of shares) is written 0600
 * inside a 0700 folder, atomically (temp file + rename), and never over an existing file unless asked; reading
 * turns "no such file" into a UserError that names the file.
 *
 * `writeFileAtomic` (and its sync twin for sync callers) is the one atomic writer of drkit: the status file, the
 * config cache, kit files, recovered credentials, the onsite marker and schedule files all go through it.
 */
import { constants, closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { access, chmod, link, lstat, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { ownedTempName, registerCleanupPath, sweepStale } from './cleanup.js';

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

export interface AtomicWriteOptions {
  /** the file's mode (default 0600: drkit's files are private) */
  mode?: number;
  /** replace an existing file (default true); false refuses with E_EXISTS, atomically (link(2), not a test first) */
  overwrite?: boolean;
  /** names the file in errors ("--out", "status file"); with it, a folder that cannot be written is a UserError */
  what?: string;
}

/** The temp name beside `path`: hidden, with this process's id so a killed writer's leftover is swept. */
/** The temp name beside `path` a writer uses before it renames or links it into place (swept by name after SIGKILL). */
export function atomicTempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${ownedTempName('drkit')}.tmp`);
}

/** What a killed writer leaves beside a file of `dir`: `.<name>.drkit-<pid>-<hex>.tmp`. */
const ATOMIC_TEMP = { pattern: /^\..+\.drkit-(\d+)-[0-9a-f]{8}\.tmp$/ };

/** Removes the temp files that killed writers left in `dir` (their pid is gone); every write sweeps its folder first. */
export function sweepAtomicLeftovers(dir: string): string[] {
  return sweepStale(dir, [ATOMIC_TEMP]);
}

function exists(error: unknown): UserError {
  return new UserError('E_EXISTS', 'exists', { cause: error });
}

function writeError(path: string, what: string | undefined, error: unknown): unknown {
  if (error instanceof UserError && error.code === 'E_EXISTS') {
    return new UserError('E_EXISTS', `${what ?? 'output file'} ${path} already exists`, { hints: ['choose another path, or pass --force to replace it'] });
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (what === undefined || code === undefined) return error;
  const reason: Record<string, string> = {
    EACCES: 'cannot be written (permission denied)', EPERM: 'cannot be written (permission denied)', EROFS: 'is on a read-only file system',
    ENOENT: 'is in a folder that does not exist', ENOTDIR: 'is in a path that is not a folder', EISDIR: 'is a folder, not a file', ENOSPC: 'cannot be written: the disk is full',
  };
  const said = reason[code];
  return said === undefined ? error : new UserError('E_WRITE', `${what} ${path} ${said}`, { hints: ['choose a path in a folder you can write'], cause: error });
}

/**
 * Writes `data` to `path` atomically: a temp file in the same folder (mode 0600 unless told), fsync, then rename
 * (or link, when an existing file must not be replaced), then fsync of the folder, so a crash leaves the old file or
 * the new one, never a torn one. The temp file is removed on every exit (cleanup registry, sweep after SIGKILL).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  sweepAtomicLeftovers(dirname(path));
  const temp = atomicTempName(path);
  const release = registerCleanupPath(temp);
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite === false) {
      await link(temp, path).catch((error: NodeJS.ErrnoException) => { throw error.code === 'EEXIST' ? exists(error) : error; });
      await unlink(temp);
    } else {
      await rename(temp, path);
    }
    await syncFolder(dirname(path));
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw writeError(path, options.what, error);
  } finally {
    release();
  }
}

/** `writeFileAtomic` for callers that must stay synchronous (the status file under its lock, the config cache). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  sweepAtomicLeftovers(dirname(path));
  const temp = atomicTempName(path);
  const release = registerCleanupPath(temp);
  try {
    const fd = openSync(temp, 'wx', options.mode ?? 0o600);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.overwrite === false) {
      try {
        linkSync(temp, path);
      } catch (error) {
        throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? exists(error) : error;
      }
      unlinkSync(temp);
    } else {
      renameSync(temp, path);
    }
    syncFolderSync(dirname(path));
  } catch (error) {
    rmSync(temp, { force: true });
    throw writeError(path, options.what, error);
  } finally {
    release();
  }
}

/** fsync of a folder, so the rename itself survives a power cut; some file systems refuse it, which is fine. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try { await handle.sync(); } finally { await handle.close(); }
  } catch {
    // best effort
  }
}

function syncFolderSync(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // best effort
  }
}

/**
 * Writes a private file (0600) atomically, refusing to replace an existing one unless `overwrite`: the atomic
 * writer with drkit's defaults for secrets.
 */
export async function writePrivateFile(path: string, data: string | Uint8Array, options: { overwrite?: boolean; what?: string } = {}): Promise<void> {
  await writeFileAtomic(path, data, { mode: 0o600, overwrite: options.overwrite ?? false, ...(options.what === undefined ? {} : { what: options.what }) });
}

/**
 * Checks, before any work, that `path` can become a new file: its folder exists and can be written, and it is not
 * a folder, a dangling symbolic link or (unless `overwrite`) an existing file. Names `what` in the UserError.
 */
export async function assertWritableFilePath(path: string, what: string, overwrite: boolean): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (info !== null) {
    if (info.isSymbolicLink() && (await stat(path).catch(() => null)) === null) {
      throw new UserError('E_OUT_PATH', `${what} ${path} is a symbolic link to something that does not exist`, { hints: ['remove the link, or choose another path'] });
    }
    if ((await stat(path)).isDirectory()) {
      throw new UserError('E_OUT_PATH', `${what} ${path} is a folder: it must name a file`, { hints: [`e.g. ${join(path, 'bundle.json')}`] });
    }
    if (!overwrite) throw new UserError('E_EXISTS', `${what} ${path} already exists`, { hints: ['choose another path, or pass --force to replace it'] });
  }
  const folder = dirname(resolve(path));
  const folderInfo = await stat(folder).catch(() => null);
  if (folderInfo === null) throw new UserError('E_OUT_PATH', `${what} ${path}: the folder ${folder} does not exist`, { hints: [`create it first (mkdir -p ${folder}), or choose another path`] });
  if (!folderInfo.isDirectory()) throw new UserError('E_OUT_PATH', `${what} ${path}: ${folder} is not a folder`, { hints: ['choose another path'] });
  await probeWritable(folder, `${what} ${path}`);
}

/**
 * Checks that `path` is a folder drkit can create files in, or can be created: not a file, not a dangling symbolic
 * link, writable (tried for real: root ignores mode bits, but not a read-only mount).
 */
export async function assertWritableFolder(path: string, what: string): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (info?.isSymbolicLink() === true && (await stat(path).catch(() => null)) === null) {
    throw new UserError('E_OUT_PATH', `${what} ${path} is a symbolic link to a folder that does not exist`, { hints: ['remove the link, or create the folder it points to'] });
  }
  if (info !== null) {
    if (!(await stat(path)).isDirectory()) throw new UserError('E_OUT_PATH', `${what} ${path} is a file, not a folder`, { hints: ['give a folder (it is created if missing)'] });
    await probeWritable(path, `${what} ${path}`);
    return;
  }
  // missing: the nearest existing ancestor must be a folder that can be written
  let ancestor = dirname(resolve(path));
  for (;;) {
    const found = await stat(ancestor).catch(() => null);
    if (found !== null) {
      if (!found.isDirectory()) throw new UserError('E_OUT_PATH', `${what} ${path}: ${ancestor} is a file, not a folder`, { hints: ['choose another path'] });
      break;
    }
    const parent = dirname(ancestor);
    if (parent === ancestor) break;
    ancestor = parent;
  }
  await probeWritable(ancestor, `${what} ${path}`);
}

async function probeWritable(folder: string, subject: string): Promise<void> {
  const probe = join(folder, `.${ownedTempName('drkit-probe')}`);
  try {
    await access(folder, constants.W_OK | constants.X_OK);
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'ENOSPC' ? 'is on a full disk' : `cannot be written in ${folder} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? String(error)})`;
    throw new UserError('E_OUT_PATH', `${subject} ${why}`, { hints: ['choose a folder you can write, or fix its permissions'], cause: error });
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

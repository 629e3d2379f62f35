/**
 * `restic version` once per binary, not once per run: the version found is kept on disk, keyed by the binary's
 * resolved path, size and modification time (`$XDG_STATE_HOME/drkit/cache/restic-versions.json`). Installing
 * another restic (apt upgrade, a new release unpacked over the old one) changes size or time, so it is detected
 * again; a binary found elsewhere on PATH is another key. A missing or damaged cache only costs one
 * `restic version`; nothing here throws.
 */
import { readFileSync, statSync, mkdirSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { stateHome } from '../paths.js';
import { writeFileAtomicSync as writeFileAtomic } from '../files.js';
import { drkitCacheDir } from './known.js';

interface Entry { size: number; mtimeMs: number; text: string }
type CacheFile = Record<string, Entry>;

export function versionCacheFile(): string {
  return join(drkitCacheDir(stateHome()), 'restic-versions.json');
}

/** The executable `binary` names: itself when it has a '/', else the first match on PATH (as spawn finds it). */
function resolveBinary(binary: string): { path: string; size: number; mtimeMs: number } | null {
  const candidates = binary.includes('/') ? [isAbsolute(binary) ? binary : resolve(binary)]
    : (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, binary));
  for (const path of candidates) {
    try {
      const info = statSync(path);
      if (info.isFile() && (info.mode & 0o111) !== 0) return { path, size: info.size, mtimeMs: info.mtimeMs };
    } catch {
      // not here; the next PATH entry
    }
  }
  return null;
}

function readCache(file: string): CacheFile {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as CacheFile : {};
  } catch {
    return {};
  }
}

/**
 * The text `restic version` printed for this binary, from the cache when the binary is unchanged, else from
 * `detect()` (which runs it and throws unless it printed a version), then remembered. A cached text that `valid`
 * rejects (a hand-edited cache) is detected again.
 */
export async function cachedVersionText(binary: string, detect: () => Promise<string>, valid: (text: string) => boolean, file = versionCacheFile()): Promise<string> {
  const found = resolveBinary(binary);
  if (found !== null) {
    const entry = readCache(file)[found.path];
    if (entry !== undefined && entry.size === found.size && entry.mtimeMs === found.mtimeMs && typeof entry.text === 'string' && valid(entry.text)) return entry.text;
  }
  const text = await detect();
  if (found !== null) {
    try {
      const cache = readCache(file);
      cache[found.path] = { size: found.size, mtimeMs: found.mtimeMs, text };
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, `${JSON.stringify(cache)}\n`);
    } catch {
      // unwritable cache: the next run asks restic again
    }
  }
  return text;
}

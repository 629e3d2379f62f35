/**
 * What drkit remembers about a repository between runs, so a scheduled backup opens it once (for `restic backup`
 * itself) instead of three times. One file per repository id in drkit's cache folder
 * (`$XDG_STATE_HOME/drkit/cache/repositories/<id>.json`, 0600 in 0700 folders), holding:
 * - `configSha256`: the SHA-256 of the repository's encrypted `config` file as read at `drkit init` (or at the
 *   first run that confirmed the id with restic), the fingerprint ./identity.ts compares;
 * - `createdEmpty`: at `drkit init` the repository held no snapshot (init created it, or found it empty);
 * - `retention`: per forget group (host, tags, sources), how many snapshots the last `forget` kept, how many
 *   backups drkit made since, and when it ran (src/core/forget-due.ts decides from it).
 * No secrets: the repository URL is not stored (it may hold credentials), only hashes and counts.
 *
 * It is a cache in the strict sense: a missing, damaged or unwritable file only means the next run does the full
 * work again (`restic cat config`, `forget --prune`). Reads never throw; writes are atomic and best effort.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync as writeFileAtomic } from '../files.js';
import type { RetentionLedger } from '../../core/forget-due.js';

export interface KnownRepository {
  configSha256?: string;
  /** the repository held no snapshot at `drkit init`, so a group without a ledger has only drkit's */
  createdEmpty?: boolean;
  retention?: Record<string, RetentionLedger>;
}

/** drkit's cache folder inside its state folder (where the validated-config cache lives too). */
export function drkitCacheDir(stateDir: string): string {
  return join(stateDir, 'cache');
}

export function knownRepositoryFile(cacheDir: string, repositoryId: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(repositoryId)) throw new RangeError(`not a restic repository id: ${repositoryId}`);
  return join(cacheDir, 'repositories', `${repositoryId}.json`);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The key of one forget group: restic groups by host and paths, and drkit filters by its tags. */
export function retentionGroupKey(host: string, tags: readonly string[], paths: readonly string[]): string {
  return sha256Hex(Buffer.from(JSON.stringify([host, [...tags].sort(), [...paths].sort()]))).slice(0, 16);
}

export function readKnownRepository(file: string): KnownRepository {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null || (value as { version?: unknown }).version !== 1) return {};
    const record = value as KnownRepository;
    return {
      ...(typeof record.configSha256 === 'string' ? { configSha256: record.configSha256 } : {}),
      ...(record.createdEmpty === true ? { createdEmpty: true } : {}),
      ...(typeof record.retention === 'object' && record.retention !== null ? { retention: record.retention } : {}),
    };
  } catch {
    return {};
  }
}

/** Applies `change` to the record and writes it back; a failure to write is ignored (see the module comment). */
export function updateKnownRepository(file: string, change: (record: KnownRepository) => void): void {
  try {
    const record = readKnownRepository(file);
    change(record);
    const folder = join(file, '..');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify({ version: 1, ...record })}\n`);
  } catch {
    // a cache that cannot be written costs the next run a restic call, nothing more
  }
}

/**
 * What drkit keeps about the kit on this machine: the fingerprint key, the kit's record in the status file and the
 * canary file. Rules:
 * - the fingerprint key (32 random bytes, see src/core/kit-record.ts for why a keyed hash) lives beside the
 *   secrets file, 0600 in its 0700 folder; a setup without a secrets file (passwordCommand only) keeps it in a
 *   0700 `private/` folder of the state folder. It is created once, by `kit create`, and only read afterwards;
 * - the canary (`<state>/canary/drkit-canary.txt`) names the newest kit; the backup command adds it to every
 *   onsite and offsite snapshot, so a restore shows whether the backup and the kit belong together. It holds no
 *   secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canaryText, type KitRecord } from '../core/kit-record.js';
import { readState, updateState } from './state.js';
import { writeFileAtomicSync as writeFileAtomic } from './files.js';

const KEY_BYTES = 32;

/** Where the fingerprint key of a setup lives. */
export function fingerprintKeyFile(secretsFile: string | undefined, stateDir: string): string {
  return secretsFile === undefined ? join(stateDir, 'private', 'kit-fingerprint.key') : join(dirname(secretsFile), 'kit-fingerprint.key');
}

/** The fingerprint key, or null when none was made yet. */
export function readFingerprintKey(file: string): Uint8Array | null {
  try {
    const key = readFileSync(file);
    return key.length === KEY_BYTES ? key : null;
  } catch {
    return null;
  }
}

/** The fingerprint key, made (0600, in a 0700 folder) when there is none yet. */
export function ensureFingerprintKey(file: string): Uint8Array {
  const existing = readFingerprintKey(file);
  if (existing !== null) return existing;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  // 'w', not 'wx': a file of the wrong length is not a key and is replaced
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

/** The canary file of this machine's drkit (an absolute path: backups record it as such). */
export function canaryFile(stateDir: string): string {
  return join(stateDir, 'canary', 'drkit-canary.txt');
}

/** The canary to add to backups, or undefined while no kit has been made. */
export function existingCanary(stateDir: string): string | undefined {
  const file = canaryFile(stateDir);
  return existsSync(file) ? file : undefined;
}

/**
 * What a restore of a backup made after the newest kit must contain: the canary's path as the snapshot records
 * it (absolute, as on this machine; restic restores it under its --target, rsync snapshots hold it under the
 * snapshot folder, see `canaryRestoredPath`) and its exact text. Null when no kit has been made. Drills use it.
 */
export function expectedCanary(stateDir: string): { path: string; text: string } | null {
  const kit = readState(stateDir).kit;
  if (kit === undefined) return null;
  return { path: canaryFile(stateDir), text: canaryText(kit.kitId, kit.createdOn) };
}

/** Where the canary is after restoring a snapshot into `restoreRoot` (restic --target, or an rsync snapshot folder). */
export function canaryRestoredPath(restoreRoot: string, canaryPath: string): string {
  return join(restoreRoot, canaryPath);
}

/** Records the new kit in the status file and points the canary at it. */
export async function recordKit(stateDir: string, record: KitRecord): Promise<void> {
  await updateState(stateDir, (state) => { state.kit = record; });
  const file = canaryFile(stateDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, canaryText(record.kitId, record.createdOn));
}

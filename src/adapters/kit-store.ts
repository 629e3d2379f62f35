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
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canaryText, type KitRecord } from '../core/kit-record.js';
import { readState, updateState } from './state.js';

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
export async function ensureFingerprintKey(file: string): Promise<Uint8Array> {
  const existing = readFingerprintKey(file);
  if (existing !== null) return existing;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  // replaced, not refused: a file of the wrong length is not a key. Atomic (the one writer, src/adapters/files.ts):
  // a killed run leaves no torn key, which the next run would silently replace under the kit's recorded fingerprints
  // (loaded here: `drkit status` reads this module and never writes)
  const { writeFileAtomicSync } = await import('./files.js');
  writeFileAtomicSync(file, key, { mode: 0o600 });
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
  // loaded here: `drkit status` reads the fingerprint key from this module and writes nothing
  const { writeFileAtomicSync } = await import('./files.js');
  const file = canaryFile(stateDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, canaryText(record.kitId, record.createdOn));
}

/**
 * The kit copy a scheduled drill uses (config `drill.schedule: monthly`): the sheet PDFs and the guide, kept in the
 * setup's private state folder, `<state>/kit/<kit id>/` (0700, files 0600), never in the kit's output folder. The
 * secrets file beside the config holds the same credentials, so the copy exposes nothing the machine does not
 * already hold; the printed sheets stay the only copy that survives the machine. The backups exclude the whole
 * `<state>/kit` folder (src/commands/backup.ts): the shares must not travel to the onsite disk or offsite.
 *
 * `<state>/kit/current` is a link to the newest kit's folder, so the config's `drill.kit` names one path that
 * stays right when a new kit replaces the copy; the old kit's folder goes at once (superseded sheets must not
 * linger).
 */
export function kitCopyRoot(stateDir: string): string {
  return join(stateDir, 'kit');
}

/** The stable path of the kept copy (a link to `<state>/kit/<kit id>`): what `drill.kit` names. */
export function kitCopyLink(stateDir: string): string {
  return join(kitCopyRoot(stateDir), 'current');
}

/** the files of a PDF kit a drill reads: every sheet and the guide */
const DRILL_FILE = /^(sheet-\d+\.pdf|guide\.pdf)$/;

/**
 * Copies the drill's files of the kit in `fromDir` to `<state>/kit/<kit id>/` (0700, files 0600), points
 * `current` at it and removes every other kit's copy. Returns the copy's folder.
 */
export function keepKitCopy(stateDir: string, kitId: string, fromDir: string): string {
  const root = kitCopyRoot(stateDir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  const folder = join(root, kitId);
  const staging = join(root, `.${kitId}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  try {
    for (const name of readdirSync(fromDir).filter((entry) => DRILL_FILE.test(entry))) {
      copyFileSync(join(fromDir, name), join(staging, name));
      chmodSync(join(staging, name), 0o600);
    }
    rmSync(folder, { recursive: true, force: true });
    renameSync(staging, folder);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const link = kitCopyLink(stateDir);
  const linkStaging = `${link}.tmp`;
  rmSync(linkStaging, { force: true });
  symlinkSync(kitId, linkStaging);
  renameSync(linkStaging, link);
  for (const entry of readdirSync(root)) if (entry !== kitId && entry !== 'current') rmSync(join(root, entry), { recursive: true, force: true });
  return folder;
}

/** The kept copy's folder (`<state>/kit/<kit id>`) when there is one with a guide and a sheet; null otherwise. */
export function keptKitCopy(stateDir: string): string | null {
  try {
    const folder = join(kitCopyRoot(stateDir), readlinkSync(kitCopyLink(stateDir)));
    const names = readdirSync(folder);
    return names.includes('guide.pdf') && names.some((name) => /^sheet-\d+\.pdf$/.test(name)) ? folder : null;
  } catch {
    return null;
  }
}

/** Removes the kept copy (every kit's); returns true when there was one. */
export function removeKitCopy(stateDir: string): boolean {
  const root = kitCopyRoot(stateDir);
  if (!existsSync(root)) return false;
  rmSync(root, { recursive: true, force: true });
  return true;
}

/**
 * The rules of a restore, pure: how the snapshots read in a list, which snapshot an answer or a flag means, when
 * a listing is needed at all, whether the target has room, and where restored files ended up. The restorer is
 * frightened and on a borrowed computer, so every message is plain and every default is the safe one.
 *
 * Rules:
 * - the newest snapshot is row 1 and the default; the one line of advice under the list says when to pick another;
 * - an answer is a row number, a snapshot id (or a unique start of one, at least 4 digits), `latest`, or nothing
 *   (= the newest); anything else is named and asked again;
 * - no list is shown (and none is fetched) when nobody can answer: not a terminal, --json, or --snapshot given;
 *   `restic restore` then resolves "latest" and the filters itself;
 * - the free space of the target's file system must hold the snapshot's restore size; with --include less is
 *   written, so a shortfall is then a warning, not a refusal.
 */
import { UserError } from '../errors.js';

/** How sizes read ("1.4 GiB"): passed in by the caller (src/ui/format.ts), the core does not depend on the UI. */
export type FormatBytes = (bytes: number) => string;

/** How times read ("2026-11-27 09:15 GMT+1", the reader's local time): passed in too, the one rule is src/ui/format.ts's. */
export type FormatTime = (iso: string) => string;

/** One snapshot as the list shows it (from restic's or the onsite disk's listing). */
export interface SnapshotRow {
  id: string;
  /** the id as shown and typed: restic's 8-digit short id, or the onsite folder's name */
  shortId: string;
  /** ISO 8601 */
  time: string;
  hostname?: string;
  paths: readonly string[];
  /** bytes a restore writes, when known */
  size?: number;
}

/** The advice printed under every list: the newest snapshot can be the damaged one. */
export const PICK_ADVICE = 'after ransomware or a mistaken delete, pick one from before it happened';

/** Newest first (restic lists oldest first). ISO times of one format sort as text; Date handles mixed ones. */
export function newestFirst<T extends Pick<SnapshotRow, 'time'>>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => new Date(b.time).getTime() - new Date(a.time).getTime());
}

/**
 * The list as text lines: a header, one numbered row per snapshot (newest first, as given), then the advice.
 * Columns are padded to their widest cell; paths are joined with ", ".
 */
export function formatSnapshotTable(rows: readonly SnapshotRow[], options: { formatTime: FormatTime; formatBytes: FormatBytes }): string[] {
  const { formatTime, formatBytes } = options;
  const cells = rows.map((row, index) => [
    String(index + 1), row.shortId, formatTime(row.time), row.hostname ?? '', row.size === undefined ? '?' : formatBytes(row.size),
    row.paths.join(', ') + (index === 0 ? '   (newest)' : ''),
  ]);
  const header = ['#', 'id', 'date', 'host', 'size', 'folders'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] ?? '').length)));
  const line = (cell: readonly string[]) => cell.map((text, column) => (column === cell.length - 1 ? text : column === 0 || column === 4 ? text.padStart(widths[column] ?? 0) : text.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  return [line(header), ...cells.map(line), '', PICK_ADVICE];
}

const SNAPSHOT_ID = /^[0-9a-f]{4,64}$/;

/**
 * The row an answer at the prompt means. Returns the row, or a message saying what was wrong (the prompt asks
 * again). Rows are newest first.
 */
export function parseSnapshotAnswer(answer: string, rows: readonly SnapshotRow[]): SnapshotRow | { problem: string } {
  const text = answer.trim().toLowerCase();
  const newest = rows[0];
  if (newest === undefined) return { problem: 'there is no snapshot to pick' };
  if (text === '' || text === 'latest') return newest;
  if (/^\d+$/.test(text) && text.length <= 4) {
    const row = rows[Number(text) - 1];
    if (row !== undefined && Number(text) >= 1) return row;
    // a short all-digit text may also be the start of an id: try that before giving up
    if (!SNAPSHOT_ID.test(text)) return { problem: `there is no row ${text}: type a number from 1 to ${rows.length}` };
  }
  const byName = rows.find((row) => row.shortId.toLowerCase() === text);
  if (byName !== undefined) return byName;
  if (SNAPSHOT_ID.test(text)) {
    const matches = rows.filter((row) => row.id.toLowerCase().startsWith(text));
    if (matches.length === 1 && matches[0] !== undefined) return matches[0];
    if (matches.length > 1) return { problem: `${text} is the start of ${matches.length} snapshot ids: type more of it, or the row number` };
    return { problem: `no snapshot in the list has the id ${text}` };
  }
  return { problem: `"${answer.trim()}" is not a row number or a snapshot id: type a number from 1 to ${rows.length}, or press Enter for the newest` };
}

/** Checks `--snapshot`: `latest` or a snapshot id (its first 8 digits are enough). Returns it lowercased. */
export function checkSnapshotFlag(value: string): string {
  const text = value.trim().toLowerCase();
  if (text === 'latest' || SNAPSHOT_ID.test(text)) return text;
  throw new UserError('E_USAGE', `--snapshot "${value}" is not a snapshot id or "latest"`, {
    hints: ['give the id shown in the list (e.g. --snapshot 1a2b3c4d), or --snapshot latest for the newest'],
  });
}

/** Checks the `--path` filters: restic compares them with the snapshot's absolute paths. */
export function checkPathFilters(paths: readonly string[]): void {
  for (const path of paths) {
    if (!path.startsWith('/')) {
      throw new UserError('E_USAGE', `--path "${path}" must be an absolute path, as the list shows it (e.g. /home/ann)`, { hints: ['--path picks the snapshots that hold this folder; --include picks files inside one'] });
    }
  }
}

/** Checks `--include` patterns: restic matches them against paths in the snapshot; a leading "-" would be a flag. */
export function checkIncludePatterns(patterns: readonly string[]): void {
  for (const pattern of patterns) {
    if (pattern.trim() === '' || pattern.startsWith('-')) {
      throw new UserError('E_USAGE', `--include "${pattern}" is not a path or pattern`, { hints: ['give a path as the list shows it, e.g. --include /home/ann/Photos, or a pattern such as --include "*.jpg"'] });
    }
  }
}

/** A list (and a question) is needed only when someone can answer it and no snapshot was named. */
export function needsSnapshotListing(input: { canAsk: boolean; snapshotGiven: boolean }): boolean {
  return input.canAsk && !input.snapshotGiven;
}

export interface FreeSpaceInput {
  /** the folder the restore writes into, for the message */
  target: string;
  /** bytes the snapshot's restore writes */
  needed: number;
  /** bytes free for an unprivileged user on the target's file system */
  available: number;
  /** --include was given: less than `needed` may be written */
  partial: boolean;
  /** what `needed` measures, for the message (default "the snapshot"; the live drill's sample says so) */
  what?: string;
}

/** Room to spare for directories, metadata and the file system's own rounding: 1 % and at least 16 MiB. */
export function freeSpaceMargin(needed: number): number {
  return Math.max(16 * 1024 * 1024, Math.ceil(needed * 0.01));
}

const EXTERNAL_DISK_HINT = 'the live USB keeps files in memory: plug in an external disk, open it in the file manager, and restore there (--restore-to a folder under /media/)';

/**
 * Throws E_NO_SPACE when the snapshot cannot fit. Returns a warning line when only an --include restore might
 * fit, null when there is room.
 */
export function checkFreeSpace(input: FreeSpaceInput, formatBytes: FormatBytes): string | null {
  const wanted = input.needed + freeSpaceMargin(input.needed);
  if (input.available >= wanted) return null;
  const numbers = `${input.target} has ${formatBytes(input.available)} free, ${input.what ?? 'the snapshot'} needs ${formatBytes(input.needed)}`;
  if (input.partial) return `${numbers}; only the --include files are restored, so they may fit`;
  throw new UserError('E_NO_SPACE', `not enough room: ${numbers}`, {
    hints: [EXTERNAL_DISK_HINT, 'or restore a part of it with --include PATH'],
    details: { target: input.target, availableBytes: input.available, neededBytes: input.needed },
  });
}

/** The refusal of a target that already holds files. */
export function nonEmptyTargetError(target: string, entries: readonly string[]): UserError {
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} in all)` : '');
  return new UserError('E_TARGET_NOT_EMPTY', `the folder ${target} is not empty (it holds ${shown}): a restore there could overwrite files`, {
    hints: ['restore into a new, empty folder (e.g. --restore-to ~/restore/files)', 'or pass --force to restore into this folder anyway (files of the same name are replaced)'],
    details: { target },
  });
}

/** A folder tree as far as `topFolders` reads it: the names in a folder and whether each is a folder. */
export type ReadFolder = (path: string) => Promise<{ name: string; isFolder: boolean }[]>;

/**
 * Where the restored files are: restic (and the onsite copy) recreate each backed-up folder with its full path,
 * so /home/ann/Photos lands at TARGET/home/ann/Photos. This walks down from the target while a level holds a
 * single folder and nothing else. At the first level that holds files, that folder is the answer; at one that
 * holds only folders, those folders are (at most `limit` of them). Paths are joined with "/".
 */
export async function topFolders(target: string, readFolder: ReadFolder, limit = 8): Promise<string[]> {
  let current = target.replace(/\/+$/, '') || '/';
  const under = (name: string) => `${current === '/' ? '' : current}/${name}`;
  for (let depth = 0; depth < 64; depth++) {
    const entries = await readFolder(current);
    if (entries.length === 0) return depth === 0 ? [] : [current];
    const only = entries[0];
    if (entries.length === 1 && only !== undefined && only.isFolder) {
      current = under(only.name);
      continue;
    }
    if (entries.some((entry) => !entry.isFolder)) return [current];
    return entries.map((entry) => entry.name).sort().slice(0, limit).map(under);
  }
  return [current];
}

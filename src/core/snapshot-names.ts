/**
 * Names of the onsite snapshot folders. Pure: the clock is a parameter.
 *
 * Rules:
 * - a complete snapshot is a folder named after the UTC second it started, `YYYY-MM-DDTHHMMSSZ`
 *   (e.g. `2026-11-27T081500Z`): no colons (FAT/exFAT/SMB reject them), sorts by time as plain text;
 * - a snapshot being written is `<name>.inprogress`; it is never a complete snapshot, whatever it holds;
 * - `latest` is a symbolic link to the newest complete snapshot;
 * - anything else in the host folder is not ours and is ignored (never listed, never deleted).
 */

export const IN_PROGRESS_SUFFIX = '.inprogress';
export const LATEST_LINK = 'latest';

const NAME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The folder name of a snapshot started at `date` (UTC, whole seconds). */
export function formatSnapshotName(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('snapshot time is not a valid date');
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new RangeError(`snapshot time ${date.toISOString()} must be between years 1000 and 9999`);
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T`
    + `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
}

/** The time a snapshot name stands for, or null when `name` is not a complete snapshot's name. */
export function parseSnapshotName(name: string): Date | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // reject 2026-02-31T...: Date.UTC rolls it over, the round trip shows it
  return formatSnapshotName(date) === name ? date : null;
}

/** The in-progress name of a snapshot name. */
export function inProgressName(name: string): string {
  return `${name}${IN_PROGRESS_SUFFIX}`;
}

/** The snapshot name an in-progress folder was started as, or null when `entry` is not an in-progress folder. */
export function parseInProgressName(entry: string): string | null {
  if (!entry.endsWith(IN_PROGRESS_SUFFIX)) return null;
  const name = entry.slice(0, -IN_PROGRESS_SUFFIX.length);
  return parseSnapshotName(name) ? name : null;
}

export interface HostFolderEntries {
  /** complete snapshots, oldest first */
  complete: string[];
  /** in-progress folders (full entry names), oldest first */
  inProgress: string[];
}

/** Sorts the entries of a host folder into complete and in-progress snapshots; everything else is ignored. */
export function classifyEntries(entries: readonly string[]): HostFolderEntries {
  const complete = entries.filter((entry) => parseSnapshotName(entry) !== null).sort();
  const inProgress = entries.filter((entry) => parseInProgressName(entry) !== null).sort();
  return { complete, inProgress };
}

/**
 * The name for a new snapshot started at `now`: its own second, or, when that name is taken or would sort before
 * an existing snapshot (two runs in one second, a clock set back), one second after the newest existing name.
 * Names therefore always grow, so "newest" is "last in sort order".
 */
export function newSnapshotName(now: Date, existing: readonly string[]): string {
  const candidate = formatSnapshotName(now);
  const newest = [...existing].filter((name) => parseSnapshotName(name) !== null).sort().at(-1);
  if (newest === undefined || candidate > newest) return candidate;
  const newestTime = parseSnapshotName(newest);
  if (newestTime === null) return candidate; // unreachable: filtered above
  return formatSnapshotName(new Date(newestTime.getTime() + 1000));
}

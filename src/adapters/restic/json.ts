/**
 * Line-by-line readers for restic's `--json` output, keyed on `message_type` (doc/075_scripting.rst, "JSON
 * lines"). Pure: a line in, a typed message out.
 *
 * Rules, from restic's own compatibility promise ("new message types or fields may be added at any time"):
 * - unknown message types come back as `{ type: 'unknown' }` and unknown fields are dropped, never an error;
 * - a field restic omits (it omits zero values) or sends with the wrong type reads as absent;
 * - a line that is not JSON (restic 0.14 mixes text into some commands' stdout) comes back as `{ type: 'text' }`;
 * - 0.14's error lines carry a Go error object ({"Op","Path","Err"}) where newer versions have {"message"}:
 *   both read as one message string.
 */

export interface BackupStatus {
  type: 'status';
  percentDone?: number;
  secondsElapsed?: number;
  secondsRemaining?: number;
  totalFiles?: number;
  filesDone?: number;
  totalBytes?: number;
  bytesDone?: number;
  errorCount?: number;
  currentFiles?: string[];
}

export interface BackupSummary {
  type: 'summary';
  snapshotId?: string;
  filesNew?: number;
  filesChanged?: number;
  filesUnmodified?: number;
  dirsNew?: number;
  dirsChanged?: number;
  dirsUnmodified?: number;
  dataAdded?: number;
  dataAddedPacked?: number;
  totalFilesProcessed?: number;
  totalBytesProcessed?: number;
  totalDuration?: number;
  dryRun?: boolean;
}

/** a file restic could not read or write; printed on stderr, the job goes on */
export interface ItemError {
  type: 'error';
  message: string;
  during?: string;
  item?: string;
}

export interface VerboseStatus {
  type: 'verbose_status';
  action?: string;
  item?: string;
  dataSize?: number;
}

/** restic ≥ 0.17 prints this on stderr before a non-zero exit */
export interface ExitErrorMessage {
  type: 'exit_error';
  code?: number;
  message: string;
}

export interface InitializedMessage {
  type: 'initialized';
  id?: string;
  repository?: string;
}

export interface RestoreStatus {
  type: 'restore_status';
  percentDone?: number;
  totalFiles?: number;
  filesRestored?: number;
  filesSkipped?: number;
  totalBytes?: number;
  bytesRestored?: number;
  bytesSkipped?: number;
}

/** the line every restic version prints as a restore begins (text, even with --json on 0.14) */
export interface RestoreStart {
  type: 'restore_start';
  /** restic's short id of the snapshot it resolved ("latest" becomes an id here) */
  snapshotShortId: string;
}

export interface RestoreSummary extends Omit<RestoreStatus, 'type'> {
  type: 'restore_summary';
  secondsElapsed?: number;
}

export interface CheckSummary {
  type: 'check_summary';
  numErrors?: number;
  brokenPacks?: string[];
  suggestRepairIndex?: boolean;
  suggestPrune?: boolean;
}

export type UnknownMessage = { type: 'unknown'; messageType: string };
export type TextLine = { type: 'text'; text: string };

export type BackupMessage = BackupStatus | BackupSummary | ItemError | VerboseStatus | ExitErrorMessage | UnknownMessage | TextLine;
export type RestoreMessage = RestoreStart | RestoreStatus | RestoreSummary | ItemError | VerboseStatus | ExitErrorMessage | UnknownMessage | TextLine;
export type CheckMessage = CheckSummary | ItemError | ExitErrorMessage | UnknownMessage | TextLine;
export type StderrMessage = ItemError | ExitErrorMessage | UnknownMessage | TextLine;

type JsonObject = Record<string, unknown>;

/** The object on this line, or null when the line is not a JSON object. */
export function parseJsonObject(line: string): JsonObject | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

function num(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
function str(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}
function bool(object: JsonObject, key: string): boolean | undefined {
  const value = object[key];
  return typeof value === 'boolean' ? value : undefined;
}
function strings(object: JsonObject, key: string): string[] | undefined {
  const value = object[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}
/** Drops the keys whose value is undefined, so results compare cleanly and print without noise. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** errno numbers restic 0.14 prints inside Go error objects, for a readable message */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'operation not permitted', 2: 'no such file or directory', 5: 'input/output error', 13: 'permission denied',
  20: 'not a directory', 21: 'is a directory', 28: 'no space left on device', 36: 'file name too long',
};

/** The message of a restic error value: a string, {"message": …} (≥ 0.15) or a Go *PathError (0.14). */
export function errorValueMessage(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const object = value as JsonObject;
    const message = str(object, 'message');
    if (message !== undefined) return message;
    const op = str(object, 'Op');
    const path = str(object, 'Path');
    const errno = object.Err;
    const reason = typeof errno === 'number' ? (ERRNO_NAMES[errno] ?? `errno ${errno}`) : typeof errno === 'string' ? errno : undefined;
    if (op !== undefined || path !== undefined || reason !== undefined) {
      return [op, path].filter((part) => part !== undefined).join(' ') + (reason !== undefined ? `: ${reason}` : '');
    }
    return JSON.stringify(value);
  }
  return 'unknown error';
}

function shared(object: JsonObject, messageType: string): ItemError | VerboseStatus | ExitErrorMessage | UnknownMessage {
  switch (messageType) {
    case 'error':
      // item errors carry {"error": {...}}; restic ≥ 0.17's check prints {"message": "pack …: does not exist\n"} on stderr
      return compact({ type: 'error' as const, message: str(object, 'message')?.trim() ?? errorValueMessage(object.error), during: str(object, 'during'), item: str(object, 'item') });
    case 'verbose_status':
      return compact({ type: 'verbose_status' as const, action: str(object, 'action'), item: str(object, 'item'), dataSize: num(object, 'data_size') ?? num(object, 'size') });
    case 'exit_error':
      return compact({ type: 'exit_error' as const, code: num(object, 'code'), message: str(object, 'message') ?? '' });
    default:
      return { type: 'unknown', messageType };
  }
}

function messageTypeOf(object: JsonObject): string {
  return str(object, 'message_type') ?? '';
}

/** One line of `restic backup --json` stdout (or stderr: errors are printed there). */
export function parseBackupLine(line: string): BackupMessage {
  const object = parseJsonObject(line);
  if (object === null) return { type: 'text', text: line };
  const messageType = messageTypeOf(object);
  switch (messageType) {
    case 'status':
      return compact({
        type: 'status' as const,
        percentDone: num(object, 'percent_done'), secondsElapsed: num(object, 'seconds_elapsed'),
        secondsRemaining: num(object, 'seconds_remaining'), totalFiles: num(object, 'total_files'),
        filesDone: num(object, 'files_done'), totalBytes: num(object, 'total_bytes'), bytesDone: num(object, 'bytes_done'),
        errorCount: num(object, 'error_count'), currentFiles: strings(object, 'current_files'),
      });
    case 'summary':
      return compact({
        type: 'summary' as const,
        snapshotId: str(object, 'snapshot_id'), filesNew: num(object, 'files_new'), filesChanged: num(object, 'files_changed'),
        filesUnmodified: num(object, 'files_unmodified'), dirsNew: num(object, 'dirs_new'), dirsChanged: num(object, 'dirs_changed'),
        dirsUnmodified: num(object, 'dirs_unmodified'), dataAdded: num(object, 'data_added'),
        dataAddedPacked: num(object, 'data_added_packed'), totalFilesProcessed: num(object, 'total_files_processed'),
        totalBytesProcessed: num(object, 'total_bytes_processed'), totalDuration: num(object, 'total_duration'),
        dryRun: bool(object, 'dry_run'),
      });
    default:
      return shared(object, messageType);
  }
}

/** One line of `restic restore --json` (≥ 0.16; 0.14 prints one text line, read as `text`). */
export function parseRestoreLine(line: string): RestoreMessage {
  const object = parseJsonObject(line);
  if (object === null) {
    // "restoring <Snapshot ebb27dbf of [/home/ann] at 2026-12-01 17:15:56 +0000 UTC by ann@laptop> to /restore"
    const start = /^restoring <Snapshot ([0-9a-f]{8,64}) of /.exec(line.trim());
    return start?.[1] === undefined ? { type: 'text', text: line } : { type: 'restore_start', snapshotShortId: start[1] };
  }
  const messageType = messageTypeOf(object);
  const counts = () => ({
    percentDone: num(object, 'percent_done'), totalFiles: num(object, 'total_files'),
    filesRestored: num(object, 'files_restored'), filesSkipped: num(object, 'files_skipped'),
    totalBytes: num(object, 'total_bytes'), bytesRestored: num(object, 'bytes_restored'), bytesSkipped: num(object, 'bytes_skipped'),
  });
  switch (messageType) {
    case 'status':
      return compact({ type: 'restore_status' as const, ...counts() });
    case 'summary':
      return compact({ type: 'restore_summary' as const, ...counts(), secondsElapsed: num(object, 'seconds_elapsed') });
    default:
      return shared(object, messageType);
  }
}

/** One line of `restic check --json` (summary lines exist from 0.17; 0.14 prints text only). */
export function parseCheckLine(line: string): CheckMessage {
  const object = parseJsonObject(line);
  if (object === null) return { type: 'text', text: line };
  const messageType = messageTypeOf(object);
  if (messageType === 'summary') {
    return compact({
      type: 'check_summary' as const, numErrors: num(object, 'num_errors'), brokenPacks: strings(object, 'broken_packs'),
      suggestRepairIndex: bool(object, 'suggest_repair_index'), suggestPrune: bool(object, 'suggest_prune'),
    });
  }
  if (messageType === 'error') return compact({ type: 'error' as const, message: str(object, 'message') ?? errorValueMessage(object.error) });
  const other = shared(object, messageType);
  return other.type === 'verbose_status' ? { type: 'unknown', messageType } : other;
}

/** One stderr line of any command: JSON errors (item errors, exit_error) or plain text. */
export function parseStderrLine(line: string): StderrMessage {
  const object = parseJsonObject(line);
  if (object === null) return { type: 'text', text: line };
  const other = shared(object, messageTypeOf(object));
  return other.type === 'verbose_status' ? { type: 'unknown', messageType: 'verbose_status' } : other;
}

/** `restic init --json`: the "initialized" line (≥ 0.15) or 0.14's "created restic repository 708bea4b0f at …". */
export function parseInitOutput(stdout: string): InitializedMessage | null {
  for (const line of stdout.split('\n')) {
    const object = parseJsonObject(line);
    if (object !== null && messageTypeOf(object) === 'initialized') {
      return compact({ type: 'initialized' as const, id: str(object, 'id'), repository: str(object, 'repository') });
    }
    const match = /^created restic repository ([0-9a-f]+) at (.*)$/.exec(line.trim());
    if (match) return { type: 'initialized', id: match[1], repository: match[2] };
  }
  return null;
}

export interface RepositoryConfig {
  /** the repository id: 64 hex digits */
  id: string;
  version?: number;
}

/** `restic cat config` stdout: one JSON document. Null when it does not hold an id. */
export function parseRepositoryConfig(stdout: string): RepositoryConfig | null {
  try {
    const value: unknown = JSON.parse(stdout);
    if (typeof value !== 'object' || value === null) return null;
    const id = str(value as JsonObject, 'id');
    if (id === undefined || !/^[0-9a-f]{64}$/.test(id)) return null;
    return compact({ id, version: num(value as JsonObject, 'version') });
  } catch {
    return null;
  }
}

export interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  paths: string[];
  hostname?: string;
  username?: string;
  tags: string[];
  parent?: string;
  tree?: string;
  programVersion?: string;
  /** bytes the backup read (restic ≥ 0.17 keeps a summary in the snapshot); the size a restore writes */
  size?: number;
}

function snapshotFrom(object: JsonObject): Snapshot | null {
  const id = str(object, 'id');
  const time = str(object, 'time');
  if (id === undefined || time === undefined) return null;
  return compact({
    id, shortId: str(object, 'short_id') ?? id.slice(0, 8), time, paths: strings(object, 'paths') ?? [],
    hostname: str(object, 'hostname'), username: str(object, 'username'), tags: strings(object, 'tags') ?? [],
    parent: str(object, 'parent'), tree: str(object, 'tree'), programVersion: str(object, 'program_version'),
    size: typeof object.summary === 'object' && object.summary !== null ? num(object.summary as JsonObject, 'total_bytes_processed') : undefined,
  });
}

/** `restic snapshots --json`: one JSON array (restic ≥ 0.x may group it with --group-by; drkit never asks). */
export function parseSnapshots(stdout: string): Snapshot[] | null {
  let value: unknown;
  try {
    value = JSON.parse(stdout.trim() === '' ? '[]' : stdout);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const snapshots: Snapshot[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const snapshot = snapshotFrom(item as JsonObject);
    if (snapshot) snapshots.push(snapshot);
  }
  return snapshots;
}

export interface ForgetGroup {
  host?: string;
  paths: string[];
  tags: string[];
  keep: Snapshot[];
  remove: Snapshot[];
}

/**
 * `restic forget --json` stdout: one JSON array of groups. With `--prune`, restic 0.14 appends prune's text
 * lines after it, so the first line that parses as an array is taken.
 */
export function parseForgetOutput(stdout: string): ForgetGroup[] | null {
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('[')) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      continue;
    }
    if (!Array.isArray(value)) continue;
    const groups: ForgetGroup[] = [];
    for (const item of value) {
      if (typeof item !== 'object' || item === null) continue;
      const group = item as JsonObject;
      const list = (key: string) => (Array.isArray(group[key]) ? (group[key] as unknown[]) : [])
        .map((entry) => (typeof entry === 'object' && entry !== null ? snapshotFrom(entry as JsonObject) : null))
        .filter((entry): entry is Snapshot => entry !== null);
      groups.push(compact({ host: str(group, 'host'), paths: strings(group, 'paths') ?? [], tags: strings(group, 'tags') ?? [], keep: list('keep'), remove: list('remove') }));
    }
    return groups;
  }
  return stdout.trim() === '' ? [] : null;
}

export interface RepositoryStats {
  totalSize: number;
  totalFileCount?: number;
  totalBlobCount?: number;
  snapshotsCount?: number;
  totalUncompressedSize?: number;
  compressionRatio?: number;
}

/** `restic stats --json`: one JSON object. */
export function parseStats(stdout: string): RepositoryStats | null {
  const object = parseJsonObject(stdout);
  if (object === null) return null;
  const totalSize = num(object, 'total_size');
  if (totalSize === undefined) return null;
  return compact({
    totalSize, totalFileCount: num(object, 'total_file_count'), totalBlobCount: num(object, 'total_blob_count'),
    snapshotsCount: num(object, 'snapshots_count'), totalUncompressedSize: num(object, 'total_uncompressed_size'),
    compressionRatio: num(object, 'compression_ratio'),
  });
}

/** A file of `restic ls --json` (one node per line; the first line is the snapshot): null for any other line. */
export function parseLsFileLine(line: string): { path: string; size: number } | null {
  const object = parseJsonObject(line);
  if (object === null || object['struct_type'] !== 'node' || object['type'] !== 'file' || typeof object['path'] !== 'string') return null;
  return { path: object['path'], size: num(object, 'size') ?? 0 };
}

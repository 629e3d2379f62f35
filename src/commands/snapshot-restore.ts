/**
 * Choosing an offsite snapshot and restoring it with progress: one module for `drkit recover --restore-to` and
 * `drkit drill --live`, so a restorer and a live drill see the same list, the same question, the same flags and
 * the same progress.
 *
 * Rules (the pure ones are src/core/restore.ts):
 * - a list and a question only when someone can answer (a terminal on both sides, not --json, no --snapshot);
 *   otherwise `restic restore` resolves "latest" and the --host/--path filters itself, unless the caller needs
 *   the snapshot's own id (the live drill lists its files), when the listing is read and the flag looked up in it;
 * - progress: restic's JSON status where the version has it (≥ 0.16); on 0.14 the bytes restic has written
 *   (/proc/PID/io, the folder's sizes as a fallback), against the snapshot's size; a bar on a terminal, a line per
 *   tenth without one, `restore_progress` events with --json (src/ui/restore-progress.ts).
 */
import { createInterface } from 'node:readline';
import { folderBytes, writtenBytesOf } from '../adapters/restore-target.js';
import { checkSnapshotFlag, formatSnapshotTable, needsSnapshotListing, newestFirst, parseSnapshotAnswer, type SnapshotRow } from '../core/restore.js';
import { addSample, progressView, type ProgressSample } from '../core/restore-progress.js';
import { DrkitError, UserError } from '../errors.js';
import { formatBytes, formatLocalTime } from '../ui/format.js';
import type { CommandIO } from '../ui/io.js';
import { restoreProgressReporter } from '../ui/restore-progress.js';
import type { Restic, RestoreArgs, RestoreResult, RestoreStatus, Snapshot } from '../adapters/restic/index.js';

/** The snapshot flags both commands take. */
export interface SnapshotChoiceOptions {
  snapshot?: string;
  host?: string;
  path?: string[];
}

export interface ChosenSnapshot {
  /** the snapshot's id, or "latest" when restic resolves it (and the filters) at restore time */
  snapshot: string;
  /** bytes its restore writes (restic stats, or the listing's metadata); undefined when not asked to measure */
  size?: number;
  /** true when it was picked from a list: the filters are then already applied */
  shown: boolean;
  /** the snapshot as listed, when the list was read */
  listed?: Snapshot;
}

/** how many snapshots without a size in their metadata (made by restic < 0.17) get one from `restic stats` for the list */
const SIZED_IN_LIST = 5;
const POLL_MS = 1000;

/** A terminal on both sides: someone can read the list and answer. */
export function canAsk(io: CommandIO): boolean {
  return io.interactive && !io.jsonMode && io.stdin !== undefined && (io.stdin as { isTTY?: boolean }).isTTY === true;
}

/** Shows the list and asks which snapshot, until the answer names one. Enter takes the newest. */
export async function askForSnapshot(rows: readonly SnapshotRow[], io: CommandIO, what: string): Promise<SnapshotRow> {
  io.note(`${what}:`);
  for (const line of formatSnapshotTable(rows, { formatTime: formatLocalTime, formatBytes })) io.note(line ? `  ${line}` : '');
  const stdin = io.stdin;
  if (stdin === undefined) return rows[0] as SnapshotRow;
  const reader = createInterface({ input: stdin, terminal: false });
  const lines = reader[Symbol.asyncIterator]();
  try {
    for (;;) {
      io.stderr.write(`which one? type its number (Enter: 1, the newest): `);
      const next: IteratorResult<string, unknown> = await lines.next();
      if (next.done === true) throw new UserError('E_INPUT_ENDED', 'the input ended before a snapshot was chosen', { hints: ['give the snapshot with --snapshot ID, or latest'] });
      const answer = parseSnapshotAnswer(next.value, rows);
      if (!('problem' in answer)) return answer;
      io.note(`  ${answer.problem}`);
    }
  } finally {
    reader.close();
  }
}

export function noSnapshotError(display: string, options: SnapshotChoiceOptions): UserError {
  const filters = [options.host === undefined ? '' : `host ${options.host}`, ...(options.path ?? []).map((path) => `path ${path}`)].filter(Boolean);
  return new UserError('E_RESTORE_EMPTY', filters.length === 0
    ? `the repository at ${display} holds no snapshot`
    : `no snapshot in ${display} matches ${filters.join(' and ')}`, {
    hints: filters.length === 0 ? ['the offsite backup never ran, or this is another repository'] : ['leave out --host/--path to see every snapshot, or check their spelling'],
  });
}

function unknownSnapshotError(snapshot: string, display: string): UserError {
  return new UserError('E_RESTIC_NO_SNAPSHOT', `no snapshot ${snapshot} in ${display}`, {
    hints: ['run the command in a terminal without --snapshot to see the list, or give --snapshot latest'],
  });
}

/**
 * The snapshot to restore. `measure`: its size is wanted (restic stats when the listing has none). `listed`: the
 * caller needs the snapshot's own id and time, so the list is read even when nobody is asked.
 */
export async function chooseSnapshot(restic: Restic, options: SnapshotChoiceOptions, io: CommandIO, need: { measure: boolean; listed: boolean }): Promise<ChosenSnapshot> {
  const filter = { ...(options.host === undefined ? {} : { host: options.host }), ...(options.path === undefined ? {} : { paths: options.path }) };
  const asking = needsSnapshotListing({ canAsk: canAsk(io), snapshotGiven: options.snapshot !== undefined });
  if (asking || need.listed) {
    const snapshots = newestFirst(await restic.snapshots(filter));
    if (snapshots.length === 0) throw noSnapshotError(restic.displayName, options);
    if (!asking) {
      // the flag, looked up as restic would: latest, or an id (or a unique start of one)
      const wanted = options.snapshot === undefined ? 'latest' : checkSnapshotFlag(options.snapshot);
      const matches = wanted === 'latest' ? snapshots.slice(0, 1) : snapshots.filter((snapshot) => snapshot.id.startsWith(wanted));
      const found = matches[0];
      if (found === undefined) throw unknownSnapshotError(wanted, restic.displayName);
      if (matches.length > 1) throw new UserError('E_USAGE', `--snapshot ${wanted} is the start of ${matches.length} snapshot ids`, { hints: ['give more of the id, as the list shows it'] });
      const size = found.size ?? (need.measure ? (await restic.stats({ snapshot: found.id })).totalSize : undefined);
      return { snapshot: found.id, ...(size === undefined ? {} : { size }), shown: true, listed: found };
    }
    const unsized = snapshots.slice(0, SIZED_IN_LIST).filter((snapshot) => snapshot.size === undefined);
    if (unsized.length > 0) io.note(`measuring the newest snapshots (${unsized.length})…`);
    const sizes = new Map<string, number>();
    for (const snapshot of unsized) sizes.set(snapshot.id, (await restic.stats({ snapshot: snapshot.id })).totalSize);
    const rows: SnapshotRow[] = snapshots.map((snapshot) => {
      const size = snapshot.size ?? sizes.get(snapshot.id);
      return { id: snapshot.id, shortId: snapshot.shortId, time: snapshot.time, paths: snapshot.paths, ...(snapshot.hostname === undefined ? {} : { hostname: snapshot.hostname }), ...(size === undefined ? {} : { size }) };
    });
    const chosen = await askForSnapshot(rows, io, `snapshots in ${restic.displayName}`);
    const size = chosen.size ?? (need.measure ? (await restic.stats({ snapshot: chosen.id })).totalSize : undefined);
    const listed = snapshots.find((snapshot) => snapshot.id === chosen.id);
    return { snapshot: chosen.id, ...(size === undefined ? {} : { size }), shown: true, ...(listed === undefined ? {} : { listed }) };
  }
  // no question to ask: restic resolves the snapshot; stats gives its size (and 0 snapshots when none matches)
  const snapshot = options.snapshot === undefined ? 'latest' : checkSnapshotFlag(options.snapshot);
  try {
    const stats = await restic.stats({ snapshot, ...filter });
    if (stats.snapshotsCount === 0) throw noSnapshotError(restic.displayName, options);
    return { snapshot, size: stats.totalSize, shown: false };
  } catch (error) {
    if (error instanceof DrkitError && error.code === 'E_RESTIC_NO_SNAPSHOT') throw unknownSnapshotError(snapshot, restic.displayName);
    throw error;
  }
}

/** Measures a restore that reports nothing itself (restic 0.14): the bytes restic has written, once a second. */
function pollWrittenBytes(target: string, bytesBefore: number, onBytes: (bytes: number) => void): { start(pid: number): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();
  return {
    start(pid) {
      // a retried restore is a new restic process: measure that one
      if (timer !== undefined) clearInterval(timer);
      const tick = async () => {
        const fromProc = await writtenBytesOf(pid);
        if (fromProc !== null) { onBytes(fromProc); return; }
        // no /proc: the sizes in the folder (which restic 0.14 preallocates, so this runs ahead)
        onBytes(Math.max(0, (await folderBytes(target)) - bytesBefore));
      };
      timer = setInterval(() => { pending = pending.then(tick).catch(() => undefined); }, POLL_MS);
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await pending;
    },
  };
}

export interface ProgressRestore {
  args: RestoreArgs;
  /** the bytes the restore writes, when known (the snapshot's size, or a sample's sum); restic ≥ 0.16 counts for itself */
  total?: number;
  /** the same, measured while the restore runs (recover into an empty target); undefined when it gives none */
  totalLater?: Promise<number | undefined>;
  /** bytes already in the target (a --force restore), so the files restic writes can be told apart on 0.14 */
  bytesBefore: number;
  /** what the progress line says it does ("restoring") */
  label: string;
  /** sees each of restic's own status reports (restic ≥ 0.16), e.g. to check the total against the free space */
  onStatus?: (status: RestoreStatus) => void;
}

/**
 * Runs `restic restore` with progress. The bar stops where it was when the restore fails (a failed restore never
 * shows 100 %); the error is rethrown for the caller to explain. Returns restic's result and the bytes written.
 */
export async function restoreWithProgress(restic: Restic, request: ProgressRestore, io: CommandIO): Promise<{ result: RestoreResult; bytes: number }> {
  const target = request.args.target;
  const reporter = await restoreProgressReporter(io, request.label);
  let samples: ProgressSample[] = [];
  let measuredTotal = request.total;
  void request.totalLater?.then((total) => { if (total !== undefined && measuredTotal === undefined) measuredTotal = total; });
  const started = Date.now();
  const record = (bytes: number, files?: { done?: number; total?: number }) => {
    const now = Date.now();
    samples = addSample(samples, { atMs: now - started, bytes });
    reporter.update(progressView(samples, measuredTotal), now, files);
  };
  const poller = pollWrittenBytes(target, request.bytesBefore, (bytes) => record(bytes));
  let result: RestoreResult;
  try {
    result = await restic.restore(request.args, (status) => {
      request.onStatus?.(status);
      if (status.totalBytes !== undefined && status.totalBytes > 0) measuredTotal = status.totalBytes;
      record(status.bytesRestored ?? 0, { ...(status.filesRestored === undefined ? {} : { done: status.filesRestored }), ...(status.totalFiles === undefined ? {} : { total: status.totalFiles }) });
    }, restic.features.restoreJson ? {} : { onSpawn: (pid) => poller.start(pid) });
  } catch (error) {
    await poller.stop();
    reporter.finish(progressView(samples, measuredTotal));
    throw error;
  }
  await poller.stop();
  if (result.errors.length > 0) {
    reporter.finish(progressView(samples, measuredTotal));
    return { result, bytes: result.bytesRestored ?? samples.at(-1)?.bytes ?? 0 };
  }
  // restic 0.14 says nothing at the end either: with every file written (at its full size), the folder tells
  const finalBytes = result.bytesRestored ?? measuredTotal ?? Math.max(0, (await folderBytes(target)) - request.bytesBefore);
  samples = addSample(samples, { atMs: Date.now() - started, bytes: finalBytes });
  reporter.finish(progressView(samples, measuredTotal ?? finalBytes, { finished: true }));
  return { result, bytes: finalBytes };
}

/**
 * The restore half of `drkit recover`: from the offsite restic repository (after the kit is opened) or from an
 * onsite disk of rsync snapshots (`--onsite DISK`, no kit needed: they are plain folders).
 *
 * Order, so a mistake costs nothing: the flags and the target folder are checked before anything is typed or
 * fetched (a non-empty folder is refused without --force); then the snapshot is chosen (a list and a question
 * only on a terminal without --snapshot; otherwise `restic restore` resolves "latest" and the filters itself);
 * its size is checked against the free space of the target's file system (into a new or empty target while the
 * restore already runs, see restoreOffsite: what a refusal stops is removed); the restore runs with progress;
 * and at the end the restorer is told where the files are (restic recreates full paths) and reads the owner's
 * notes from the bundle.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkHostName, listSnapshots, openTarget, parseTarget } from '../adapters/onsite-target.js';
import { buildRsyncCopyArgs, runRsync } from '../adapters/rsync.js';
import { folderBytes, folderEntries, freeBytes, makeFolder, readFolder } from '../adapters/restore-target.js';
import type { Bundle } from '../core/bundle.js';
import {
  checkFreeSpace, checkIncludePatterns, checkPathFilters, checkSnapshotFlag, formatSnapshotTable, needsSnapshotListing, newestFirst,
  nonEmptyTargetError, topFolders, type SnapshotRow,
} from '../core/restore.js';
import { addSample, progressView, type ProgressSample } from '../core/restore-progress.js';
import { parseSnapshotName } from '../core/snapshot-names.js';
import { ExitCode, ToolError, UserError } from '../errors.js';
import { formatBytes, formatLocalTime, plural, shortId } from '../ui/format.js';
import type { CommandIO } from '../ui/io.js';
import { restoreProgressReporter } from '../ui/restore-progress.js';
import { askForSnapshot, canAsk, chooseSnapshot, restoreWithProgress, type ChosenSnapshot } from './snapshot-restore.js';
import type { RestoreStatus } from '../adapters/restic/index.js';

/** The options of `drkit recover` this module reads (src/cli.ts registers them). */
export interface RestoreOptions {
  restoreTo?: string;
  snapshot?: string;
  host?: string;
  path?: string[];
  include?: string[];
  onsite?: string;
  force: boolean;
  json: boolean;
  /** restic's --verify (on unless --no-verify: the drill compares every file with its source instead, docs/drills.md) */
  verify?: boolean;
}

export interface Restored {
  target: string;
  /** the snapshot's id (offsite, when known), its folder name (onsite), or "latest" when restic chose it and did not say */
  snapshot: string;
  files: number | null;
  bytes: number | null;
  /** where the files are: the top folders under the target */
  folders: string[];
}

/**
 * Checks the restore flags and the target before the restorer types anything: a target that holds files is
 * refused without --force. Returns the target's entries (null: it does not exist yet).
 */
export async function checkRestoreRequest(options: RestoreOptions): Promise<string[] | null> {
  if (options.snapshot !== undefined && options.onsite === undefined) checkSnapshotFlag(options.snapshot);
  checkPathFilters(options.path ?? []);
  checkIncludePatterns(options.include ?? []);
  if (options.onsite !== undefined && (options.include !== undefined || options.path !== undefined)) {
    throw new UserError('E_USAGE', '--include and --path choose files of an offsite snapshot: an onsite snapshot is copied whole', {
      hints: ['copy single folders of an onsite snapshot with the file manager, or cp -a'],
    });
  }
  if (options.restoreTo === undefined) return null;
  const entries = await folderEntries(options.restoreTo, '--restore-to');
  if (entries !== null && entries.length > 0 && !options.force) throw nonEmptyTargetError(options.restoreTo, entries);
  return entries;
}

/** After the restore: where the files are, for the restorer to open. */
async function foldersIn(target: string): Promise<string[]> {
  return topFolders(target, readFolder).catch(() => [target]);
}

/** The lines that end a restore: where the files are, and the owner's notes (from the bundle). */
export function describeRestored(restored: Restored, notes: string | undefined, owner: string | undefined): string[] {
  const which = restored.snapshot === 'latest' ? 'the newest snapshot' : `snapshot ${shortId(restored.snapshot)}`;
  const counts = [restored.files === null ? '' : `${restored.files} files`, restored.bytes === null ? '' : formatBytes(restored.bytes)].filter(Boolean).join(', ');
  const lines = [`restored ${which} into ${restored.target}${counts === '' ? '' : `: ${counts}`}`];
  if (restored.folders.length > 0) {
    lines.push('your files are in:');
    for (const folder of restored.folders) lines.push(`  ${folder}`);
  }
  if (notes !== undefined && notes.trim() !== '') {
    lines.push(`notes from ${owner ?? 'the owner'}:`);
    for (const line of notes.trim().split('\n')) lines.push(`  ${line}`);
  }
  lines.push('copy the files to an external disk before you switch off: a live USB forgets everything at shutdown');
  return lines;
}

/** The first folder of `path` and its parents that does not exist yet (what making it creates), or null. */
function firstMissingFolder(path: string): string | null {
  let missing: string | null = null;
  for (let current = resolve(path); !existsSync(current); current = dirname(current)) {
    missing = current;
    if (dirname(current) === current) break;
  }
  return missing;
}

/**
 * Restores one offsite snapshot into `options.restoreTo` (the kit is open: `bundle` holds the credentials).
 *
 * When no question is asked, the snapshot's size is measured while the restore already runs, if the target is new
 * or empty (restic ≥ 0.16: the total its own restore reports before it writes the first byte; 0.14: `restic stats`,
 * a repository open and a walk of its trees, a second or more, run at niceness 19 beside the restore): everything in it is then restic's. The free-space rule is the same, only
 * applied a moment later: a snapshot that does not fit stops the restore, what it wrote is removed (the target too,
 * when drkit made it), and the refusal is the error, as before. A restore that completed has fit, so a late size
 * (or a failed measurement) no longer matters. A target holding files (--force) is measured first, as before: a
 * refusal must not come after restic has replaced any of them.
 */
export async function restoreOffsite(bundle: Bundle, options: RestoreOptions & { restoreTo: string }, io: CommandIO): Promise<Restored> {
  const target = options.restoreTo;
  const entries = await checkRestoreRequest(options);
  const { openResticRepository } = await import('../adapters/restic/index.js');
  const repository = { repository: bundle.repository, password: { value: bundle.resticPassword }, env: bundle.env };
  const restic = await openResticRepository(repository);
  const include = options.include ?? [];
  const verify = options.verify !== false;
  const available = await freeBytes(target);
  const fits = (size: number): void => {
    const warning = checkFreeSpace({ target, needed: size, available, partial: include.length > 0 }, formatBytes);
    if (warning !== null) io.note(`warning: ${warning}`);
  };
  const targetWasEmpty = entries === null || entries.length === 0;
  const asking = needsSnapshotListing({ canAsk: canAsk(io), snapshotGiven: options.snapshot !== undefined });
  // without a question, chooseSnapshot would only measure: that measurement runs beside the restore instead
  const measuredAlongside = !asking && targetWasEmpty;
  const chosen: ChosenSnapshot = measuredAlongside
    ? { snapshot: options.snapshot === undefined ? 'latest' : checkSnapshotFlag(options.snapshot), shown: false }
    : await chooseSnapshot(restic, options, io, { measure: true, listed: false });
  let size = chosen.size;
  if (size !== undefined) fits(size);
  const announce = (bytes: number): void => {
    io.note(`restoring ${chosen.snapshot === 'latest' ? 'the newest snapshot' : `snapshot ${shortId(chosen.snapshot)}`} (${formatBytes(bytes)}) into ${target}${verify ? '; restic checks every file it writes' : ''}`);
  };
  const made = firstMissingFolder(target);
  await makeFolder(target, '--restore-to');
  // what a --force restore finds there already, so the files restic writes can be told apart on 0.14
  const bytesBefore = !targetWasEmpty && !restic.features.restoreJson ? await folderBytes(target) : 0;
  if (size !== undefined) announce(size);
  const args = {
    snapshot: chosen.snapshot, target, verify, ...(include.length > 0 ? { include } : {}),
    ...(chosen.shown || options.host === undefined ? {} : { host: options.host }), ...(chosen.shown || options.path === undefined ? {} : { paths: options.path }),
  };
  // the measurement alongside: a refusal stops the restore. It is never stopped itself: a restic stopped within
  // its first moments (as a restore quicker than its measurement would stop it) can leave its lock in the repository
  const stop = new AbortController();
  const measured: { refusal: Error | null } = { refusal: null };
  const verdict = (bytes: number): void => {
    fits(bytes);
    size = bytes;
    announce(bytes);
  };
  const refuse = (error: unknown): undefined => { measured.refusal = error instanceof Error ? error : new Error(String(error)); stop.abort(); return undefined; };
  // restic ≥ 0.16 reports what the restore writes itself, final once it writes the first byte (it lists every file
  // first): that total is the measurement, with no second repository open beside the restore. restic 0.14 reports
  // nothing: `restic stats` measures, at the lowest priority, so it takes only the CPU the restore leaves
  const ownTotal = measuredAlongside && restic.features.restoreJson;
  const measure = (): Promise<number | undefined> => openResticRepository(repository, { niceness: 19 })
    .then((measurer) => chooseSnapshot(measurer, options, io, { measure: true, listed: false }))
    .then((late) => { verdict(late.size ?? 0); return include.length > 0 ? undefined : late.size ?? 0; })
    .catch(refuse);
  let measuring: Promise<number | undefined> = measuredAlongside && !ownTotal ? measure() : Promise.resolve(undefined);
  const restorer = measuredAlongside ? await openResticRepository(repository, { signal: stop.signal }) : restic;
  let counted = false;
  const countOwnTotal = (status: RestoreStatus): void => {
    if (counted || status.totalBytes === undefined || (status.bytesRestored ?? 0) === 0) return;
    counted = true;
    try {
      verdict(status.totalBytes);
    } catch (error) {
      refuse(error);
    }
  };
  let restored;
  try {
    // restic ≥ 0.16 counts for itself (and knows the total of an --include restore); 0.14 is measured
    restored = await restoreWithProgress(restorer, {
      args, ...(include.length > 0 || size === undefined ? {} : { total: size }), ...(measuredAlongside ? { totalLater: measuring } : {}), bytesBefore, label: 'restoring',
      ...(ownTotal ? { onStatus: countOwnTotal } : {}),
    }, io);
  } catch (error) {
    // a restore that did not complete: the measurement's verdict (no room, no such snapshot) comes first; restic's
    // own total may not have come (no such snapshot): then restic stats gives the verdict now
    if (ownTotal && !counted && measured.refusal === null) measuring = measure();
    await measuring;
    if (measured.refusal !== null) {
      // only a target that was new or empty is measured alongside: whatever is in it now, restic wrote
      if (made !== null) rmSync(made, { recursive: true, force: true, maxRetries: 5 });
      else for (const name of await readFolder(target).catch(() => [])) rmSync(join(target, name.name), { recursive: true, force: true, maxRetries: 5 });
      throw measured.refusal;
    }
    throw explainFailedFiles(error, target);
  }
  const { result } = restored;
  if (result.errors.length > 0) {
    throw new UserError('E_RESTORE_ERRORS', `restore wrote ${target}, but ${plural(result.errors.length, 'item')} failed: ${result.errors.slice(0, 3).map((e) => e.item ?? e.message).join(', ')}`, { hints: ['run the same command again into an empty folder; check free space'] });
  }
  // a restore that completed has fit: what a measurement still running says no longer matters (a refusal included)
  await measuring;
  // a restore quicker than its measurement is announced with what it wrote
  if (size === undefined) announce(restored.bytes);
  const snapshot = chosen.snapshot !== 'latest' ? chosen.snapshot : (result.snapshotShortId ?? 'latest');
  return { target, snapshot, files: result.filesRestored, bytes: result.bytesRestored ?? restored.bytes, folders: await foldersIn(target) };
}

/**
 * restic ends a restore that could not read or write some files with "There were N errors" (exit 1): the other
 * files are there. Says so, and what the two usual causes mean for the restorer (the guide's troubleshooting).
 */
function explainFailedFiles(error: unknown, target: string): unknown {
  if (!(error instanceof ToolError)) return error;
  const count = /there were (\d+) errors/i.exec(`${error.message}\n${error.stderrTail}`)?.[1];
  if (count === undefined) return error;
  const noSpace = /no space left on device/i.test(error.stderrTail);
  // 0.14: "ignoring error for /home/ann/x: …"; ≥ 0.16: {"message_type":"error",…,"item":"/home/ann/x"}
  const named = [...error.stderrTail.matchAll(/ignoring error for (\S+?):|"item":"([^"]+)"/g)].map((match) => match[1] ?? match[2] ?? '');
  const files = [...new Set(named)].filter(Boolean);
  const some = files.length === 0 ? '' : `; files affected: ${files.slice(0, 3).join(', ')}${files.length > 3 ? `, … (${files.length})` : ''}`;
  return new ToolError('E_RESTORE_ERRORS', `restic met ${plural(Number(count), 'error')} restoring into ${target}${some}; the other files are restored`, {
    program: error.program, exitStatus: error.exitStatus, signal: error.signal, stderrTail: error.stderrTail, details: error.details,
    hints: noSpace
      ? ['the disk is full: the live USB keeps files in memory; plug in an external disk and restore there (--restore-to a folder under /media/)']
      : ['"no such file" or "ciphertext verification failed" above: the backup is damaged in the storage; restore an older snapshot (run drkit recover in a terminal without --snapshot to pick one) or the onsite copy (drkit recover --onsite DISK)'],
  });
}

interface OnsiteRow extends SnapshotRow { folder: string }

/** The complete snapshots of every host folder on the disk (or of `host`), newest first, and where `latest` points. */
async function onsiteSnapshots(root: string, host: string | undefined): Promise<{ rows: OnsiteRow[]; latest: Map<string, string> }> {
  const disk = openTarget(root);
  // anything at the top that is not a host name (the marker, lost+found, the owner's own files) is not ours
  const hosts = host === undefined ? ((await folderEntries(root, '--onsite')) ?? []).filter(isHostName) : [host];
  const rows: OnsiteRow[] = [];
  const latest = new Map<string, string>();
  for (const name of hosts) {
    const listing = await listSnapshots(disk, name).catch(() => null);
    if (listing === null) continue;
    for (const snapshot of listing.complete) {
      const folder = join(root, name, snapshot);
      const time = parseSnapshotName(snapshot)?.toISOString() ?? snapshot;
      const paths = (await topFolders(folder, readFolder).catch(() => [])).map((path) => path.slice(folder.length) || '/');
      rows.push({ id: snapshot, shortId: snapshot, time, hostname: name, paths, folder });
    }
    const pointed = listing.latest?.replace(/\/+$/, '').split('/').at(-1);
    if (pointed !== undefined && listing.complete.includes(pointed)) latest.set(name, pointed);
  }
  return { rows: newestFirst(rows), latest };
}

function isHostName(name: string): boolean {
  try {
    checkHostName(name);
    return true;
  } catch {
    return false;
  }
}

/** `drkit recover --onsite DISK [--restore-to DIR]`: lists the disk's snapshots, or copies one. */
export async function recoverOnsite(options: RestoreOptions & { onsite: string }, io: CommandIO): Promise<Restored | null> {
  const location = parseTarget(options.onsite);
  if (location.kind === 'remote') {
    throw new UserError('E_USAGE', `--onsite ${options.onsite} is a remote folder: recover --onsite reads a disk on this computer`, {
      hints: ['mount the NAS share (e.g. in the file manager) and give its folder, or copy the snapshot with rsync -a yourself'],
    });
  }
  const root = location.root;
  await checkRestoreRequest(options);
  if ((await folderEntries(root, '--onsite')) === null) {
    throw new UserError('E_ONSITE_ABSENT', `the folder ${root} does not exist`, { hints: ['is the backup disk plugged in? open it in the file manager, then give its folder (under /media/)'] });
  }
  const { rows, latest } = await onsiteSnapshots(root, options.host);
  if (rows.length === 0) {
    throw new UserError('E_ONSITE_EMPTY', `no snapshots ${options.host === undefined ? '' : `of ${options.host} `}in ${root}: a drkit disk holds DISK/<computer>/<date>/ folders`, {
      hints: ['give the disk\'s top folder (the one holding a folder per computer)', ...(options.host === undefined ? [] : ['leave out --host to see every computer'])],
    });
  }
  const hosts = [...new Set(rows.map((row) => row.hostname ?? ''))];
  if (options.restoreTo === undefined) {
    if (io.jsonMode) {
      io.json({ message_type: 'onsite_snapshots', disk: root, snapshots: rows.map(({ folder, shortId, hostname, time, paths }) => ({ snapshot: shortId, host: hostname, time, paths, folder, latest: latest.get(hostname ?? '') === shortId })) });
    } else {
      for (const line of formatSnapshotTable(rows, { formatTime: formatLocalTime, formatBytes })) io.out(line);
      io.out('');
      io.out(`copy one with: drkit recover --onsite ${options.onsite} --restore-to ~/restore/onsite${hosts.length > 1 ? ' --host NAME' : ''} [--snapshot DATE]`);
    }
    return null;
  }
  const target = options.restoreTo;
  let chosen: OnsiteRow;
  if (needsSnapshotListing({ canAsk: canAsk(io), snapshotGiven: options.snapshot !== undefined })) {
    chosen = await askForSnapshot(rows, io, `snapshots on ${root}`) as OnsiteRow;
  } else {
    if (hosts.length > 1) {
      throw new UserError('E_USAGE', `${root} holds snapshots of ${hosts.length} computers (${hosts.join(', ')}): choose one with --host`, { hints: [`e.g. --host ${hosts[0] ?? ''}`] });
    }
    const host = hosts[0] ?? '';
    const wanted = options.snapshot ?? 'latest';
    const name = wanted === 'latest' ? (latest.get(host) ?? rows[0]?.shortId) : wanted;
    const found = rows.find((row) => row.shortId === name);
    if (found === undefined) {
      throw new UserError('E_USAGE', `--snapshot ${wanted}: there is no complete snapshot of that name in ${root}/${host}`, {
        hints: [`give a folder name as listed (e.g. ${rows[0]?.shortId ?? '2026-11-27T081500Z'}), or latest`, `list them with drkit recover --onsite ${options.onsite}`],
      });
    }
    chosen = found;
  }
  io.note(`measuring ${chosen.folder}…`);
  const size = await folderBytes(chosen.folder);
  const warning = checkFreeSpace({ target, needed: size, available: await freeBytes(target), partial: false }, formatBytes);
  if (warning !== null) io.note(`warning: ${warning}`);
  await makeFolder(target, '--restore-to');
  const absoluteTarget = resolve(target);
  io.note(`copying ${chosen.folder} (${formatBytes(size)}) into ${absoluteTarget}`);
  const reporter = await restoreProgressReporter(io, 'copying');
  let samples: ProgressSample[] = [];
  const started = Date.now();
  const copy = async () => {
    try {
      return await runRsync(buildRsyncCopyArgs({ source: chosen.folder, destination: absoluteTarget }), absoluteTarget, {
        onProgress: (progress) => {
          const now = Date.now();
          samples = addSample(samples, { atMs: now - started, bytes: progress.bytesDone });
          reporter.update(progressView(samples, size), now, { ...(progress.filesDone === undefined ? {} : { done: progress.filesDone }), ...(progress.filesTotal === undefined ? {} : { total: progress.filesTotal }) });
        },
      });
    } catch (error) {
      reporter.finish(progressView(samples, size));
      throw error;
    }
  };
  const { outcome, stats } = await copy();
  samples = addSample(samples, { atMs: Date.now() - started, bytes: stats.totalFileSize ?? size });
  reporter.finish(progressView(samples, size, { finished: true }));
  if (outcome.kind === 'warning') {
    io.note(`warning: some files could not be copied: ${outcome.messages.slice(0, 3).join('; ')}`);
  }
  return { target, snapshot: chosen.shortId, files: stats.filesTotal ?? null, bytes: stats.totalFileSize ?? size, folders: await foldersIn(target) };
}

/** `drkit recover --onsite DISK`: plain folders, so no kit is needed. Lists, or copies with --restore-to. */
export async function runOnsite(options: RestoreOptions & { onsite: string; from?: string[]; envelope?: string; out?: string }, io: CommandIO): Promise<number> {
  const kitOptions = [options.from === undefined ? '' : '--from', options.envelope === undefined ? '' : '--envelope', options.out === undefined ? '' : '--out'].filter(Boolean);
  if (kitOptions.length > 0) {
    throw new UserError('E_USAGE', `--onsite copies plain folders and needs no kit: ${kitOptions.join(', ')} would not be used`, {
      hints: ['leave them out: drkit recover --onsite DISK --restore-to DIR', 'or leave out --onsite to open the kit and restore the offsite backup'],
    });
  }
  const restored = await recoverOnsite(options, io);
  if (restored === null) return ExitCode.ok;
  if (io.jsonMode) io.json({ message_type: 'restored_onsite', disk: options.onsite, restored });
  else for (const line of describeRestored(restored, undefined, undefined)) io.out(line);
  return ExitCode.ok;
}

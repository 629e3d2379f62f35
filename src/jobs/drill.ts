/**
 * The drill engine (issue 7 §2, docs/drills.md): proves that k sheets and the guide restore the backup.
 *
 * 1. Read the guide PDF's text layer: the printed path (docs/format.md §10) and the combiner listing.
 * 2. Read sheets (a random order, or `--sheets`) until k are readable: text layer and QR codes of each; a sheet
 *    whose share was altered is named by its fingerprint (src/core/drill-verdict.ts).
 * 3. Outside the room, with the config's credentials: the latest snapshot (its time splits "unchanged since" from
 *    "changed since"), `restic check`, and for `--sample N` N random files of the snapshot (`restic ls`).
 * 4. In a clean room each (src/adapters/sandbox.ts): `guide` runs the printed path in one bash session with the
 *    typed files written from what the sheets and the listing gave back; `tool` runs `drkit recover` on the same.
 * 5. Outside again: every restored file compared with its unchanged source by SHA-256 (src/adapters/tree-compare.ts),
 *    the canary, and the onsite snapshot's sample.
 * Every problem is a finding; the verdict passes only without findings. Scratch space (the rooms' homes, the
 * typed files, the restored data) lives in one private folder that is removed on every exit; one that a killed
 * drill left is removed by the next drill.
 */
import { mkdir, readdir, realpath, writeFile } from 'node:fs/promises';
import { accessSync, constants, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ownedTempName, registerCleanupPath, sweepTempLeftovers, TEMP_PREFIX } from '../adapters/cleanup.js';
import { canaryRestoredPath, expectedCanary as recordedCanary } from '../adapters/kit-store.js';
import { readFile } from 'node:fs/promises';
import { pdfTextLayer, scanPdfQrCodes } from '../adapters/pdf-readback.js';
import { classifyResticRun, lastResticMessage } from '../adapters/restic/errors.js';
import { redactText } from '../core/redact.js';
import { openResticRepository, resticFeatures, parseResticVersion, type Restic, type Snapshot } from '../adapters/restic/index.js';
import { probeBwrap, ROOM_HOME, runInRoom, SYSTEM_FOLDERS, type Isolation, type RoomBind, type RoomSpec } from '../adapters/sandbox.js';
import { compareAndRemoveTree, compareRestoredTree, removeTree, walkFiles } from '../adapters/tree-compare.js';
import { offsiteAccess } from '../config/offsite.js';
import type { Config } from '../config/types.js';
import {
  alteredSheets, canaryFindings, checkFindings, comparisonFindings, drillVerdict, guideCommandFinding, guideScript, reservoir, resticFinding,
  shuffled, stepNumbers, tooFewSheets, type DrillFinding, type DrillVerdict, type DrillVia, type RandomBelow, type SheetReading, type TreeComparison,
} from '../core/drill-verdict.js';
import { parseShareText, shareFingerprint, formatKitId } from '../core/share.js';
import { parseSnapshotName, LATEST_LINK } from '../core/snapshot-names.js';
import { DrkitError, InternalError, UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { LISTING_PITCH } from '../render/metrics.js';
import { extractGuideCommands, extractListing } from '../render/listing.js';
import { envelopeTextFromLayer, isEnvelopeQr, isShareQr, shareBytesFromQr, shareTextFromLayer, shareTextFromQr } from '../core/readback.js';
import { redactRepository } from '../core/redact.js';

export interface DrillInput {
  config: Config;
  /** the kit folder: sheet-N.pdf and guide.pdf */
  kitDir: string;
  /** share numbers to use; default: a random k-subset */
  sheets?: readonly number[];
  via: 'guide' | 'tool' | 'both';
  /** restore and compare N random files instead of everything */
  sample?: number;
  /** drill the offsite backup from the kit (false for `--onsite` alone) */
  offsite: boolean;
  /** drill the onsite copy (a sample of the latest rsync snapshot) */
  onsite: boolean;
  /** the state folder, hidden from the room */
  stateDir: string;
  random: RandomBelow;
  clock?: () => Date;
  note: (line: string) => void;
}

export interface ViaReport extends TreeComparison {
  via: DrillVia;
  verdict: DrillVerdict;
  /** restic's own --verify ran on the restore */
  resticVerify: boolean;
  durationMs: number;
  /** of which the room (the restore) and the comparison outside */
  restoreMs: number;
  compareMs: number;
  /** commands of the printed path run, typed and skipped (via guide) */
  commands?: { run: number; typed: number; skipped: number };
  /** what the drill changed in a printed command (only --sample adds --include to the restore) */
  changed?: string[];
}

export interface DrillReport {
  verdict: DrillVerdict;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** reading the guide and the sheets back; the snapshot, check and sample outside the room (side by side) */
  readbackMs: number;
  preflightMs: number;
  isolation: Isolation;
  /** why the room is not a bwrap sandbox, when it is not */
  isolationReason: string | null;
  kitId: string | null;
  sheetsUsed: { file: string; share: number; fingerprint: string }[];
  snapshot: { id: string; time: string } | null;
  sample: number | null;
  vias: ViaReport[];
  check: 'ok' | 'problems' | 'not-run';
  /** checked on a full restore; not-checked with --sample (the sample holds only the sampled files) */
  canary: 'checked' | 'not-checked' | 'not-recorded';
  findings: DrillFinding[];
  versions: { restic: string | null; gpg: string | null; python: string | null; bwrap: string | null };
}

const TOOL_ROOT = '/opt/drkit';
const RESTIC_DIR = '/opt/drill-restic';
const DEFAULT_ONSITE_SAMPLE = 100;

function isInsideSystem(path: string): boolean {
  return SYSTEM_FOLDERS.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** The first executable `name` on PATH, resolved to its real path; null when there is none. */
async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return await realpath(candidate);
    } catch { /* next */ }
  }
  return null;
}

interface SheetRead {
  reading: SheetReading;
  shareText: string | null;
  envelopeText: string | null;
  qrPayloads: string[];
  threshold: number | null;
}

function unreadableSheet(file: string, why: string): SheetRead {
  return { reading: { file, number: null, fingerprint: null, qrFingerprint: null, listed: null, unreadable: why }, shareText: null, envelopeText: null, qrPayloads: [], threshold: null };
}

/**
 * One sheet as the drill's input, from its text layer and, when they were read, its QR codes (null: not yet read).
 * The share is the text layer's, as a restorer types it; the QR share stands in only when the layer has none.
 */
function sheetRead(file: string, layer: string, qr: string[] | null): SheetRead {
  const qrShare = qr?.find(isShareQr);
  let shareText = shareTextFromLayer(layer);
  if (shareText === null && qrShare !== undefined) shareText = shareTextFromQr(qrShare);
  if (shareText === null) return unreadableSheet(file, 'no share in its text layer or QR codes');
  let qrFingerprint: string | null = null;
  try {
    if (qrShare !== undefined) qrFingerprint = shareFingerprint(shareBytesFromQr(qrShare));
  } catch { /* a damaged QR code: the text is what counts */ }
  let parsed;
  let ownListDisagrees = false;
  try {
    parsed = parseShareText(file, shareText);
  } catch (error) {
    if (!(error instanceof UserError) || error.code !== 'E_FINGERPRINT') return unreadableSheet(file, error instanceof Error ? error.message : String(error));
    // the share does not match its own sheet's fingerprint list: read it without the list to name it
    ownListDisagrees = true;
    try {
      parsed = parseShareText(file, shareText.split('\n').filter((line) => !line.startsWith('# fingerprints:')).join('\n'));
    } catch (inner) {
      return unreadableSheet(file, inner instanceof Error ? inner.message : String(inner));
    }
  }
  return {
    reading: { file, number: parsed.number, fingerprint: parsed.fingerprint, qrFingerprint, listed: parsed.listedFingerprints, ...(ownListDisagrees ? { ownListDisagrees } : {}) },
    shareText, envelopeText: envelopeTextFromLayer(layer), qrPayloads: qr ?? [], threshold: parsed.threshold,
  };
}

/** A sheet read in two halves: `layer` from its text layer alone, `whole` with its QR codes too. */
interface SheetReader {
  layer: Promise<SheetRead>;
  whole: Promise<SheetRead>;
}

/**
 * Reads one sheet PDF as the drill's input. Never rejects for a bad sheet: an unreadable one is a reading that
 * says why. The QR codes (a render and a scan, most of a sheet's reading time) are read once the text layer is in;
 * a sheet whose text layer holds no share waits for them (`layer` is then the whole reading).
 */
function sheetReader(path: string, file: string): SheetReader {
  const text = pdfTextLayer(path, 'raw').then(
    (layer) => ({ layer, why: null }),
    (error: unknown) => ({ layer: '', why: error instanceof DrkitError ? error.message : String(error) }),
  );
  const whole = (async (): Promise<SheetRead> => {
    const { layer, why } = await text;
    if (why !== null) return unreadableSheet(file, why);
    let qr = (await scanPdfQrCodes(path, 150).catch(() => [] as string[][])).flat();
    if (!qr.some(isShareQr)) qr = (await scanPdfQrCodes(path, 200).catch(() => [] as string[][])).flat();
    return sheetRead(file, layer, qr);
  })();
  const layer = (async (): Promise<SheetRead> => {
    const { layer: read, why } = await text;
    if (why !== null) return unreadableSheet(file, why);
    return shareTextFromLayer(read) === null ? whole : sheetRead(file, read, null);
  })();
  // a sheet read but not used (more than k were read side by side) is never awaited whole
  whole.catch(() => undefined);
  return { layer, whole };
}

async function sheetFiles(kitDir: string): Promise<Map<number, string>> {
  const names = await readdir(kitDir).catch((error: NodeJS.ErrnoException) => {
    throw new UserError('E_DRILL_KIT', `--kit ${kitDir} cannot be read (${error.code ?? String(error)})`, { hints: ['give the folder kit create wrote: its sheet-N.pdf files and guide.pdf'] });
  });
  const sheets = new Map<number, string>();
  for (const name of names) {
    const number = /^sheet-(\d+)\.pdf$/.exec(name)?.[1];
    if (number !== undefined) sheets.set(Number(number), join(kitDir, name));
  }
  return sheets;
}

/** The restore target of the path's `restic restore` command (`--target DIR`), `~` meaning the home folder. */
function restoreTarget(commands: readonly string[], home: string): string | null {
  const restore = commands.find((command) => /^restic restore\b/.test(command));
  const target = restore === undefined ? undefined : /--target[ =](\S+)/.exec(restore)?.[1];
  if (target === undefined) return null;
  return target.startsWith('~/') ? join(home, target.slice(2)) : target === '~' ? home : resolve(home, target);
}

function errorFinding(error: unknown, repository: string, via: DrillVia | undefined, kitPassword: boolean): DrillFinding {
  if (!(error instanceof DrkitError) || error instanceof InternalError) throw error;
  return resticFinding(error.code, error.message, { repository: redactRepository(repository), kitPassword, ...(via === undefined ? {} : { via }) });
}

export async function runDrill(input: DrillInput): Promise<DrillReport> {
  const clock = input.clock ?? (() => new Date());
  const started = clock();
  const findings: DrillFinding[] = [];
  if (!input.offsite) {
    const onsiteOnly = await onsiteDrill(input, findings);
    const finished = clock();
    return {
      verdict: drillVerdict(findings, 1), startedAt: started.toISOString(), finishedAt: finished.toISOString(), durationMs: finished.getTime() - started.getTime(), readbackMs: 0, preflightMs: 0,
      isolation: 'none', isolationReason: 'the onsite drill reads the snapshot folder directly, outside any room', kitId: null, sheetsUsed: [], snapshot: null,
      sample: input.sample ?? null, vias: [onsiteOnly], check: 'not-run', canary: 'not-recorded', findings, versions: { restic: null, gpg: null, python: null, bwrap: null },
    };
  }
  const offsite = input.config.offsite;
  if (offsite === undefined) {
    throw new UserError('E_DRILL_NO_OFFSITE', `${input.config.file}: no offsite repository is configured: the drill restores the offsite backup`, { hints: ['add an offsite section (docs/config.md)'] });
  }
  const kitDir = resolve(input.kitDir);
  const sheetsOnDisk = await sheetFiles(kitDir);
  const guidePath = join(kitDir, 'guide.pdf');
  // whether bwrap can build a room is asked beside the read-back: the rooms need it, the sheets do not
  const probing = probeBwrap().then((probe) => ({ probe, isolation: probe.usable ? 'bwrap' as const : 'none' as const }));

  // 3 (started first: it needs only the config). Outside the room: the snapshot and the sample, then restic check
  const access = offsiteAccess(input.config, offsite);
  const repositoryAccess = { repository: access.repository, password: access.password, env: access.env, ...(access.cacert === undefined ? {} : { cacert: access.cacert }) };
  const preflightStarted = Date.now();
  const listing = (async () => {
    const found: DrillFinding[] = [];
    let restic: Restic | null = null;
    let latest: Snapshot | null = null;
    let sample: string[] | undefined;
    try {
      restic = await openResticRepository(repositoryAccess, { retry: { attempts: 1, initialDelayMs: 0, factor: 1, maxDelayMs: 0 }, backendGiveUpMs: offsite.giveUpAfter, niceness: 19 });
      const snapshots = await restic.snapshots();
      latest = snapshots.at(-1) ?? null;
      if (latest === null) found.push({ code: 'E_DRILL_NO_SNAPSHOT', message: `the repository ${restic.displayName} holds no snapshot: run drkit backup offsite first` });
    } catch (error) {
      found.push(errorFinding(error, restic?.displayName ?? offsite.repository, undefined, false));
    }
    const repositoryName = restic?.displayName ?? offsite.repository;
    if (restic !== null && latest !== null && input.sample !== undefined) {
      const pool = reservoir<string>(input.sample, input.random);
      try {
        await restic.listFiles(latest.id, (file) => pool.offer(file.path));
        sample = pool.items();
      } catch (error) {
        found.push(errorFinding(error, repositoryName, undefined, false));
      }
    }
    return { restic, latest, sample, repositoryName, found };
  })();
  /*
   * restic check runs beside the rooms (a full restore does not wait for it) and so without restic's lock: its
   * exclusive lock would shut out the room's `restic stats` and `restic snapshots`, and their locks would make
   * either fail. A writer beside an unlocked check (a backup, a prune) can make it see problems that are not
   * there, never hide any: so an unlocked all-clear stands, and problems count only when a second check sees them
   * too (a locked one could not get its lock while a room holds one).
   */
  const checking = listing.then(async ({ restic, latest, repositoryName }) => {
    const outcome: { check: DrillReport['check']; found: DrillFinding[] } = { check: 'not-run', found: [] };
    if (restic === null || latest === null) return outcome;
    try {
      let result = await restic.check({ noLock: true });
      if (!result.ok) result = await restic.check({ noLock: true });
      outcome.check = result.ok ? 'ok' : 'problems';
      outcome.found.push(...checkFindings(result.problems, repositoryName));
    } catch (error) {
      outcome.found.push(errorFinding(error, repositoryName, undefined, false));
    }
    return outcome;
  });
  const preflight = checking.then(async (checked) => ({ ...(await listing), ...checked, found: [...(await listing).found, ...checked.found], preflightMs: Date.now() - preflightStarted }));
  // a restore can only fail (slowly: restic 0.14 retries a missing pack for minutes) when the sheets are bad or the
  // repository is unreachable, gone or damaged: those findings stand, and the rooms are stopped (or not built)
  const ROOMLESS = ['E_DRILL_SHEET_ALTERED', 'E_DRILL_UNREACHABLE', 'E_DRILL_REPO_DELETED', 'E_DRILL_WRONG_PASSWORD', 'E_DRILL_PACK_MISSING', 'E_DRILL_REPO_DAMAGED'];
  const stopRooms = new AbortController();
  // the sheets' QR codes are read beside the first room (below): an altered sheet found there stops it too
  let sheetsChecked: (found: DrillFinding[]) => void = () => undefined;
  const sheetFindings = new Promise<DrillFinding[]>((resolve) => { sheetsChecked = resolve; });
  const roomsWanted = Promise.all([preflight, sheetFindings]).then(([{ latest, found }, fromSheets]) => latest !== null && ![...found, ...fromSheets].some((finding) => ROOMLESS.includes(finding.code)));
  roomsWanted.then((wanted) => { if (!wanted) stopRooms.abort(); }, () => stopRooms.abort());
  // the sheets' read-back below may throw (a missing guide): the preflight's outcome is then not wanted
  preflight.catch(() => undefined);
  roomsWanted.catch(() => undefined);

  // the rooms' scratch space is made before the read-back, so the versions room runs beside it
  const vias: ViaReport[] = [];
  const versions: DrillReport['versions'] = { restic: null, gpg: null, python: null, bwrap: null };
  const resticBinary = await onPath('restic');
  const binds: RoomBind[] = [];
  const pathPrefix: string[] = [];
  if (resticBinary !== null && !isInsideSystem(resticBinary)) {
    binds.push({ host: dirname(resticBinary), room: RESTIC_DIR });
    pathPrefix.push(RESTIC_DIR);
  }
  const hidden = [input.config.file, input.stateDir, kitDir, ...input.config.sources, ...(input.config.secrets === undefined ? [] : [input.config.secrets])];
  // what a killed drill left is swept with every other leftover (src/adapters/cleanup.ts), before a new scratch
  sweepTempLeftovers();
  const scratch = join(tmpdir(), ownedTempName(TEMP_PREFIX.drillScratch));
  await mkdir(scratch, { mode: 0o700 });
  const removeScratch = (): void => rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  // an interrupt, a closed pipe or a crash removes it through the process's cleanup registry (src/cli.ts)
  const releaseScratch = registerCleanupPath(scratch);
  let probe = { usable: false, reason: '' };
  let isolation: Isolation = 'none';
  let readbackMs = 0;
  let kitId: string | null = null;
  let used: SheetRead[] = [];
  let findingsBeforeRooms = 0;
  let sheetsAltered: DrillFinding[] = [];
  try {
    const room = async (name: string, extraBinds: RoomBind[] = []): Promise<{ spec: RoomSpec; home: string; input: string }> => {
      const home = join(scratch, `home-${name}`);
      const inputDir = join(scratch, `input-${name}`);
      await mkdir(home, { mode: 0o700 });
      await mkdir(inputDir, { mode: 0o700 });
      return { home, input: inputDir, spec: { home, binds: [...binds, { host: inputDir, room: '/drill' }, ...extraBinds], pathPrefix, hidden } };
    };
    // the tools' versions, for the report and for reading restic's words: a room of its own, beside the read-back
    const versionsRead = (async () => {
      const { isolation: roomIsolation } = await probing;
      const probeRoom = await room('versions');
      const said = await runInRoom(probeRoom.spec, roomIsolation, 'bash', ['-c', 'restic version; gpg --version | head -n 1; python3 --version; bwrap --version 2>/dev/null || true']);
      const lines = said.stdout.split('\n');
      versions.restic = lines.find((line) => line.startsWith('restic '))?.trim() ?? null;
      versions.gpg = lines.find((line) => line.startsWith('gpg '))?.trim() ?? null;
      versions.python = lines.find((line) => line.startsWith('Python '))?.trim() ?? null;
      versions.bwrap = roomIsolation === 'bwrap' ? lines.find((line) => line.startsWith('bubblewrap '))?.trim() ?? null : null;
    })();
    versionsRead.catch(() => undefined);

    // 1. the guide, as its text layer gives it: read beside the sheets (nothing of the sheets depends on it)
    const readbackStarted = Date.now();
    const guideRead = (async () => {
      const guideRaw = await pdfTextLayer(guidePath, 'raw').catch((error: unknown) => {
        throw new UserError('E_DRILL_KIT', `--kit ${kitDir}: guide.pdf cannot be read: ${error instanceof Error ? error.message : String(error)}`, { hints: ['give the folder kit create wrote, with guide.pdf in it'] });
      });
      const commands = extractGuideCommands(guideRaw);
      return { commands, steps: stepNumbers(guideRaw, commands), combiner: extractListing(await pdfTextLayer(guidePath, { fixed: LISTING_PITCH })) };
    })();
    // awaited below, after the sheets; a sheet's failure first must not leave its rejection unhandled
    guideRead.catch(() => undefined);

    /*
     * 2. the sheets, until k are readable: the first three (k is at least 2, most often 3) read side by side. A
     * sheet is read in two halves (sheetReader): its text layer, which gives the share and the envelope as a
     * restorer types them, and then its QR codes. The rooms start on the text layers; the QR codes (a render and a
     * scan of each sheet, most of the read-back's time) are read beside the first room, and a sheet whose QR code
     * disagrees with its text stops the rooms as any other altered sheet does.
     */
    const order = input.sheets !== undefined ? [...input.sheets] : shuffled([...sheetsOnDisk.keys()].sort((a, b) => a - b), input.random);
    const readers = new Map<number, SheetReader>();
    const readOne = async (number: number): Promise<SheetRead | SheetReading> => {
      const path = sheetsOnDisk.get(number);
      const file = `sheet-${number}.pdf`;
      if (path === undefined) return { file, number: null, fingerprint: null, qrFingerprint: null, listed: null, unreadable: 'not in the kit folder' };
      const reader = sheetReader(path, file);
      readers.set(number, reader);
      const read = await reader.layer;
      return read.reading.number === null ? read.reading : read;
    };
    const unreadable: SheetReading[] = [];
    let needed: number | null = null;
    const take = (result: SheetRead | SheetReading): void => {
      if ('reading' in result) {
        if (needed === null || used.length < needed) used.push(result);
        needed ??= result.threshold;
      } else {
        unreadable.push(result);
      }
    };
    const first = Math.min(order.length, input.sheets === undefined ? 3 : order.length);
    for (const result of await Promise.all(order.slice(0, first).map(readOne))) take(result);
    for (const number of order.slice(first)) {
      if (needed !== null && used.length >= needed) break;
      take(await readOne(number));
    }
    if (needed !== null && used.length > needed) used.length = needed;
    const k = needed ?? (input.sheets?.length ?? 2);
    const few = tooFewSheets(used.length, k, unreadable);
    if (few !== null) findings.push(few);
    if (input.sheets !== undefined && input.sheets.length > used.length && few === null) {
      findings.push(tooFewSheets(used.length, input.sheets.length, unreadable) ?? { code: 'E_DRILL_TOO_FEW_SHEETS', message: 'a named sheet could not be read' });
    }
    findingsBeforeRooms = findings.length;
    // the used sheets read whole (text layer and QR codes); a sheet's whole reading keeps its text layer's share
    const wholeOf = (sheet: SheetRead): Promise<SheetRead> => readers.get(sheet.reading.number ?? 0)?.whole ?? Promise.resolve(sheet);
    const wholeReads = Promise.all(used.map(wholeOf));
    const textAltered = alteredSheets(used.map((sheet) => sheet.reading));
    // a sheet altered in its text: the rooms are not built, as before any QR code was read
    if (textAltered.length > 0) used = await wholeReads;
    const altered = wholeReads.then((whole) => alteredSheets(whole.map((sheet) => sheet.reading)));
    altered.then(sheetsChecked, () => sheetsChecked([]));
    const firstShare = used[0]?.shareText;
    kitId = firstShare === undefined || firstShare === null ? null : formatKitId(parseShareText('sheet', firstShare.split('\n').filter((line) => !line.startsWith('# fingerprints:')).join('\n')).kitId);

    const { commands, steps, combiner } = await guideRead;
    readbackMs = Date.now() - readbackStarted;
    ({ probe, isolation } = await probing);
    if (!probe.usable) input.note(`WARNING: isolation: none — ${probe.reason}; the drill runs with a cleared environment and a temporary home, but the room is NOT sealed`);
    // a --sample restore needs the sample before its room; a full one starts now, beside the listing and the check
    const { sample } = input.sample === undefined ? { sample: undefined } : await listing;

    // 4 and 5. the rooms, then the comparison
    const sheetsUsable = few === null && textAltered.length === 0;
    await versionsRead;
    const roomFeatures = resticFeatures(parseResticVersion(versions.restic ?? '') ?? { major: 0, minor: 14, patch: 0, text: '' });
    const wanted = input.via === 'both' ? (['guide', 'tool'] as const) : [input.via];
    // a room's outcome counts once the listing and the check are in: when they found the repository unusable, the
    // room was stopped (or is not built), and their findings are the drill's
    const roomCounts = async (): Promise<boolean> => roomsWanted.catch(() => false);
    for (const via of sheetsUsable ? wanted : []) {
      if (stopRooms.signal.aborted) break;
      const viaStarted = Date.now();
      const viaFindings: DrillFinding[] = [];
      let restoredRoot: string | null = null;
      let commandCounts: ViaReport['commands'];
      const changed: string[] = [];
      if (via === 'guide') {
        const { spec, home, input: inputDir } = await room('guide');
        const typed = new Map<string, string>();
        used.forEach((sheet, index) => typed.set(`share-${index + 1}.txt`, sheet.shareText ?? ''));
        typed.set('envelope.txt', used.find((sheet) => sheet.envelopeText !== null)?.envelopeText ?? '');
        typed.set('combine.py', combiner.text);
        const marker = `@@drkit-drill-step-${String(input.random(2 ** 30))}`;
        const script = guideScript(commands, steps, typed, { marker, ...(sample === undefined ? {} : { includes: sample }) });
        if (sample !== undefined) changed.push(`the restore command gets --include for each of the ${sample.length} sampled files`);
        commandCounts = { run: script.steps.filter((s) => s.action === 'run').length, typed: script.steps.filter((s) => s.action === 'type').length, skipped: script.steps.filter((s) => s.action === 'skip').length };
        await writeFile(join(inputDir, 'path.sh'), script.script, { mode: 0o600 });
        let current = 0;
        let tail: string[] = [];
        const run = await runInRoom(spec, isolation, 'bash', ['--noprofile', '--norc', '/drill/path.sh'], {
          collectStdout: false, onStdoutLine: () => undefined, signal: stopRooms.signal,
          onStderrLine: (line) => {
            if (line.startsWith(`${marker} `)) { current = Number(line.slice(marker.length + 1)) || current; tail = []; return; }
            tail.push(line);
            if (tail.length > 40) tail.shift();
          },
        });
        if (!(await roomCounts())) break;
        const { repositoryName } = await listing;
        if (run.exitStatus !== 0) {
          const step = script.steps[current - 1];
          const said = lastResticMessage(tail.join('\n'));
          if (step === undefined) {
            viaFindings.push({ code: 'E_DRILL_GUIDE_COMMAND', via, message: `the guide's path failed before its first command: ${said}` });
          } else if (step.command.startsWith('restic ')) {
            const outcome = classifyResticRun({ command: step.command.split(' ')[1] ?? 'restic', repository: repositoryName, exitStatus: run.exitStatus, signal: run.signal, stderrTail: tail.join('\n') }, roomFeatures);
            const base = guideCommandFinding(step, run.exitStatus, said);
            const specific = outcome.kind === 'error' ? resticFinding(outcome.error.code, said, { via, repository: repositoryName, kitPassword: true }) : null;
            viaFindings.push(specific === null || specific.code === 'E_DRILL_GUIDE_COMMAND' ? base : { ...specific, message: `${specific.message} (${base.message})`, details: base.details ?? {} });
          } else {
            viaFindings.push(guideCommandFinding(step, run.exitStatus, said));
          }
        } else {
          restoredRoot = restoreTarget(commands, home);
          if (restoredRoot === null) viaFindings.push({ code: 'E_DRILL_GUIDE_COMMAND', via, message: 'the guide\'s printed path has no "restic restore … --target DIR" command: it restores nothing' });
        }
      } else {
        const root = packageRoot();
        const toolBinds: RoomBind[] = isInsideSystem(root) ? [] : [
          { host: join(root, 'dist'), room: `${TOOL_ROOT}/dist` },
          { host: join(root, 'package.json'), room: `${TOOL_ROOT}/package.json` },
          { host: join(root, 'templates'), room: `${TOOL_ROOT}/templates` },
          { host: await realpath(join(root, 'node_modules')), room: `${TOOL_ROOT}/node_modules` },
        ];
        const nodeBinary = await realpath(process.execPath);
        if (!isInsideSystem(nodeBinary)) toolBinds.push({ host: dirname(nodeBinary), room: '/opt/drill-node' });
        const { spec, home, input: inputDir } = await room('tool', toolBinds);
        const cli = isInsideSystem(root) || isolation === 'none' ? join(root, 'dist', 'src', 'cli.js') : `${TOOL_ROOT}/dist/src/cli.js`;
        const node = isInsideSystem(nodeBinary) || isolation === 'none' ? nodeBinary : `/opt/drill-node/${nodeBinary.split('/').at(-1) ?? 'node'}`;
        const from: string[] = [];
        for (const [index, sheet] of used.entries()) {
          await writeFile(join(inputDir, `share-${index + 1}.txt`), sheet.shareText ?? '', { mode: 0o600 });
          from.push('--from', `/drill/share-${index + 1}.txt`);
        }
        // the envelope as a phone's QR scan gives it (zbarimg --raw), so the tool path reads the other printed form
        // (the first used sheet's QR codes, read beside this room's start: the other sheets' scans go on meanwhile)
        const hasEnvelopeQr = (sheet: SheetRead | undefined): boolean => sheet?.qrPayloads.some(isEnvelopeQr) ?? false;
        const firstWhole = used[0] === undefined ? undefined : await wholeOf(used[0]);
        const scanned = hasEnvelopeQr(firstWhole) ? firstWhole : (await wholeReads).find(hasEnvelopeQr);
        const envelopeFile = scanned === undefined ? 'envelope.txt' : 'envelope-scan.txt';
        await writeFile(join(inputDir, envelopeFile), scanned === undefined ? used[0]?.envelopeText ?? '' : `${scanned.qrPayloads.join('\n')}\n`, { mode: 0o600 });
        const target = `${ROOM_HOME}/restore/files`;
        let recovered = false;
        let failure: { code: string; message: string } | null = null;
        const run = await runInRoom(spec, isolation, node, [cli, 'recover', ...from, '--envelope', `/drill/${envelopeFile}`, '--restore-to', target, '--no-verify', '--json'], {
          collectStdout: false, signal: stopRooms.signal,
          onStdoutLine: (line) => {
            try {
              const message = JSON.parse(line) as { message_type?: string; code?: string; message?: string };
              if (message.message_type === 'recovered') recovered = true;
              if (message.message_type === 'error') failure = { code: message.code ?? 'E_UNKNOWN', message: message.message ?? '' };
            } catch { /* progress text */ }
          },
        });
        if (!(await roomCounts())) break;
        const { repositoryName } = await listing;
        const failed = failure as { code: string; message: string } | null;
        if (run.exitStatus !== 0 || !recovered) {
          const finding = failed === null
            ? { code: 'E_DRILL_TOOL_FAILED' as const, via, message: `drkit recover exited with status ${String(run.exitStatus)}: ${lastResticMessage(run.stderrTail)}` }
            : resticFinding(failed.code, `drkit recover: ${failed.message}`, { via, repository: repositoryName, kitPassword: true });
          viaFindings.push(finding);
        } else {
          restoredRoot = join(home, 'restore', 'files');
        }
      }
      const restoreMs = Date.now() - viaStarted;
      let comparison: TreeComparison = { filesChecked: 0, bytesChecked: 0, mismatches: [], mismatchCount: 0, changedSinceSnapshot: 0, notRestored: [], notRestoredCount: 0 };
      if (restoredRoot !== null) {
        const { latest } = await listing;
        // a sample holds only the sampled files: the canary is checked on full restores. It is read first: a full
        // restore in the drill's own scratch is removed file by file as it is compared
        const canary = input.sample === undefined ? expectedCanary(input.stateDir) : null;
        const restoredCanary = canary === null ? null : await readFile(canaryRestoredPath(restoredRoot, canary.path), 'utf8').catch(() => null);
        const snapshotTime = latest === null ? 0 : Date.parse(latest.time);
        comparison = sample === undefined && restoredRoot.startsWith(`${scratch}/`)
          ? await compareAndRemoveTree(restoredRoot, snapshotTime)
          : await compareRestoredTree(restoredRoot, snapshotTime, sample);
        viaFindings.push(...comparisonFindings(comparison, via));
        if (canary !== null) viaFindings.push(...canaryFindings(canary, restoredCanary, via));
      }
      findings.push(...viaFindings);
      vias.push({
        via, verdict: drillVerdict(viaFindings, restoredRoot === null ? 0 : 1), resticVerify: via === 'guide' && commands.some((command) => /^restic restore\b.*--verify/.test(command)),
        durationMs: Date.now() - viaStarted, restoreMs, compareMs: Date.now() - viaStarted - restoreMs, ...comparison, ...(commandCounts === undefined ? {} : { commands: commandCounts }), ...(changed.length === 0 ? {} : { changed }),
      });
      // the restored tree goes before the next room fills the disk again (memory flat, see removeTree)
      await removeTree(join(scratch, `home-${via}`));
    }
    if (input.onsite) vias.push(await onsiteDrill(input, findings));
    // the report names the sheets as read whole, their QR codes' fingerprints with them
    used = await wholeReads;
    sheetsAltered = await altered;
  } finally {
    removeScratch();
    releaseScratch();
  }
  const { latest, check, found, preflightMs } = await preflight;
  // the listing's and the check's findings come before the rooms', as they came first
  findings.splice(findingsBeforeRooms, 0, ...sheetsAltered, ...found);

  // restic's and the tools' own words end up in findings: no secret of the config or the kit may go with them
  const secrets = [...access.secretValues, ...('value' in access.password ? [access.password.value] : [])];
  for (const finding of findings) {
    finding.message = redactText(finding.message, secrets);
    if (finding.details !== undefined) finding.details = JSON.parse(redactText(JSON.stringify(finding.details), secrets.map((secret) => JSON.stringify(secret).slice(1, -1)))) as Record<string, unknown>;
  }
  const finished = clock();
  return {
    verdict: drillVerdict(findings, vias.filter((via) => via.verdict === 'passed' || via.filesChecked > 0).length),
    startedAt: started.toISOString(), finishedAt: finished.toISOString(), durationMs: finished.getTime() - started.getTime(),
    readbackMs, preflightMs, isolation, isolationReason: probe.usable ? null : probe.reason, kitId,
    sheetsUsed: used.map((sheet) => ({ file: sheet.reading.file, share: sheet.reading.number ?? 0, fingerprint: sheet.reading.fingerprint ?? '' })),
    snapshot: latest === null ? null : { id: latest.id, time: latest.time },
    sample: input.sample ?? null,
    vias, check, canary: expectedCanary(input.stateDir) === null ? 'not-recorded' : input.sample === undefined ? 'checked' : 'not-checked', findings, versions,
  };
}

/**
 * The canary the backup must hold: the file `kit create --config` wrote into the setup's state folder and every
 * backup since carries (src/adapters/kit-store.ts), with the text naming the recorded kit. Null while no kit was
 * made from this setup (the report then says `canary: not-recorded`).
 */
function expectedCanary(stateDir: string): { path: string; content: string } | null {
  const canary = recordedCanary(stateDir);
  return canary === null ? null : { path: canary.path, content: canary.text };
}

/**
 * The onsite drill: a sample of the latest rsync snapshot compared with the source, the same way. Local targets
 * only for now; the guide's onsite steps (Part 4) name the disk and host as placeholders, so they are not run.
 */
async function onsiteDrill(input: DrillInput, findings: DrillFinding[]): Promise<ViaReport> {
  const startedAt = Date.now();
  const onsite = input.config.onsite;
  const fail = (message: string): ViaReport => {
    const finding: DrillFinding = { code: 'E_DRILL_ONSITE', via: 'onsite', message };
    findings.push(finding);
    return { via: 'onsite', verdict: 'failed', resticVerify: false, durationMs: Date.now() - startedAt, restoreMs: 0, compareMs: 0, filesChecked: 0, bytesChecked: 0, mismatches: [], mismatchCount: 0, changedSinceSnapshot: 0, notRestored: [], notRestoredCount: 0 };
  };
  if (onsite === undefined) return fail(`${input.config.file}: no onsite target is configured`);
  if (!onsite.target.startsWith('/')) return fail(`the onsite drill reads local targets only; ${onsite.target} is remote`);
  const hostFolder = join(onsite.target, input.config.host);
  let latestName: string;
  try {
    latestName = (await realpath(join(hostFolder, LATEST_LINK))).split('/').at(-1) ?? '';
  } catch {
    return fail(`the onsite target ${onsite.target} has no latest snapshot for ${input.config.host} (disk not mounted, or no onsite backup yet)`);
  }
  const time = parseSnapshotName(latestName);
  if (time === null) return fail(`the onsite snapshot ${latestName} is not named by its time`);
  const root = join(hostFolder, latestName);
  const pool = reservoir<string>(input.sample ?? DEFAULT_ONSITE_SAMPLE, input.random);
  await walkFiles(root, (rel) => pool.offer(`/${rel}`));
  // a snapshot is named after its start second (rounded down): anything changed after it counts as changed since
  const comparison = await compareRestoredTree(root, time.getTime(), pool.items());
  const mine = comparisonFindings(comparison, 'onsite');
  findings.push(...mine);
  const durationMs = Date.now() - startedAt;
  return { via: 'onsite', verdict: drillVerdict(mine, 1), resticVerify: false, durationMs, restoreMs: 0, compareMs: durationMs, ...comparison };
}

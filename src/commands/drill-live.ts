/**
 * `drkit drill --live`: the drill of a person holding the real sheets, on a live USB with drkit: no config, no
 * source. Opens the kit as `drkit recover` does (typed with each line checked, sheet files or photos, or QR
 * payload lines on stdin: `zbarcam --raw | drkit drill --live --stdin`), restores a sample (or everything) into a
 * scratch folder with restic's --verify, runs `restic check`, looks for the canary, and writes a certificate
 * (text and a one-page PDF) the owner enters with `drkit drill --record CERT` (docs/drills.md).
 *
 * `--record` checks that the certificate belongs to the kit the status file names (a superseded kit's drill
 * proves nothing about the current sheets) and adds a drill record with via `live`.
 */
import { randomInt } from 'node:crypto';
import { lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ownedTempName, registerCleanupPath, TEMP_PREFIX } from '../adapters/cleanup.js';
import { assertWritableFolder, writeFileAtomic } from '../adapters/files.js';
import { readState, recordDrill } from '../adapters/state.js';
import { defaultConfigPath, stateDir } from '../adapters/paths.js';
import { parseBundleText } from '../core/bundle.js';
import { canaryText } from '../core/kit-record.js';
import { formatCertificate, judgeCanary, parseCertificate, type CertificatePhase, type DrillCertificate } from '../core/drill-certificate.js';
import { includePattern, reservoir } from '../core/drill-verdict.js';
import { openEnvelope } from '../core/envelope.js';
import { combineKit, type NamedText } from '../core/kit.js';
import { redactRepository } from '../core/redact.js';
import { decodeShareBytes, formatKitId, parseShareText } from '../core/share.js';
import { DrkitError, ExitCode, InternalError, ToolError, UserError } from '../errors.js';
import type { Restic } from '../adapters/restic/index.js';
import { envelopeTextFromQr, isEnvelopeQr, isShareQr, shareBytesFromQr, shareTextFromQr } from '../core/readback.js';
import { formatBytes } from '../ui/format.js';
import { plural } from '../core/words.js';
import type { CommandIO } from '../ui/io.js';
import { readFiles, typeKit } from './recover.js';
import { canAsk, chooseSnapshot, restoreWithProgress, type SnapshotChoiceOptions } from './snapshot-restore.js';
import { folderBytes, folderEntries, freeBytes } from '../adapters/restore-target.js';
import { checkFreeSpace, checkPathFilters, checkSnapshotFlag, nonEmptyTargetError } from '../core/restore.js';

export interface DrillLiveOptions {
  from?: string[];
  envelope?: string;
  stdin: boolean;
  sample?: number | 'all';
  out?: string;
  /** the snapshot choice, as recover takes it (./snapshot-restore.ts) */
  snapshot?: string;
  host?: string;
  path?: string[];
  /** where the sample is restored (default: a scratch folder under $TMPDIR); refused when it holds files, without force */
  restoreTo?: string;
  force?: boolean;
  /** keep the restored files in restoreTo at the end */
  keep?: boolean;
  json: boolean;
}

/** a few hundred random files: enough to show the data comes back, quick on a slow line */
export const DEFAULT_LIVE_SAMPLE = 300;
const CANARY_NAME = 'drkit-canary.txt';
export const CERTIFICATE_BASE = 'drill-certificate';
/** what keeps the certificate on one page (about 70 lines of 96 characters) */
const MAX_FINDINGS = 6;
const MAX_FINDING_CHARS = 280;
const MAX_STUCK_CHARS = 480;
/** errors of the snapshot choice (flags, the question): refused like any bad input, not a drill's finding */
const CHOICE_ERRORS = new Set(['E_RESTIC_NO_SNAPSHOT', 'E_USAGE', 'E_INPUT_ENDED']);

function cut(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/**
 * Reads QR payload lines (DK1S… shares, DK1E… envelope parts), as `zbarcam --raw` prints them, until k distinct
 * shares and every envelope part are in: zbarcam repeats codes and never ends, so the kit decides when to stop.
 */
export async function readQrLines(io: CommandIO): Promise<{ shares: NamedText[]; envelope: NamedText }> {
  if (io.stdin === undefined) throw new UserError('E_USAGE', '--stdin needs input: pipe the QR codes in, e.g. zbarcam --raw | drkit drill --live --stdin');
  const reader = createInterface({ input: io.stdin, terminal: false });
  const shares = new Map<number, { payload: string; kitId: Uint8Array; threshold: number }>();
  const envelopeParts = new Set<string>();
  let envelope: NamedText | null = null;
  io.note('show the share QR codes of k sheets and every envelope QR code of one sheet to the camera');
  try {
    for await (const raw of reader) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (isShareQr(line)) {
        const share = decodeShareBytes(shareBytesFromQr(line));
        const first = [...shares.values()][0];
        if (first !== undefined && formatKitId(first.kitId) !== formatKitId(share.kitId)) {
          io.note(`  that share is of kit ${formatKitId(share.kitId)}, the others of kit ${formatKitId(first.kitId)}: skipped`);
          continue;
        }
        if (!shares.has(share.number)) {
          shares.set(share.number, { payload: line, kitId: share.kitId, threshold: share.threshold });
          io.note(`  share ${share.number} read (${shares.size} of ${share.threshold})`);
        }
      } else if (isEnvelopeQr(line)) {
        if (!envelopeParts.has(line)) {
          envelopeParts.add(line);
          io.note(`  envelope part ${envelopeParts.size} read`);
        }
      } else {
        io.note('  a line that is not a drkit QR code (DK1S… or DK1E…): skipped');
        continue;
      }
      const first = [...shares.values()][0];
      if (first !== undefined && envelope === null && envelopeParts.size > 0) {
        try {
          envelope = { name: 'envelope QR codes', text: envelopeTextFromQr('envelope QR codes', [...envelopeParts], first.kitId) };
          io.note('  the envelope is complete');
        } catch (error) {
          // parts still missing: read on
          if (!(error instanceof UserError)) throw error;
        }
      }
      if (first !== undefined && envelope !== null && shares.size >= first.threshold) break;
    }
  } finally {
    reader.close();
  }
  const first = [...shares.values()][0];
  if (first === undefined || envelope === null || shares.size < first.threshold) {
    throw new UserError('E_INPUT_ENDED', `the input ended with ${shares.size} shares${first === undefined ? '' : ` of ${first.threshold}`} and the envelope ${envelope === null ? 'incomplete' : 'complete'}`, {
      hints: ['scan the share QR code of k different sheets and every envelope QR code of one sheet'],
    });
  }
  return { shares: [...shares.entries()].map(([number, share]) => ({ name: `share ${number} (QR)`, text: shareTextFromQr(share.payload) })), envelope };
}

async function askStuck(io: CommandIO): Promise<string> {
  if (!canAsk(io) || io.stdin === undefined) return '';
  const reader = createInterface({ input: io.stdin, terminal: false });
  io.stderr.write('where did you get stuck, if anywhere? (one line for the owner; Enter: nowhere): ');
  const lines = reader[Symbol.asyncIterator]();
  const next: IteratorResult<string, unknown> = await lines.next();
  reader.close();
  return next.done === true ? '' : next.value.trim();
}

function renderCertificateText(certificate: DrillCertificate): string[] {
  const lines = [`live drill ${certificate.verdict === 'passed' ? 'PASSED' : 'FAILED'} — kit ${certificate.kitId}`];
  lines.push(`shares used: ${certificate.shares.map((share) => `${share.number} (fingerprint ${share.fingerprint})`).join(', ')}`);
  lines.push(`snapshot: ${certificate.snapshotId.slice(0, 8)} of ${certificate.snapshotTime}; ${certificate.filesChecked} files, ${formatBytes(certificate.bytesChecked)} restored and checked${certificate.sample === 'all' ? '' : ` (a sample of ${certificate.sample})`}`);
  lines.push(`restic --verify: ${certificate.resticVerify}; restic check: ${certificate.resticCheck}; canary: ${certificate.canary}`);
  for (const finding of certificate.findings) lines.push(`${finding.code}: ${finding.message}`);
  lines.push(`times: ${certificate.phases.map((phase) => `${phase.name} ${(phase.ms / 1000).toFixed(1)} s`).join(', ')}`);
  return lines;
}

async function writeCertificate(dir: string, certificate: DrillCertificate): Promise<{ text: string; pdf: string | null; pdfProblem?: string }> {
  const lines = formatCertificate(certificate);
  const text = join(dir, `${CERTIFICATE_BASE}-${certificate.kitId}.txt`);
  const pdf = join(dir, `${CERTIFICATE_BASE}-${certificate.kitId}.pdf`);
  await writeFileAtomic(text, `${lines.join('\n')}\n`);
  const { renderCertificatePdf } = await import('../render/drill-certificate.js');
  try {
    await renderCertificatePdf(certificate, lines).save(pdf);
  } catch (error) {
    // a character the PDF font lacks (in the stuck text) costs the PDF, not the drill: the text holds the same
    if (error instanceof UserError) return { text, pdf: null, pdfProblem: error.message };
    throw error;
  }
  return { text, pdf };
}

/** What the drill found in the repository (once it could be read). */
interface Reached {
  snapshotId: string;
  snapshotTime: string;
  /** the chosen files that came back whole, and their bytes */
  files: number;
  bytes: number;
  resticVerify: 'passed' | 'failed';
  resticCheck: 'passed' | 'failed';
  canaryPath: string | null;
  canaryFound: string | null;
}

/** Where the sample goes: a named folder (checked before anyone types) or a scratch folder under $TMPDIR. */
interface RestorePlace {
  /** --restore-to, resolved; null: a scratch folder */
  named: string | null;
  /** what the named folder held before the drill (null: it does not exist yet) */
  entries: string[] | null;
  keep: boolean;
}

/**
 * The folder the restore writes into, made and registered for removal on every exit (SIGINT and SIGTERM too,
 * src/adapters/cleanup.ts): a scratch folder is named for this process, so what a killed run leaves the next
 * drkit run removes; a named folder made here goes whole; in a named folder that was there, only the top folders
 * the restore creates (restic recreates full paths: /home/ann/x lands in DIR/home/ann/x) go, never what was there.
 */
async function prepareTarget(place: RestorePlace, tops: readonly string[]): Promise<{ target: string; remove: () => Promise<string[]>; kept: string[] }> {
  if (place.named === null) {
    const scratch = join(tmpdir(), ownedTempName(TEMP_PREFIX.liveDrill));
    await mkdir(scratch, { mode: 0o700 });
    const release = registerCleanupPath(scratch);
    return { target: scratch, kept: [], remove: async () => { await rm(scratch, { recursive: true, force: true, maxRetries: 5 }); release(); return [scratch]; } };
  }
  const target = place.named;
  const paths = place.entries === null ? [target] : tops.filter((top) => !(place.entries ?? []).includes(top)).map((top) => join(target, top));
  const kept = place.entries === null ? [] : tops.filter((top) => (place.entries ?? []).includes(top)).map((top) => join(target, top));
  const releases = place.keep ? [] : paths.map((path) => registerCleanupPath(path));
  if (place.entries === null) await mkdir(target, { recursive: true, mode: 0o700 });
  return {
    target, kept,
    remove: async () => {
      if (place.keep) return [];
      for (const path of paths) await rm(path, { recursive: true, force: true, maxRetries: 5 });
      for (const release of releases) release();
      return paths;
    },
  };
}

/** The first folder of each absolute path: what a restore creates at the top of its target. */
function topNames(paths: readonly string[]): string[] {
  return [...new Set(paths.map((path) => path.split('/').find((part) => part !== '') ?? '').filter((name) => name !== ''))];
}

/**
 * The snapshot chosen as recover chooses it (a list and a question on a terminal, else --snapshot or the
 * newest), a sample of its files restored with --verify and progress into the target, restic check.
 */
async function restoreAndCheck(restic: Restic, sampleSize: number | 'all', choice: SnapshotChoiceOptions, place: RestorePlace, findings: { code: string; message: string }[], phase: (name: CertificatePhase['name']) => void, io: CommandIO): Promise<Reached> {
  const chosenSnapshot = await chooseSnapshot(restic, choice, io, { measure: false, listed: true });
  const latest = chosenSnapshot.listed;
  if (latest === undefined) throw new InternalError('the snapshot chooser returned no listed snapshot');
  const pool = reservoir<{ path: string; size: number }>(sampleSize === 'all' ? Number.MAX_SAFE_INTEGER : sampleSize, (bound) => randomInt(bound));
  const listed: { canary: { path: string; size: number } | null } = { canary: null };
  io.note(`listing snapshot ${latest.shortId} of ${latest.time}…`);
  await restic.listFiles(latest.id, (file) => {
    if (basename(file.path) === CANARY_NAME) listed.canary = file;
    else pool.offer(file);
  });
  const chosen = pool.items();
  const canaryPath = listed.canary?.path ?? null;
  const needed = chosen.reduce((sum, file) => sum + file.size, 0) + (listed.canary?.size ?? 0);
  phase('list');

  // the room is checked before anything is written: a full restore must not fill $TMPDIR (or the live USB's memory)
  const where = place.named ?? tmpdir();
  checkFreeSpace({ target: where, needed, available: await freeBytes(where), partial: false, ...(sampleSize === 'all' ? {} : { what: 'the sample' }) }, formatBytes);
  const prepared = await prepareTarget(place, topNames([...latest.paths, ...(canaryPath === null ? [] : [canaryPath])]));
  const target = prepared.target;
  let resticVerify: Reached['resticVerify'] = 'passed';
  let canaryFound: string | null = null;
  const absent: string[] = [];
  try {
    const include = sampleSize === 'all' ? [] : [...chosen.map((file) => file.path), ...(canaryPath === null ? [] : [canaryPath])].map(includePattern);
    const into = place.named === null ? 'a scratch folder (removed at the end)' : place.keep ? `${target} (kept at the end)` : `${target} (removed at the end)`;
    io.note(`restoring ${sampleSize === 'all' ? 'every file' : plural(chosen.length, 'random file')} (${formatBytes(needed)}) of snapshot ${latest.shortId} into ${into}; restic checks every file it writes`);
    // with --force, what the folder held is not counted as restored (restic 0.14 is measured from outside)
    const bytesBefore = place.entries !== null && place.entries.length > 0 && !restic.features.restoreJson ? await folderBytes(target) : 0;
    try {
      const { result } = await restoreWithProgress(restic, { args: { snapshot: latest.id, target, verify: true, ...(include.length > 0 ? { include } : {}) }, total: needed, bytesBefore, label: 'restoring' }, io);
      if (result.errors.length > 0) {
        resticVerify = 'failed';
        findings.push({ code: 'E_RESTORE_ERRORS', message: `${result.errors.length} files failed to restore: ${result.errors.slice(0, 3).map((e) => e.item ?? e.message).join(', ')}` });
      }
    } catch (error) {
      if (!(error instanceof DrkitError)) throw error;
      resticVerify = 'failed';
      findings.push({ code: error.code, message: error.message });
    }
    // restic verified what it wrote; that every chosen file was written, at its listed size, is checked here
    for (const file of chosen) {
      const size = await lstat(join(target, file.path)).then((stats) => (stats.isFile() ? stats.size : null), () => null);
      if (size !== file.size) absent.push(file.path);
    }
    if (absent.length > 0) findings.push({ code: 'E_NOT_RESTORED', message: `${absent.length} of the ${chosen.length} files did not come back whole: ${absent.slice(0, 3).join(', ')}` });
    if (canaryPath !== null) canaryFound = await readFile(join(target, canaryPath), 'utf8').catch(() => null);
  } finally {
    const removed = await prepared.remove();
    if (place.named !== null && !io.jsonMode) {
      if (place.keep) io.note(`the restored files are kept in ${target}`);
      else if (removed.length > 0) io.note(`removed the restored files (${removed.join(', ')})`);
      for (const path of prepared.kept) io.note(`note: ${path} was there before the drill: the files restored into it are left there`);
    }
  }
  phase('restore');
  io.note('running restic check…');
  // A check that could not run (a locked or unreachable repository, a wrong password) is its own finding, not damage:
  // "damaged" sends the owner to repair a repository that may be fine.
  const check = await restic.check().catch((error: unknown) => {
    if (!(error instanceof DrkitError)) throw error;
    return { ok: false, problems: [error.message], code: error.code };
  });
  if (!check.ok) {
    const code = 'code' in check ? check.code : 'E_RESTIC_DAMAGED';
    findings.push({ code, message: `restic check: ${check.problems.slice(0, 3).join('; ')}` });
  }
  phase('check');
  const whole = chosen.filter((file) => !absent.includes(file.path));
  return {
    snapshotId: latest.id, snapshotTime: latest.time, files: whole.length, bytes: whole.reduce((sum, file) => sum + file.size, 0),
    resticVerify, resticCheck: check.ok ? 'passed' : 'failed', canaryPath, canaryFound,
  };
}

export async function runLive(options: DrillLiveOptions, io: CommandIO): Promise<number> {
  const startedAt = new Date();
  if ((options.from === undefined) !== (options.envelope === undefined)) {
    throw new UserError('E_USAGE', options.from === undefined ? '--envelope needs the shares too: give --from FILE for each' : '--from needs --envelope FILE (any sheet, or envelope.txt)',
      { hints: ['or give neither, and type the shares and the envelope line by line'] });
  }
  if (options.stdin && options.from !== undefined) throw new UserError('E_USAGE', '--stdin reads the QR codes from stdin: leave out --from and --envelope');
  if (typeof options.sample === 'number' && options.sample < 1) throw new UserError('E_USAGE', '--sample must be at least 1, or all', { hints: ['--sample 300 restores and checks 300 random files; --sample all restores everything'] });
  if (options.snapshot !== undefined) checkSnapshotFlag(options.snapshot);
  checkPathFilters(options.path ?? []);
  if (options.keep === true && options.restoreTo === undefined) {
    throw new UserError('E_USAGE', '--keep keeps the restored files: name the folder for them with --restore-to DIR', { hints: ['drkit drill --live --sample all --restore-to /media/ann/DISK/drill --keep'] });
  }
  const outDir = resolve(options.out ?? '.');
  // where the certificate and the restore go is checked before anyone types a share
  await assertWritableFolder(outDir, '--out');
  const place: RestorePlace = { named: options.restoreTo === undefined ? null : resolve(options.restoreTo), entries: null, keep: options.keep === true };
  if (place.named !== null) {
    await assertWritableFolder(place.named, '--restore-to');
    place.entries = await folderEntries(place.named, '--restore-to');
    if (place.entries !== null && place.entries.length > 0 && options.force !== true) throw nonEmptyTargetError(place.named, place.entries);
  }
  const phases: CertificatePhase[] = [];
  let phaseStart = Date.now();
  const phase = (name: CertificatePhase['name']) => { const now = Date.now(); phases.push({ name, ms: now - phaseStart }); phaseStart = now; };

  const input = options.stdin ? await readQrLines(io) : options.from !== undefined && options.envelope !== undefined ? await readFiles(options.from, options.envelope) : await typeKit(io);
  const combined = await combineKit(input.shares, input.envelope);
  const bundle = parseBundleText(await openEnvelope(combined.openpgp, combined.passphrase));
  for (const warning of combined.warnings) io.note(`warning: ${warning}`);
  const parsed = input.shares.map((share) => parseShareText(share.name, share.text));
  const shares = [...combined.sharesUsed].sort((a, b) => a - b).map((number) => ({ number, fingerprint: parsed.find((share) => share.number === number)?.fingerprint ?? '' }));
  io.note(`kit ${combined.kitIdDisplay} opened with shares ${combined.sharesUsed.join(', ')}`);
  phase('open-kit');

  const sampleSize = options.sample ?? DEFAULT_LIVE_SAMPLE;
  const findings: { code: string; message: string }[] = [];
  let reached: Reached | null = null;
  let resticVersion = 'unknown';
  try {
    const { openResticRepository } = await import('../adapters/restic/index.js');
    const restic = await openResticRepository({ repository: bundle.repository, password: { value: bundle.resticPassword }, env: bundle.env });
    resticVersion = `${restic.version.major}.${restic.version.minor}.${restic.version.patch}`;
    const choice: SnapshotChoiceOptions = { ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }), ...(options.host === undefined ? {} : { host: options.host }), ...(options.path === undefined ? {} : { path: options.path }) };
    reached = await restoreAndCheck(restic, sampleSize, choice, place, findings, phase, io);
  } catch (error) {
    // a snapshot flag that names nothing, or the question's input that ended, is the person's to correct: refused, no certificate
    const filtered = options.host !== undefined || options.path !== undefined;
    if (error instanceof UserError && (CHOICE_ERRORS.has(error.code) || (error.code === 'E_RESTORE_EMPTY' && filtered))) throw error;
    // no room for the restore is this computer's problem, not the backup's: refused, no certificate
    if (error instanceof UserError && error.code === 'E_NO_SPACE') {
      throw new UserError('E_NO_SPACE', error.message, {
        hints: ['restore onto an external disk: --restore-to a folder under /media/ (a live USB keeps files in memory)', 'or restore a smaller sample: --sample 300'], ...(error.details === undefined ? {} : { details: error.details }),
      });
    }
    // the kit opened but the repository could not be reached or read: that is the drill's finding, on the certificate
    if (!(error instanceof UserError || error instanceof ToolError)) throw error;
    findings.push({ code: error.code, message: error.message });
  }
  const canary = reached === null ? 'none' : judgeCanary(reached.canaryFound, canaryText(combined.kitIdDisplay, bundle.createdOn), reached.canaryPath !== null);
  if (canary === 'other-kit') findings.push({ code: 'E_CANARY_OTHER_KIT', message: `the backup's canary names another kit: ${(reached?.canaryFound ?? '').trim()}; the owner made a newer kit, or this kit is not the backup's` });
  if (canary === 'missing') findings.push({ code: 'E_CANARY_MISSING', message: `the snapshot lists ${reached?.canaryPath ?? ''} but it did not come back` });
  const stuck = await askStuck(io);
  const certificate: DrillCertificate = {
    kitId: combined.kitIdDisplay, kitCreatedOn: bundle.createdOn, shares, repository: redactRepository(bundle.repository),
    snapshotId: reached?.snapshotId ?? 'none', snapshotTime: reached?.snapshotTime ?? 'none', sample: sampleSize === 'all' ? 'all' : sampleSize,
    filesChecked: reached?.files ?? 0, bytesChecked: reached?.bytes ?? 0,
    resticVerify: reached?.resticVerify ?? 'not-run', resticCheck: reached?.resticCheck ?? 'not-run', canary,
    verdict: findings.length === 0 ? 'passed' : 'failed',
    // the certificate is one page: the first findings, each cut to a few lines
    findings: findings.slice(0, MAX_FINDINGS).map((finding) => ({ code: finding.code, message: cut(finding.message, MAX_FINDING_CHARS) })),
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), resticVersion, phases, stuck: cut(stuck, MAX_STUCK_CHARS),
  };
  const written = await writeCertificate(outDir, certificate);
  if (io.jsonMode) io.json({ message_type: 'drill_live', ...certificate, certificate: written });
  else {
    for (const line of renderCertificateText(certificate)) io.out(line);
    if (written.pdfProblem !== undefined) io.note(`warning: no PDF certificate: ${written.pdfProblem}`);
    io.out(`certificate: ${written.pdf === null ? written.text : `${written.text} and ${written.pdf}`}; give one to the owner for drkit drill --record`);
  }
  return certificate.verdict === 'passed' ? ExitCode.ok : ExitCode.checkFailed;
}

export interface DrillRecordOptions {
  record: string;
  config?: string;
  json: boolean;
}

/** `drkit drill --record CERT`: the certificate, checked against this setup's kit, becomes a drill record. */
export async function runRecord(options: DrillRecordOptions, io: CommandIO): Promise<number> {
  const file = options.record;
  const { assertReadableFile, readUserFile } = await import('../adapters/files.js');
  await assertReadableFile(file, '--record');
  // the printed-file classifier says what the file is (its first bytes), as for kit verify and recover
  const { fileKind } = await import('../adapters/printed-file.js');
  const text = (await fileKind(file)) === 'pdf' ? await (await import('../adapters/pdf-readback.js')).pdfTextLayer(file, 'raw') : await readUserFile(file, '--record');
  const certificate = parseCertificate(basename(file), text);
  const configPath = resolve(options.config ?? defaultConfigPath());
  const state = stateDir(configPath);
  const current = readState(state);
  const kit = current.kit;
  if (kit === undefined) {
    throw new UserError('E_CERTIFICATE_KIT', `${basename(file)} is a drill of kit ${certificate.kitId}, but this setup has no kit on record`, {
      hints: ['make the kit with drkit kit create --config, or give --config of the setup the kit belongs to'],
    });
  }
  if (kit.kitId !== certificate.kitId) {
    throw new UserError('E_CERTIFICATE_KIT', `${basename(file)} is a drill of kit ${certificate.kitId}, but the current kit is ${kit.kitId}`, {
      hints: [`a drill of kit ${certificate.kitId} (superseded, or another setup's) says nothing about the sheets of kit ${kit.kitId}`, `ask a holder of kit ${kit.kitId}'s sheets to run drkit drill --live`],
    });
  }
  // the same certificate twice is one drill
  if (current.drills.some((drill) => drill.via === 'live' && drill.kitId === certificate.kitId && drill.finishedAt === certificate.finishedAt)) {
    if (io.jsonMode) io.json({ message_type: 'drill_recorded', via: 'live', kitId: certificate.kitId, outcome: certificate.verdict, finishedAt: certificate.finishedAt, stuck: certificate.stuck, already: true });
    else io.out(`the live drill of kit ${certificate.kitId} of ${certificate.finishedAt} is recorded already`);
    return ExitCode.ok;
  }
  await recordDrill(state, [{
    job: 'offsite', via: 'live', kitId: certificate.kitId, outcome: certificate.verdict, startedAt: certificate.startedAt, finishedAt: certificate.finishedAt,
    sheets: certificate.shares.map((share) => share.number), filesChecked: certificate.filesChecked, bytesChecked: certificate.bytesChecked,
    findings: [...certificate.findings, ...(certificate.stuck === '' ? [] : [{ code: 'STUCK', message: certificate.stuck }])],
  }]);
  if (io.jsonMode) io.json({ message_type: 'drill_recorded', via: 'live', kitId: certificate.kitId, outcome: certificate.verdict, finishedAt: certificate.finishedAt, stuck: certificate.stuck, already: false });
  else {
    io.out(`recorded the live drill of kit ${certificate.kitId} (${certificate.verdict}, ${certificate.finishedAt}, shares ${certificate.shares.map((share) => share.number).join(', ')})`);
    if (certificate.stuck !== '') io.out(`where they got stuck: ${certificate.stuck}`);
  }
  return ExitCode.ok;
}

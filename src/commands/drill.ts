/**
 * `drkit drill [--config PATH] [--kit DIR] [--sheets 1,3,4] [--via guide|tool|both] [--sample N] [--onsite] [--json]`:
 * a clean-room restore from k sheets and the guide (src/jobs/drill.ts), reported as text or JSON and recorded in
 * the status file, one record per via. Exit 0 when the drill passed, 1 when it found anything (docs/drills.md).
 */
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { recordDrill } from '../adapters/state.js';
import { keptKitCopy } from '../adapters/kit-store.js';
import { loadConfigCached } from '../config/cache.js';
import { defaultConfigPath, stateDir, stateHome } from '../adapters/paths.js';
import { parseSheetList } from '../core/drill-verdict.js';
import type { DrillRecord } from '../core/status.js';
import { ExitCode, UserError } from '../errors.js';
import { runDrill, type DrillReport } from '../jobs/drill.js';
import { formatBytes } from '../ui/format.js';
import type { CommandIO } from '../ui/io.js';
import type { DrillLiveOptions } from './drill-live.js';

/** `drkit drill`'s options: the simulated drill's, and the live drill's (./drill-live.ts) with --live and --record. */
export interface DrillOptions extends Omit<DrillLiveOptions, 'sample'> {
  config?: string;
  kit?: string;
  sheets?: string;
  via: 'guide' | 'tool' | 'both';
  sample?: number | 'all';
  onsite: boolean;
  live: boolean;
  record?: string;
}

function records(report: DrillReport): DrillRecord[] {
  return report.vias.map((via) => ({
    job: via.via === 'onsite' ? 'onsite' : 'offsite',
    via: via.via,
    outcome: report.verdict === 'passed' && via.verdict === 'passed' ? 'passed' : 'failed',
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    isolation: report.isolation,
    sheets: report.sheetsUsed.map((sheet) => sheet.share),
    filesChecked: via.filesChecked,
    bytesChecked: via.bytesChecked,
    mismatches: via.mismatchCount,
    changedSinceSnapshot: via.changedSinceSnapshot,
    findings: report.findings.filter((finding) => finding.via === undefined || finding.via === via.via).map((finding) => ({ code: finding.code, message: finding.message })),
  }));
}

/** A drill that could not reach a restore at all still gets a record for each path asked for: a failed drill is news. */
function failedRecords(report: DrillReport, vias: readonly ('guide' | 'tool')[]): DrillRecord[] {
  return vias.map((via) => ({
    job: 'offsite', via, outcome: 'failed', startedAt: report.startedAt, finishedAt: report.finishedAt, isolation: report.isolation,
    sheets: report.sheetsUsed.map((sheet) => sheet.share), findings: report.findings.map((finding) => ({ code: finding.code, message: finding.message })),
  }));
}

async function runLiveOrRecord(options: DrillOptions, io: CommandIO): Promise<number> {
  const live = await import('./drill-live.js');
  if (options.record !== undefined) {
    if (options.live) throw new UserError('E_USAGE', '--record enters a certificate a live drill wrote: give it without --live', { hints: ['drkit drill --record drill-certificate-XXXX-XXXX.pdf'] });
    return live.runRecord({ record: options.record, ...(options.config === undefined ? {} : { config: options.config }), json: options.json }, io);
  }
  const misplaced = [options.config === undefined ? '' : '--config', options.kit === undefined ? '' : '--kit', options.sheets === undefined ? '' : '--sheets', options.onsite ? '--onsite' : ''].filter(Boolean);
  if (misplaced.length > 0) throw new UserError('E_USAGE', `the live drill needs no setup: ${misplaced.join(', ')} would not be used`, { hints: ['drkit drill --live --from sheet-1.pdf --from sheet-3.pdf --envelope sheet-1.pdf'] });
  return live.runLive({
    ...(options.from === undefined ? {} : { from: options.from }), ...(options.envelope === undefined ? {} : { envelope: options.envelope }), stdin: options.stdin,
    ...(options.sample === undefined ? {} : { sample: options.sample }), ...(options.out === undefined ? {} : { out: options.out }), json: options.json,
    ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }), ...(options.host === undefined ? {} : { host: options.host }), ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.restoreTo === undefined ? {} : { restoreTo: options.restoreTo }), force: options.force === true, keep: options.keep === true,
  }, io);
}

export function renderDrill(report: DrillReport): string[] {
  const lines = [`drill ${report.verdict === 'passed' ? 'PASSED' : 'FAILED'}${report.kitId === null ? '' : ` — kit ${report.kitId}`}, ${Math.round(report.durationMs / 100) / 10} s`];
  lines.push(report.isolation === 'bwrap' ? 'isolation: bwrap (clean room)' : `isolation: NONE — ${report.isolationReason ?? ''}: the room was not sealed`);
  lines.push(`sheets used: ${report.sheetsUsed.length === 0 ? 'none' : report.sheetsUsed.map((sheet) => `${sheet.file} (share ${sheet.share}, fingerprint ${sheet.fingerprint})`).join(', ')}`);
  if (report.snapshot !== null) lines.push(`snapshot: ${report.snapshot.id.slice(0, 8)} of ${report.snapshot.time}${report.sample === null ? '' : `, sample of ${report.sample} files`}`);
  lines.push(`restic check: ${report.check}; canary: ${report.canary === 'checked' ? 'checked' : report.canary === 'not-checked' ? 'not checked (a sample holds only the sampled files)' : 'none recorded (kit create --config adds one)'}`);
  for (const via of report.vias) {
    lines.push(`via ${via.via}: ${via.verdict}: ${via.filesChecked} files, ${formatBytes(via.bytesChecked)} checked, ${via.mismatchCount} mismatches, ${via.changedSinceSnapshot} changed since the snapshot${via.resticVerify ? ', restic --verify' : ''} (${Math.round(via.durationMs / 100) / 10} s)`);
    for (const change of via.changed ?? []) lines.push(`  note: ${change}`);
  }
  for (const finding of report.findings) lines.push(`${finding.code}: ${finding.message}`);
  lines.push(`versions: ${[report.versions.restic, report.versions.gpg, report.versions.python, report.versions.bwrap].filter((v) => v !== null).join('; ')}`);
  return lines;
}

export async function run(options: DrillOptions, io: CommandIO): Promise<number> {
  if (options.live || options.record !== undefined) return runLiveOrRecord(options, io);
  const liveOnly = [options.from === undefined ? '' : '--from', options.envelope === undefined ? '' : '--envelope', options.stdin ? '--stdin' : '', options.out === undefined ? '' : '--out',
    options.snapshot === undefined ? '' : '--snapshot', options.host === undefined ? '' : '--host', options.path === undefined ? '' : '--path',
    options.restoreTo === undefined ? '' : '--restore-to', options.force === true ? '--force' : '', options.keep === true ? '--keep' : ''].filter(Boolean);
  if (liveOnly.length > 0) throw new UserError('E_USAGE', `${liveOnly.join(', ')} ${liveOnly.length === 1 ? 'belongs' : 'belong'} to the live drill`, { hints: ['add --live: drkit drill --live --from sheet-1.pdf --from sheet-3.pdf --envelope sheet-1.pdf'] });
  if (options.sample === 'all') return run({ ...options, sample: undefined }, io);
  const configPath = resolve(options.config ?? defaultConfigPath());
  // the validated config from its cache, as backup and status read it (src/config/cache.ts): YAML and the schema
  // load only when the config's text changed
  const config = await loadConfigCached(configPath, stateHome());
  // a full drill includes the onsite copy when one is configured; --onsite drills it alone
  const offsite = !options.onsite;
  const onsite = options.onsite || (config.onsite !== undefined && options.via === 'both' && options.sample === undefined);
  const state = stateDir(configPath);
  // drill.schedule monthly without drill.kit: the kit copy kit create --config keeps (src/adapters/kit-store.ts)
  const kitDir = options.kit ?? config.drill?.kit ?? (config.drill?.schedule === 'monthly' ? keptKitCopy(state) ?? undefined : undefined);
  if (offsite && kitDir === undefined) {
    throw new UserError('E_USAGE', 'drill needs --kit DIR: the folder with the kit\'s sheet PDFs and guide.pdf', { hints: ['drkit drill --kit ~/kit (the folder kit create wrote), or set drill.kit in the config'] });
  }
  if (options.sample !== undefined && options.sample < 1) throw new UserError('E_USAGE', '--sample must be at least 1', { hints: ['--sample 100 restores and checks 100 random files'] });
  const sheets = options.sheets === undefined ? undefined : parseSheetList(options.sheets, 15);
  const report = await runDrill({
    config, kitDir: kitDir ?? '', offsite, ...(sheets === undefined ? {} : { sheets }), via: options.via, ...(options.sample === undefined ? {} : { sample: options.sample }),
    onsite, stateDir: state, random: (bound) => randomInt(bound), note: (line) => io.note(line),
  });
  const made = records(report);
  await recordDrill(state, made.length === 0 ? failedRecords(report, options.via === 'both' ? ['guide', 'tool'] : [options.via]) : made);
  if (io.jsonMode) io.json({ message_type: 'drill', ...report });
  else for (const line of renderDrill(report)) io.out(line);
  return report.verdict === 'passed' ? ExitCode.ok : ExitCode.checkFailed;
}

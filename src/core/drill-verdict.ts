/**
 * The drill's verdicts and the pure pieces of a drill (issue 7 §2, docs/drills.md). Pure: what the adapters saw
 * comes in as plain data, findings come out; randomness comes in as a function.
 *
 * Rules:
 * - a drill passes only when it ran at least one restore, checked at least one file and found nothing wrong. Every
 *   problem is a finding with its own code and message; there is no "passed with problems";
 * - a finding names what failed precisely: the guide's step and command, the sheet and its fingerprint, the paths
 *   that differ (the first MAX_NAMED of them, and how many in all);
 * - files changed at the source since the snapshot (modified, status-changed or removed after the snapshot's time)
 *   are counted apart: they cannot be compared, and they are not a failure.
 */
import { UserError } from '../errors.js';

export type DrillVia = 'guide' | 'tool' | 'onsite';

export type DrillFindingCode =
  | 'E_DRILL_PACK_MISSING'
  | 'E_DRILL_REPO_DAMAGED'
  | 'E_DRILL_WRONG_PASSWORD'
  | 'E_DRILL_UNREACHABLE'
  | 'E_DRILL_REPO_DELETED'
  | 'E_DRILL_NO_SNAPSHOT'
  | 'E_DRILL_SHEET_ALTERED'
  | 'E_DRILL_TOO_FEW_SHEETS'
  | 'E_DRILL_GUIDE_COMMAND'
  | 'E_DRILL_TOOL_FAILED'
  | 'E_DRILL_DATA_DIFFERS'
  | 'E_DRILL_NOT_RESTORED'
  | 'E_DRILL_NOTHING_CHECKED'
  | 'E_DRILL_CANARY_MISSING'
  | 'E_DRILL_CANARY_WRONG'
  | 'E_DRILL_ONSITE';

export interface DrillFinding {
  code: DrillFindingCode;
  message: string;
  /** the path that met it; absent for findings about the repository or the sheets */
  via?: DrillVia;
  /** non-secret details for --json (paths, step, fingerprints) */
  details?: Record<string, unknown>;
}

/** How many paths, sheets or lines a message names one by one. */
export const MAX_NAMED = 10;

function named(items: readonly string[]): string {
  const shown = items.slice(0, MAX_NAMED).join(', ');
  return items.length > MAX_NAMED ? `${shown} and ${items.length - MAX_NAMED} more` : shown;
}

/**
 * The finding for a restic failure, from the code the restic adapter's classification gave it
 * (src/adapters/restic/errors.ts): wrong password, unreachable, missing repository, missing pack.
 */
export function resticFinding(code: string, message: string, where: { via?: DrillVia; repository: string; kitPassword: boolean }): DrillFinding {
  const via = where.via === undefined ? {} : { via: where.via };
  switch (code) {
    case 'E_RESTIC_WRONG_PASSWORD':
      return { code: 'E_DRILL_WRONG_PASSWORD', ...via, message: where.kitPassword
        ? `the kit's restic password does not open the repository ${where.repository}: the kit was sealed with a wrong password, or the repository's keys changed since`
        : `the config's restic password does not open the repository ${where.repository}` };
    case 'E_RESTIC_UNREACHABLE':
      return { code: 'E_DRILL_UNREACHABLE', ...via, message: `the repository ${where.repository} cannot be reached: ${message}` };
    case 'E_RESTIC_REPO_MISSING':
      return { code: 'E_DRILL_REPO_DELETED', ...via, message: `there is no restic repository at ${where.repository} (deleted, or the kit names the wrong one)` };
    case 'E_RESTIC_NO_SNAPSHOT':
      return { code: 'E_DRILL_NO_SNAPSHOT', ...via, message: `the repository ${where.repository} holds no snapshot to restore` };
    default:
      if (PACK_MISSING.test(message)) return { code: 'E_DRILL_PACK_MISSING', ...via, message: `a pack file of the repository ${where.repository} is missing: ${message}` };
      return { code: where.via === 'guide' ? 'E_DRILL_GUIDE_COMMAND' : 'E_DRILL_TOOL_FAILED', ...via, message };
  }
}

/** What restic (0.14 … 0.18) prints about a pack file that is gone: check's "pack … does not exist", restore's 404. */
export const PACK_MISSING = /pack [0-9a-f]+[^\n]*(does not exist|not found|missing)|data\/[0-9a-f]{2}\/[0-9a-f]+[^\n]*(no such file|not found|404)|status code 404|404 not found|missing pack/i;

/** The findings of `restic check`: a missing pack has its own code, anything else is damage. */
export function checkFindings(problems: readonly string[], repository: string): DrillFinding[] {
  if (problems.length === 0) return [];
  const missing = problems.filter((problem) => PACK_MISSING.test(problem));
  if (missing.length > 0) {
    return [{ code: 'E_DRILL_PACK_MISSING', message: `restic check: the repository ${repository} is missing pack files: ${named(missing)}`, details: { problems: missing.slice(0, 100) } }];
  }
  return [{ code: 'E_DRILL_REPO_DAMAGED', message: `restic check found damage in ${repository}: ${named([...problems])}`, details: { problems: problems.slice(0, 100) } }];
}

/** What one sheet gave back, as the drill read it (text layer and QR code). */
export interface SheetReading {
  file: string;
  /** the share number, null when no share could be read */
  number: number | null;
  /** the fingerprint of the share's bytes as read from the text layer */
  fingerprint: string | null;
  /** the fingerprint of the share's QR code, when one was found */
  qrFingerprint: string | null;
  /** the fingerprint list printed on the sheet, by share number; null when absent */
  listed: ReadonlyMap<number, string> | null;
  /** the share's fingerprint is not the one its own sheet lists for it */
  ownListDisagrees?: boolean;
  /** why the sheet could not be read, when it could not */
  unreadable?: string;
}

/**
 * Names the sheets whose share was altered. A sheet is altered when its share's fingerprint is not the one the
 * sheets' printed lists give for its number (its own list or another sheet's; the majority of lists wins), or when
 * its text and its QR code hold different shares.
 */
export function alteredSheets(sheets: readonly SheetReading[]): DrillFinding[] {
  const readable = sheets.filter((sheet) => sheet.number !== null && sheet.fingerprint !== null);
  const findings: DrillFinding[] = [];
  for (const sheet of readable) {
    const number = sheet.number as number;
    const votes = new Map<string, number>();
    for (const lister of readable) {
      const listed = lister.listed?.get(number);
      if (listed !== undefined) votes.set(listed, (votes.get(listed) ?? 0) + 1);
    }
    const expected = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const textAltered = sheet.ownListDisagrees === true || (expected !== undefined && expected !== sheet.fingerprint);
    const qrAltered = sheet.qrFingerprint !== null && sheet.qrFingerprint !== sheet.fingerprint;
    if (!textAltered && !qrAltered) continue;
    const why = textAltered
      ? `its share ${number} has fingerprint ${sheet.fingerprint ?? '?'}, but ${expected === undefined || expected === sheet.fingerprint ? 'its own fingerprint list gives another' : `the kit's fingerprint lists give ${expected}`}`
      : `its printed share ${number} (fingerprint ${sheet.fingerprint ?? '?'}) differs from its QR code (fingerprint ${sheet.qrFingerprint ?? '?'})`;
    findings.push({
      code: 'E_DRILL_SHEET_ALTERED',
      message: `${sheet.file}: the share was altered: ${why}`,
      details: { file: sheet.file, share: number, fingerprint: sheet.fingerprint, expected: expected ?? null, qrFingerprint: sheet.qrFingerprint },
    });
  }
  return findings;
}

/** The finding when fewer than k sheets could be read, naming the unreadable ones. */
export function tooFewSheets(readable: number, needed: number, unreadable: readonly SheetReading[]): DrillFinding | null {
  if (readable >= needed) return null;
  const why = unreadable.map((sheet) => `${sheet.file} (${sheet.unreadable ?? 'unreadable'})`);
  return {
    code: 'E_DRILL_TOO_FEW_SHEETS',
    message: `only ${readable} readable sheet${readable === 1 ? '' : 's'}, the kit needs ${needed}${why.length > 0 ? `: ${named(why)}` : ''}`,
    details: { readable, needed, unreadable: unreadable.map((sheet) => sheet.file) },
  };
}

/** `--sheets 1,3,4` as share numbers: whole numbers 1…n, no repeats. Throws a UserError naming the rule. */
export function parseSheetList(text: string, count: number): number[] {
  const parts = text.split(',').map((part) => part.trim());
  const numbers: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part) || Number(part) < 1 || Number(part) > count) {
      throw new UserError('E_USAGE', `--sheets: "${part}" is not a sheet number of this kit (1 to ${count})`, { hints: ['give the share numbers printed on the sheets, e.g. --sheets 1,3,4'] });
    }
    if (numbers.includes(Number(part))) throw new UserError('E_USAGE', `--sheets: sheet ${part} is named twice`, { hints: ['each sheet counts once'] });
    numbers.push(Number(part));
  }
  return numbers;
}

/** A uniform random whole number in [0, bound), from the random source. */
export type RandomBelow = (bound: number) => number;

/** The sheet numbers in a uniformly random order (Fisher–Yates): the drill reads them in turn until k are readable. */
export function shuffled<T>(items: readonly T[], below: RandomBelow): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = below(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Reservoir sampling (Vitter's algorithm R): `size` items chosen uniformly from a stream of unknown length, in
 * memory for `size` items only, so `--sample N` costs the same for 10,000 files as for 10 million.
 */
export function reservoir<T>(size: number, below: RandomBelow): { offer(item: T): void; items(): T[]; seen(): number } {
  const kept: T[] = [];
  let seen = 0;
  return {
    offer(item: T) {
      seen++;
      if (kept.length < size) { kept.push(item); return; }
      const slot = below(seen);
      if (slot < size) kept[slot] = item;
    },
    items: () => [...kept],
    seen: () => seen,
  };
}

/** A source file as stat gives it. */
export interface SourceStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * True when the source file changed after the snapshot was taken (its content or its inode changed later), so the
 * restored copy cannot be compared with it. A file that no longer exists is passed as null and counts as changed.
 */
export function changedSinceSnapshot(source: SourceStat | null, snapshotTimeMs: number): boolean {
  return source === null || source.mtimeMs > snapshotTimeMs || source.ctimeMs > snapshotTimeMs;
}

/** What comparing one restored tree with the source gave. */
export interface TreeComparison {
  filesChecked: number;
  bytesChecked: number;
  /** restored files whose content differs from the unchanged source file (first 100) */
  mismatches: string[];
  mismatchCount: number;
  /** files changed at the source since the snapshot: not compared */
  changedSinceSnapshot: number;
  /** sampled files that the restore did not write (first 100) */
  notRestored: string[];
  notRestoredCount: number;
}

export function comparisonFindings(comparison: TreeComparison, via: DrillVia): DrillFinding[] {
  const findings: DrillFinding[] = [];
  if (comparison.mismatchCount > 0) {
    findings.push({
      code: 'E_DRILL_DATA_DIFFERS', via,
      message: `${comparison.mismatchCount} restored file${comparison.mismatchCount === 1 ? '' : 's'} differ${comparison.mismatchCount === 1 ? 's' : ''} from the source: ${named(comparison.mismatches)}`,
      details: { paths: comparison.mismatches, count: comparison.mismatchCount },
    });
  }
  if (comparison.notRestoredCount > 0) {
    findings.push({
      code: 'E_DRILL_NOT_RESTORED', via,
      message: `${comparison.notRestoredCount} file${comparison.notRestoredCount === 1 ? '' : 's'} of the snapshot ${comparison.notRestoredCount === 1 ? 'was' : 'were'} not restored: ${named(comparison.notRestored)}`,
      details: { paths: comparison.notRestored, count: comparison.notRestoredCount },
    });
  }
  if (comparison.filesChecked === 0 && comparison.mismatchCount === 0 && comparison.notRestoredCount === 0) {
    findings.push({
      code: 'E_DRILL_NOTHING_CHECKED', via,
      message: comparison.changedSinceSnapshot > 0
        ? `no restored file could be compared: all ${comparison.changedSinceSnapshot} changed at the source since the snapshot`
        : 'the restore wrote no file to compare',
    });
  }
  return findings;
}

/**
 * The canary check (issue 7 §1): drkit's canary file must come back from the backup with the content it was given.
 * `expected` null means no canary is recorded yet (made by `kit create --config`): nothing to check.
 */
export function canaryFindings(expected: { path: string; content: string } | null, restored: string | null, via: DrillVia): DrillFinding[] {
  if (expected === null) return [];
  if (restored === null) return [{ code: 'E_DRILL_CANARY_MISSING', via, message: `the canary ${expected.path} is not in the restored data: the snapshot was made before the kit, or not by this setup's drkit backup`,
    details: { hint: 'run drkit backup offsite after making a kit, then drill again' } }];
  if (restored.trim() !== expected.content.trim()) {
    return [{ code: 'E_DRILL_CANARY_WRONG', via, message: `the canary ${expected.path} came back with other content: the snapshot is older than the newest kit, or not from this setup`,
      details: { hint: 'run drkit backup offsite after making a kit, then drill again' } }];
  }
  return [];
}

/** One command of the guide's printed path, and what the drill does with it (docs/format.md §10). */
export interface GuideStep {
  /** 1-based position in the printed path */
  index: number;
  /** the guide's step number the command is printed under ("10"), or null */
  step: string | null;
  command: string;
  /** 'run' as printed; 'type' writes the typed file; 'skip' for the package installs a drill need not do */
  action: 'run' | 'type' | 'skip';
}

/**
 * The guide's step number of every command of the printed path: the number of the last "N. " line above it in
 * the text layer, between the path's heading and the next Part.
 */
export function stepNumbers(textLayer: string, commands: readonly string[], partHeading = 'Part 2. Restore step by step'): (string | null)[] {
  const out: (string | null)[] = [];
  let inside = false;
  let step: string | null = null;
  for (const raw of textLayer.split('\n')) {
    const line = raw.replace(/\f/g, '').trim();
    if (line === partHeading) { inside = true; continue; }
    if (!inside) continue;
    if (/^Part \d+\. /.test(line)) break;
    const numbered = /^(\d+)\. /.exec(line);
    if (numbered) step = numbered[1] ?? null;
    if (line.startsWith('$ ') && out.length < commands.length && line.slice(2) === commands[out.length]) out.push(step);
  }
  while (out.length < commands.length) out.push(null);
  return out;
}

/** A shell word in single quotes. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** A path as restic's --include pattern: the glob characters escaped, so it matches that path only. */
export function includePattern(path: string): string {
  return path.replace(/[\\*?[]/g, (char) => `\\${char}`);
}

export interface GuideScript {
  script: string;
  steps: GuideStep[];
}

/**
 * The bash script that runs the printed path as a person would type it (docs/format.md §10): one session, starting
 * in the home folder, `set -e -o pipefail` so the first failing command stops it. Before each command a marker
 * line `<marker> <index>` goes to stderr, so the failing command is known. `nano FILE` writes FILE from `typed`;
 * `sudo …` is skipped (the room has the tools). With `includes`, the path's `restic restore` command restores only
 * those paths (`--sample`): the one change the drill makes to a printed command, reported as such.
 */
export function guideScript(commands: readonly string[], steps: readonly (string | null)[], typed: ReadonlyMap<string, string>, options: { marker: string; includes?: readonly string[] }): GuideScript {
  const lines = ['set -e -o pipefail', 'cd "$HOME"'];
  const out: GuideStep[] = [];
  commands.forEach((command, position) => {
    const index = position + 1;
    const step = steps[position] ?? null;
    lines.push(`printf '%s %d\\n' ${shellQuote(options.marker)} ${index} >&2`);
    const nano = /^nano (\S+)$/.exec(command);
    if (nano) {
      const file = nano[1] ?? '';
      const content = typed.get(file);
      if (content === undefined) {
        // the guide asks for a file the kit does not provide: the step fails as it would for the person
        lines.push(`echo ${shellQuote(`drill: the guide asks to type ${file}, which no sheet or listing provides`)} >&2; exit 97`);
      } else {
        const eof = `DRKIT_TYPED_${options.marker.replace(/[^A-Za-z0-9]/g, '')}`;
        lines.push(`cat > ${shellQuote(file)} <<'${eof}'\n${content.replace(/\n$/, '')}\n${eof}`);
      }
      out.push({ index, step, command, action: 'type' });
      return;
    }
    if (command.startsWith('sudo ')) {
      lines.push(`: skipped ${shellQuote(command)}`);
      out.push({ index, step, command, action: 'skip' });
      return;
    }
    let run = command;
    if (options.includes !== undefined && /^restic restore\b/.test(command)) {
      run = `${command}${options.includes.map((path) => ` --include ${shellQuote(includePattern(path))}`).join('')}`;
    }
    lines.push(run);
    out.push({ index, step, command, action: 'run' });
  });
  lines.push(`printf '%s %s\\n' ${shellQuote(options.marker)} done >&2`);
  return { script: `${lines.join('\n')}\n`, steps: out };
}

/** The finding for a printed command that failed: its step, its command, its exit status and what it said. */
export function guideCommandFinding(step: GuideStep, exitStatus: number | null, said: string): DrillFinding {
  const where = step.step === null ? `command ${step.index} of the printed path` : `step ${step.step} (command ${step.index} of the printed path)`;
  return {
    code: 'E_DRILL_GUIDE_COMMAND', via: 'guide',
    message: `the guide's ${where} failed with exit status ${String(exitStatus)}: $ ${step.command}${said === '' ? '' : `: ${said}`}`,
    details: { step: step.step, index: step.index, command: step.command, exitStatus },
  };
}

export type DrillVerdict = 'passed' | 'failed';

/** The verdict: passed only when some restore ran and nothing was found. */
export function drillVerdict(findings: readonly DrillFinding[], restoresRun: number): DrillVerdict {
  return findings.length === 0 && restoresRun > 0 ? 'passed' : 'failed';
}

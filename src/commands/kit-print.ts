/**
 * `drkit kit print [DIR]`: the kit on paper. Sends the sheets (one per custodian), the restore guide (one copy per
 * custodian and one for the owner) and the owner's checklist to a CUPS printer with `lp`, the printer chosen from
 * `lpstat`; then asks for a photo of one printed sheet and checks it with kit verify's code (the print is legible
 * and its QR codes scan); then offers to delete the sheet PDFs, since shares in files are a risk once the paper
 * exists.
 *
 * Rules:
 * - one line of advice comes first: a printer at home, not a shared, office or cloud printer that keeps a copy
 *   of each job;
 * - only the kit's own files are sent or deleted (the names kit create writes); guide.pdf, checklist.pdf and
 *   kit.json hold no share and are kept;
 * - without a terminal (`--yes`) nothing is asked: `--printer` (or the only or default printer), `--photo FILE`
 *   to check, `--delete` to delete.
 */
import { homedir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { listDir, pathExists, removeFiles, writeFileAtomicSync } from '../adapters/files.js';
import { keptKitCopy, kitCopyLink, removeKitCopy } from '../adapters/kit-store.js';
import { defaultConfigPath, stateDir } from '../adapters/paths.js';
import { DRILL_COPY_REASON } from '../core/kit-record.js';
import { drillOffText } from '../wizard/answers.js';
import { runProgram } from '../adapters/exec.js';
import { DrkitError, ExitCode, ToolError, UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';
import type { Prompter } from '../wizard/types.js';

export interface KitPrintOptions {
  dir?: string;
  /** the setup whose monthly drill may keep a copy of the sheets (src/adapters/kit-store.ts) */
  config?: string;
  printer?: string;
  photo?: string;
  delete?: boolean;
  guideCopies?: number;
  yes?: boolean;
  json?: boolean;
}

export const PRINT_ADVICE = 'print at home on your own printer: a shared, office or cloud printer may keep a copy of every page it prints';

const SHEET = /^sheet-(\d+)\.pdf$/;
/** the files that hold a share: deleted once the paper is checked */
const SHARE_FILE = /^(sheet-\d+\.pdf|share-\d+\.txt|envelope\.txt)$/;

export interface Printers {
  names: string[];
  defaultName: string | null;
}

/** `lpstat -e` (one destination per line) and `lpstat -d` ("system default destination: NAME"). Pure. */
export function parsePrinters(destinations: string, defaultLine: string): Printers {
  const names = destinations.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const match = /default destination:\s*(\S+)/.exec(defaultLine);
  return { names, defaultName: match?.[1] ?? null };
}

/** "request id is home-12 (1 file(s))" → "home-12". Pure. */
export function parseRequestId(stdout: string): string | null {
  return /request id is (\S+)/.exec(stdout)?.[1] ?? null;
}

async function lpstat(args: string[]): Promise<{ stdout: string; status: number | null; stderr: string }> {
  const result = await runProgram('lpstat', args, { debianPackage: 'cups-client' });
  return { stdout: result.stdout, status: result.exitStatus, stderr: result.stderrTail };
}

export async function listPrinters(): Promise<Printers> {
  const destinations = await lpstat(['-e']);
  // lpstat -e exits non-zero when the scheduler is not running or has no destinations
  if (destinations.status !== 0 && destinations.stdout.trim() === '') return { names: [], defaultName: null };
  const fallback = await lpstat(['-d']);
  return parsePrinters(destinations.stdout, fallback.stdout);
}

interface PrintJob { file: string; title: string; copies: number }

async function send(printer: string, job: PrintJob): Promise<string> {
  const result = await runProgram('lp', ['-d', printer, '-n', String(job.copies), '-t', job.title, '--', job.file], { debianPackage: 'cups-client' });
  const id = result.exitStatus === 0 ? parseRequestId(result.stdout) : null;
  if (id === null) {
    throw new ToolError('E_PRINT', `lp could not send ${job.file} to ${printer}`, { program: 'lp', exitStatus: result.exitStatus, stderrTail: result.stderrTail, hints: ['check the printer in CUPS (lpstat -p)'] });
  }
  return id;
}

/** Waits until CUPS no longer lists `ids` as not completed; false when `timeoutMs` passed first. */
async function waitForJobs(printer: string, ids: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await lpstat(['-W', 'not-completed', '-o', printer]);
    if (!ids.some((id) => new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm').test(pending.stdout))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 500));
  }
}

export interface KitPrintDeps {
  prompter?: Prompter;
  /** how long to wait for the printer before going on (ms) */
  waitMs?: number;
}

export async function run(options: KitPrintOptions, io: CommandIO, deps: KitPrintDeps = {}): Promise<number> {
  const dir = resolve(options.dir ?? join(homedir(), 'drkit-kit'));
  const names = await listDir(dir);
  const sheets = names.filter((name) => SHEET.test(name)).sort((a, b) => Number(SHEET.exec(a)?.[1]) - Number(SHEET.exec(b)?.[1]));
  if (sheets.length === 0) {
    throw new UserError('E_NO_KIT', `${dir} holds no sheet PDFs (sheet-1.pdf, …)`, { hints: ['make the kit first: drkit kit create … --out DIR (PDF format)', 'or name the kit\'s folder: drkit kit print DIR'] });
  }
  const interactive = !options.yes;
  if (interactive && deps.prompter === undefined && !(process.stdin.isTTY && process.stdout.isTTY)) {
    throw new UserError('E_NO_TERMINAL', 'drkit kit print asks questions in a terminal, and this is not one', { hints: ['run it with --yes and --printer NAME (and --photo FILE, --delete)'] });
  }
  const prompter = interactive ? (deps.prompter ?? await (await import('../wizard/prompter.js')).inquirerPrompter()) : null;
  const say = (line: string): void => { if (prompter !== null) prompter.say(line); else if (!io.jsonMode) io.note(line); };
  say(PRINT_ADVICE);

  const printers = await listPrinters();
  if (printers.names.length === 0) {
    throw new UserError('E_NO_PRINTER', 'no printer is set up (lpstat lists none)', { hints: ['add your printer in CUPS (your desktop\'s printer settings, or http://localhost:631), then run drkit kit print again'] });
  }
  let printer: string;
  if (options.printer !== undefined) {
    if (!printers.names.includes(options.printer)) {
      throw new UserError('E_NO_PRINTER', `--printer ${options.printer} is not a printer here (lpstat lists ${printers.names.join(', ')})`, { hints: ['pick one of those, or add it in CUPS'] });
    }
    printer = options.printer;
  } else if (prompter !== null) {
    printer = await prompter.select({
      message: 'which printer?', choices: printers.names.map((name) => ({ value: name, name: name === printers.defaultName ? `${name} (default)` : name })),
      ...(printers.defaultName === null ? {} : { default: printers.defaultName }),
    });
  } else if (printers.names.length === 1 || printers.defaultName !== null) {
    printer = printers.defaultName ?? printers.names[0] ?? '';
  } else {
    throw new UserError('E_USAGE', `several printers and no default: name one with --printer (${printers.names.join(', ')})`);
  }

  const guideCopies = options.guideCopies ?? sheets.length + 1;
  const jobs: PrintJob[] = sheets.map((name) => ({ file: join(dir, name), title: `drkit ${name.replace(/\.pdf$/, '')}`, copies: 1 }));
  if (names.includes('guide.pdf') && guideCopies > 0) jobs.push({ file: join(dir, 'guide.pdf'), title: 'drkit restore guide', copies: guideCopies });
  if (names.includes('checklist.pdf')) jobs.push({ file: join(dir, 'checklist.pdf'), title: 'drkit owner checklist', copies: 1 });
  const what = `${sheets.length} sheet${sheets.length === 1 ? '' : 's'}${names.includes('guide.pdf') ? `, ${guideCopies} cop${guideCopies === 1 ? 'y' : 'ies'} of the guide` : ''}${names.includes('checklist.pdf') ? ' and the checklist' : ''}`;
  if (prompter !== null && !(await prompter.confirm({ message: `send ${what} to ${printer}?`, default: true }))) {
    say('nothing was printed');
    return ExitCode.ok;
  }
  const ids: string[] = [];
  for (const job of jobs) ids.push(await send(printer, job));
  say(`sent ${what} to ${printer} (${ids.join(', ')})`);
  if (!(await waitForJobs(printer, ids, deps.waitMs ?? 120_000))) say(`${printer} has not finished yet: check that every page came out (lpstat -o ${printer})`);
  if (io.jsonMode) io.json({ message_type: 'printed', printer, jobs: ids, files: jobs.map((job) => job.file) });

  const photoCheck = await checkPhoto(options, prompter, io, say);
  if (photoCheck === 'failed' && prompter === null) return ExitCode.checkFailed;

  const shareFiles = names.filter((name) => SHARE_FILE.test(name));
  if (prompter === null && options.delete === true && photoCheck !== 'passed') say('--delete: kept the files, because no photo of a printed sheet was checked (--photo FILE)');
  const remove = prompter === null ? options.delete === true && photoCheck === 'passed'
    : photoCheck === 'passed' && await prompter.confirm({ message: `delete the ${shareFiles.length} files holding shares from ${dir} now that the paper is checked? (guide, checklist and kit.json stay)`, default: true });
  if (remove) {
    await removeFiles(dir, shareFiles);
    say(`deleted ${shareFiles.join(', ')}`);
    await drillCopyAfterDelete(dir, options, prompter, say);
  } else {
    say(`the sheet PDFs in ${dir} hold the shares: delete them once the printed sheets are checked and handed out`);
  }
  return photoCheck === 'failed' ? ExitCode.checkFailed : ExitCode.ok;
}

/**
 * After the output folder's share files are deleted: the copy a monthly drill keeps of this kit is named (it stays,
 * private and left out of the backups), or, when the owner turns the drill off, removed with the drill's setting.
 */
async function drillCopyAfterDelete(dir: string, options: KitPrintOptions, prompter: Prompter | null, say: (line: string) => void): Promise<void> {
  const configPath = resolve(options.config ?? defaultConfigPath());
  const state = stateDir(configPath);
  const copy = keptKitCopy(state);
  if (copy === null) return;
  const kitId = await readFile(join(dir, 'kit.json'), 'utf8').then((text) => (JSON.parse(text) as { kitId?: unknown }).kitId, () => undefined);
  // a copy of another kit is not this kit's (kit create replaced it, or DIR is an older kit)
  if (typeof kitId === 'string' && kitId !== basename(copy)) return;
  say(`the monthly drill's copy of the sheets stays in ${copy} (private to you, left out of the backups): ${DRILL_COPY_REASON}`);
  if (prompter === null) return;
  if (await prompter.confirm({ message: 'keep that copy for the monthly drill? (no: the drill is turned off and the copy deleted too)', default: true })) return;
  const text = await readFile(configPath, 'utf8').catch(() => null);
  if (text !== null) writeFileAtomicSync(configPath, drillOffText(text, kitCopyLink(state)), { what: 'config file' });
  removeKitCopy(state);
  say(`deleted the drill's copy (${copy}) and turned the monthly drill off (drill.schedule: none in ${configPath}); run drkit schedule install to drop its timer`);
}

/** The photo check: kit verify's own code on a photo of one printed sheet. */
async function checkPhoto(options: KitPrintOptions, prompter: Prompter | null, io: CommandIO, say: (line: string) => void): Promise<'passed' | 'failed' | 'skipped'> {
  const verify = await import('./kit-verify.js');
  const attempt = async (file: string): Promise<boolean> => {
    try {
      return (await verify.run({ file, json: io.jsonMode }, io)) === ExitCode.ok;
    } catch (error) {
      if (!(error instanceof DrkitError) || error.kind !== 'user') throw error;
      say(`the photo did not verify: ${error.message}`);
      return false;
    }
  };
  if (prompter === null) {
    if (options.photo === undefined) return 'skipped';
    return (await attempt(resolve(options.photo))) ? 'passed' : 'failed';
  }
  say('now photograph the inside of one printed sheet (QR codes sharp, the whole page in the picture) and copy the photo here');
  for (;;) {
    const file = (await prompter.input({
      message: 'photo of a printed sheet (PNG or JPEG; empty to skip)',
      ...(options.photo === undefined ? {} : { default: options.photo }),
      validate: async (value) => (value.trim() === '' || await pathExists(resolve(value.trim())) ? true : `${value.trim()} does not exist`),
    })).trim();
    if (file === '') {
      say('photo check skipped: the printed sheets are not checked yet');
      return 'skipped';
    }
    if (await attempt(resolve(file))) {
      say('the printed sheet reads back: the print is legible and its codes scan');
      return 'passed';
    }
    if (!(await prompter.confirm({ message: 'try another photo (sharper, or of a sheet printed again)?', default: true }))) return 'failed';
  }
}

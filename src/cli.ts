#!/usr/bin/env node
/**
 * argv → command. Each command's module is loaded with import() only when it runs, so `drkit --version` and
 * `drkit status` do not pay for PDF, OpenPGP or prompt libraries. This file holds the one catch that turns the
 * error family (src/errors.ts) into exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command as CommandType } from 'commander';
import type * as Cleanup from './adapters/cleanup.js';
import type * as Errors from './errors.js';
import type { CommandIO } from './ui/io.js';

/**
 * The modules every command needs: loaded together with the command's own module (one wave of the module loader,
 * not one after the other), and never for `drkit --version`, which reads package.json and nothing else.
 */
let cleanup: typeof Cleanup;
let errors: typeof Errors;
let processIO: (jsonMode: boolean) => CommandIO;

async function loadCommon(): Promise<void> {
  const [cleanupModule, errorsModule, ioModule] = await Promise.all([import('./adapters/cleanup.js'), import('./errors.js'), import('./ui/io.js')]);
  cleanup = cleanupModule;
  errors = errorsModule;
  processIO = ioModule.processIO;
}

async function packageVersion(): Promise<string> {
  const { packageRoot } = await import('./paths.js');
  const raw = readFileSync(join(packageRoot(), 'package.json'), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

let jsonMode = false;

/**
 * Every exit ends in a known state (src/adapters/cleanup.ts holds what to undo): SIGINT, SIGTERM and SIGHUP stop the
 * running programs (restic removes its lock), remove what the command staged, and exit 130; a closed stdout
 * (`drkit status | head -1`) does the same quietly and exits 141, as a program killed by SIGPIPE; a crash prints the
 * bug and removes them too. A second signal stops at once.
 */
function installExitHandlers(): void {
  const { killChildrenNow, removeRegisteredPaths, stopChildren } = cleanup;
  const { ExitCode } = errors;
  let stopping = false;
  const stop = (exitCode: number, why: string | null): void => {
    if (stopping) {
      killChildrenNow();
      removeRegisteredPaths();
      process.exit(exitCode);
    }
    stopping = true;
    if (why !== null) process.stderr.write(`drkit: ${why}: stopping\n`);
    void stopChildren('SIGINT').finally(() => {
      removeRegisteredPaths();
      process.exit(exitCode);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => { stop(ExitCode.interrupted, `interrupted by ${signal}`); });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop(ExitCode.closedPipe, null);
    else crash(error);
  });
  // a closed stderr leaves nowhere to report anything: carry on quietly
  process.stderr.on('error', () => undefined);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.on('exit', () => {
    killChildrenNow();
    removeRegisteredPaths();
  });
}

/** A failure outside the command's own promise (an event handler): still one of the error family, still cleaned up. */
function crash(error: unknown): void {
  const drkitError = error instanceof Error ? new errors.InternalError(`unexpected failure: ${error.message}`, { cause: error }) : errors.asDrkitError(error);
  process.stderr.write(`${errors.formatError(drkitError)}\n`);
  cleanup.killChildrenNow();
  cleanup.removeRegisteredPaths();
  process.exit(errors.ExitCode.internal);
}

type CommandModule = { run: (options: never, io: CommandIO) => Promise<number> };

/** Runs one command's module with the process's IO and sets the exit code it returns. */
async function invoke(load: () => Promise<CommandModule>, options: unknown, json: boolean): Promise<void> {
  await runLoaded(await load(), options, json);
}

async function runLoaded(module: CommandModule, options: unknown, json: boolean): Promise<void> {
  jsonMode = json;
  // what killed runs left in the temp folders (QR pages of shares, old password files) goes first
  cleanup.sweepTempLeftovers();
  const run = module.run as (options: unknown, io: CommandIO) => Promise<number>;
  process.exitCode = await run(options, processIO(json));
}

/** commander option parser for a repeatable option: `--include a --include b` → ["a", "b"] */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
/** `--sample N` or, for the live drill, `--sample all` */
const sampleCount = (value: string): number | 'all' => (value === 'all' ? 'all' : integer('--sample')(value));
const integer = (name: string) => (value: string): number => {
  if (!/^\d+$/.test(value)) {
    throw new errors.UserError('E_USAGE', `${name} must be a whole number, got "${value}"`);
  }
  return Number(value);
};

/** The command tree. commander is imported here, not at the top, so `drkit --version` never loads it. */
export async function buildProgram(): Promise<CommandType> {
  const [{ Argument, Command, Option }, { BACKUP_JOBS }] = await Promise.all([import('commander'), import('./commands/quick-args.js')]);
  const program = new Command('drkit')
    .description('disaster-recovery kit: onsite rsync snapshots, offsite restic, and a printed, device-free recovery kit')
    .version(await packageVersion(), '-V, --version')
    // commander's usage errors read like drkit's own: `error: …` then one `hint:` line
    .configureOutput({ outputError: (text, write) => write(`${text.trimEnd()}\nhint: drkit --help lists the commands; drkit COMMAND --help is its manual\n`) })
    .exitOverride();

  // --- backups: init, backup, status, schedule (src/commands/{init,backup,status,schedule}.ts) ---
  const configOption = (): InstanceType<typeof Option> => new Option('--config <path>', 'the config file (default: $XDG_CONFIG_HOME/drkit/config.yaml)');
  const init = program.command('init')
    .description('set up drkit: questions in a terminal (or --answers FILE --yes), then the onsite marker and the restic repository')
    .addOption(configOption())
    .option('--yes', 'run without questions (the config file, or --answers and the flags, hold the answers)', false)
    .option('--adopt-marker', 'use an onsite target whose marker another setup wrote (refused otherwise)', false)
    .option('--json', 'print the result as JSON', false);
  // --- the wizard's answers as flags (src/commands/init-wizard.ts; docs/wizard.md); secrets have none ---
  init
    .option('--answers <file>', 'the wizard\'s answers (docs/wizard.md); with --yes, no questions are asked')
    .option('--source <path>', 'a folder or file to back up; repeat for each', collect)
    .option('--exclude <pattern>', 'a pattern to leave out; repeat for each', collect)
    .addOption(new Option('--onsite <kind>', 'where the onsite copy goes').choices(['folder', 'ssh', 'none']))
    .option('--onsite-target <target>', 'the onsite folder, or user@host:path')
    .option('--onsite-description <text>', 'where the onsite copy is kept, printed in the kit for a restorer')
    .addOption(new Option('--offsite <kind>', 'the offsite repository\'s kind').choices(['b2-s3', 'b2', 's3', 'url', 'none']))
    .option('--b2-region <region>', 'B2 region of the bucket, e.g. eu-central-003')
    .option('--bucket <name>', 'the bucket (B2 or S3)')
    .option('--bucket-path <path>', 'a folder inside the bucket')
    .option('--s3-endpoint <url>', 'the S3 endpoint of another S3 service')
    .option('--repository <url>', 'any restic repository (with --offsite url)')
    .addOption(new Option('--password-mode <mode>', 'the repository password: generate one, type an existing one, or keep the current one').choices(['generate', 'existing', 'keep']))
    .option('--onsite-schedule <when>', 'hourly or daily')
    .option('--offsite-schedule <when>', 'e.g. "daily at 03:00"')
    .addOption(new Option('--drill-schedule <when>', 'a monthly restore drill, or none').choices(['monthly', 'none']))
    .option('--custodians <list>', 'the custodians, as kit create takes them: "Ann Smith <ann@example.org, +44 …>,Ben Jones"')
    .option('--threshold <k>', 'how many sheets open the kit')
    .option('--owner <name>', 'your name, printed on every sheet of the kit');
  init.action(async (options: { json: boolean }) => invoke(() => import('./commands/init.js'), options, options.json));
  program.command('backup')
    .description('run the backup jobs with progress and record each run in the status file')
    .addArgument(new Argument('[job]', 'which job to run').choices(BACKUP_JOBS).default('all'))
    .addOption(configOption())
    .option('--json', 'print JSON events, one per line', false)
    .action(async (job: string, options: { json: boolean }) => invoke(() => import('./commands/backup.js'), { ...options, job }, options.json));
  program.command('check')
    .description('check the offsite repository (restic check, reading offsite.check.readDataSubset of the data) and record the verdict')
    .addOption(configOption())
    .option('--json', 'print JSON events, one per line', false)
    .action(async (options: { json: boolean }) => invoke(() => import('./commands/backup.js'), { ...options, job: 'check' }, options.json));
  program.command('status')
    .description('last good run of each job, its age and size; exits 5 when a job is stale or failed')
    .addOption(configOption())
    .option('--json', 'print the report as JSON', false)
    .action(async (options: { json: boolean }) => invoke(() => import('./commands/status.js'), options, options.json));
  program.command('schedule')
    .description('print, install or uninstall systemd user timers (or crontab lines) that run the backups')
    .addArgument(new Argument('<action>', 'print the units, install them, or remove the ones drkit wrote').choices(['print', 'install', 'uninstall']))
    .addOption(configOption())
    .option('--cron', 'crontab lines instead of systemd units', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (action: string, options: { json: boolean }) => invoke(() => import('./commands/schedule.js'), { ...options, action }, options.json));
  // --- end of backups ---

  const kit = program.command('kit').description('create or check the printed recovery kit');
  kit.command('create')
    .description('encrypt the credentials, split the key among custodians, write the kit')
    .option('--config <path>', 'build the bundle from this config and its secrets (see docs/config.md, `kit:`)')
    .option('--bundle <file>', 'or: a JSON file with the credentials to protect (see docs/format.md)')
    .option('--no-check', 'seal without first opening the repository with the bundle (the checklist then says "credentials NOT verified")')
    .option('--custodians <names>', 'comma-separated custodians, one share each (n = their count): "Ann Smith <ann@example.org, +44 …>,Ben Jones"')
    .option('--custodians-file <file>', 'the custodians, one per line: NAME or NAME <phone, email or address>')
    .requiredOption('--threshold <k>', 'how many shares open the kit', integer('--threshold'))
    .requiredOption('--out <dir>', 'folder to write the kit into (must not hold a kit)')
    .addOption(new Option('--format <format>', 'pdf: sheets, guide and checklist to print; text: share and envelope files').choices(['pdf', 'text']).default('pdf'))
    .addOption(new Option('--paper <size>', 'paper size of the PDFs').choices(['a4', 'letter']).default('a4'))
    .option('--supersedes <kit-id>', 'the id of the kit this one replaces (printed on the checklist)')
    .option('--force', 'replace an existing kit in --out', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { json: boolean }) => invoke(() => import('./commands/kit-create.js'), options, options.json));
  kit.command('verify')
    .description('check one share on its own: "valid share i of n of kit ID"')
    .argument('<file>', 'a share: text file, sheet PDF, or a photo or scan of the sheet (PNG, JPEG)')
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: { json: boolean }) => invoke(() => import('./commands/kit-verify.js'), { ...options, file }, options.json));

  // --- kit print (src/commands/kit-print.ts) ---
  kit.command('print')
    .description('send the kit to a CUPS printer, check a photo of a printed sheet, then offer to delete the PDFs')
    .argument('[dir]', 'the kit\'s folder (default: ~/drkit-kit)')
    .option('--printer <name>', 'the CUPS printer (default: asked, or the only or default one)')
    .option('--config <path>', 'the setup whose monthly drill keeps a copy of the sheets (default: $XDG_CONFIG_HOME/drkit/config.yaml)')
    .option('--photo <file>', 'a photo of one printed sheet to check (PNG or JPEG)')
    .option('--guide-copies <n>', 'copies of the restore guide (default: one per custodian and one for you)', integer('--guide-copies'))
    .option('--delete', 'with --yes: delete the files holding shares once the photo verified', false)
    .option('--yes', 'ask nothing', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (dir: string | undefined, options: { json: boolean }) => invoke(() => import('./commands/kit-print.js'), { ...options, ...(dir === undefined ? {} : { dir }) }, options.json));
  // --- end of kit print ---

  program.command('recover')
    .description('combine k shares, check them, open the envelope; write the credentials and/or restore the newest backup')
    .option('--from <files...>', 'the shares (text, sheet PDF, PNG or JPEG): several after one --from, or --from repeated; without it, type the lines')
    .option('--envelope <file>', 'the envelope: envelope.txt, any sheet PDF, or a photo of a sheet')
    .option('--out <file>', 'write the credentials here, mode 0600: JSON, or a shell file for a name ending in .env')
    .option('--restore-to <dir>', 'restore an offsite snapshot (the newest unless chosen) into this folder; with --onsite, copy an onsite one')
    // restore choices (src/commands/recover-restore.ts)
    .option('--snapshot <id>', 'the snapshot to restore: an id from the list, or latest (onsite: a folder name such as 2026-11-27T081500Z); on a terminal without it, drkit lists them and asks')
    .option('--host <name>', 'only snapshots of this computer')
    .option('--path <dir>', 'only snapshots that hold this folder (absolute, as the list shows it); repeatable', collect)
    .option('--include <pattern>', 'restore only these files or folders of the snapshot (e.g. /home/ann/Photos); repeatable', collect)
    .option('--onsite <disk>', 'the onsite backup disk: list its rsync snapshots, or copy one with --restore-to (no kit needed)')
    .option('--force', 'overwrite --out if it exists; restore into a --restore-to folder that is not empty', false)
    .option('--json', 'print the result as JSON', false)
    // the drill's restore (src/jobs/drill.ts): it compares every restored file with its source, byte for byte, instead
    .addOption(new Option('--no-verify', 'leave out restic\'s re-read of every restored file').hideHelp())
    .action(async (options: { json: boolean }) => invoke(() => import('./commands/recover.js'), options, options.json));

  // --- drill (src/commands/drill.ts) ---
  program.command('drill')
    .description('clean-room restore drill: k sheets and the guide, via the printed path and via drkit recover, checked against the source')
    .addOption(configOption())
    .option('--kit <dir>', 'the kit folder (sheet-N.pdf and guide.pdf, as kit create wrote it)')
    .option('--sheets <numbers>', 'the sheets to use, e.g. 1,3,4 (default: a random k of them)')
    .addOption(new Option('--via <path>', 'the printed guide, drkit recover, or both').choices(['guide', 'tool', 'both']).default('both'))
    .option('--sample <n>', 'restore and check n random files instead of everything (--live: default 300; all: everything)', sampleCount)
    .option('--onsite', 'drill the onsite copy (a sample of the latest rsync snapshot) instead of the offsite one', false)
    // the live drill and its certificate (src/commands/drill-live.ts)
    .option('--live', 'a drill with the real sheets, on any computer with drkit: no config, no source; writes a certificate', false)
    .option('--from <file>', '--live: a share file, sheet PDF or photo (repeat for each)', collect)
    .option('--envelope <file>', '--live: the envelope (any sheet, or envelope.txt)')
    .option('--stdin', '--live: read QR code payloads from stdin (zbarcam --raw | drkit drill --live --stdin)', false)
    .option('--out <dir>', '--live: where to write the certificate (default: the current folder)')
    .option('--snapshot <id>', '--live: the snapshot to drill: an id from the list, or latest; on a terminal without it, drkit lists them and asks')
    .option('--host <name>', '--live: only snapshots of this computer')
    .option('--path <dir>', '--live: only snapshots that hold this folder (absolute, as the list shows it); repeatable', collect)
    .option('--restore-to <dir>', '--live: restore the sample into this empty folder (default: a scratch folder under $TMPDIR), removed at the end')
    .option('--force', '--live: restore into a --restore-to folder that is not empty', false)
    .option('--keep', '--live: keep the restored files in --restore-to at the end', false)
    .option('--record <cert>', 'enter a live drill\'s certificate (.txt or .pdf) into this setup\'s status file')
    .option('--json', 'print the report as JSON', false)
    .action(async (options: { json: boolean }) => invoke(() => import('./commands/drill.js'), options, options.json));
  // --- end of drill ---

  // --- demo (src/commands/demo.ts) ---
  program.command('demo')
    .description('the whole job end to end on local stand-ins: two backups, a 3-of-5 kit, a drill from the paper')
    .option('--dir <dir>', 'make the demo setup in this (new or empty) folder and keep it')
    .option('--keep', 'keep the temporary demo folder (sheets, guide, config, status) at the end', false)
    .option('--json', 'print a JSON summary', false)
    .action(async (options: { json: boolean }) => invoke(() => import('./commands/demo.js'), options, options.json));
  // --- end of demo ---

  // every command's --help ends with its manual page (src/ui/manual.ts): examples, exit codes, files, docs
  const { manualText } = await import('./ui/manual.js');
  const attachManual = (command: CommandType, path: string): void => {
    const text = manualText(path);
    if (text !== '') command.addHelpText('after', text);
    for (const sub of command.commands) attachManual(sub, path === 'drkit' ? sub.name() : `${path} ${sub.name()}`);
  };
  attachManual(program, 'drkit');
  return program;
}


export async function main(argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${await packageVersion()}\n`);
    return;
  }
  // status, backup and check without commander (src/commands/quick-args.ts)
  const quick = await import('./commands/quick-args.js');
  const quickStatus = quick.quickStatusOptions(args);
  // status's module is fetched in the same wave as the common ones; a failure to load it is reported below
  const status = quickStatus === null ? undefined : import('./commands/status.js');
  status?.catch(() => undefined);
  await loadCommon();
  installExitHandlers();
  try {
    if (quickStatus !== null && status !== undefined) {
      jsonMode = quickStatus.json;
      await runLoaded(await status, quickStatus, quickStatus.json);
      return;
    }
    const quickBackup = quick.quickBackupOptions(args);
    if (quickBackup !== null) {
      await invoke(() => import('./commands/backup.js'), quickBackup, quickBackup.json);
      return;
    }
    const { CommanderError } = await import('commander');
    const program = await buildProgram();
    try {
      await program.parseAsync([...argv]);
    } catch (error) {
      if (error instanceof CommanderError) {
        // help and --version exit through here with code 0; usage mistakes with commander's message already printed
        process.exitCode = error.exitCode === 0 ? errors.ExitCode.ok : errors.ExitCode.userError;
        return;
      }
      throw error;
    }
  } catch (error) {
    const drkitError = errors.asDrkitError(error);
    if (jsonMode) process.stdout.write(`${JSON.stringify(errors.errorToJson(drkitError))}\n`);
    process.stderr.write(`${errors.formatError(drkitError)}\n`);
    process.exitCode = errors.exitCodeFor(drkitError);
  }
}

await main(process.argv);

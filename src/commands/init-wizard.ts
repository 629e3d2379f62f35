/**
 * `drkit init` with questions: the wizard (src/wizard/) on a terminal, or the same steps from `--answers FILE`
 * and flags with `--yes`. Then: a summary, a confirmation, the files written, the setup provisioned by init's own
 * `--yes` path (src/commands/init.ts), and the follow-ups offered (timers, a first backup, the kit, a drill).
 *
 * Rules:
 * - nothing is written before the owner confirms the summary; Ctrl-C or a closed terminal before that leaves the
 *   disk as it was (exit 130). The secrets file and the config are each written whole (temp file + rename), the
 *   secrets first, in one synchronous step no signal can cut, so no run leaves one new and the other old;
 * - secrets are typed masked, travel in memory, and land only in the secrets file (0600 in a 0700 folder); they
 *   are never in argv, the summary, the config or the wizard's record (answers.yaml beside the config);
 * - an existing setup is edited: its values are the defaults, secrets are kept unless retyped, keys the wizard does
 *   not ask about stay in the config with their comments, and what the answers remove is listed in the summary;
 * - without a terminal the wizard needs `--yes`; a non-TTY without it is a usage error (exit 2).
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CommandIO } from '../ui/io.js';
import { DrkitError, ExitCode, UserError } from '../errors.js';
import { defaultConfigPath, stateDir } from '../adapters/paths.js';
import { kitCopyLink, kitCopyRoot, removeKitCopy } from '../adapters/kit-store.js';
import { parseConfig } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { readSecretsFile } from '../adapters/secrets.js';
import { writeFileAtomicSync } from '../adapters/files.js';
import { systemRandom } from '../adapters/random.js';
import {
  configText, draftFromFlags, draftFromSetup, parseAnswers, recordText, secretsFromEnv, secretsText,
  type AnswersFile, type FollowUp, type WizardFlags,
} from '../wizard/answers.js';
import { custodianList, maskId, repositoryOf } from '../wizard/derive.js';
import { describeCustodian } from '../core/custodians.js';
import { runWizard, type WizardOutcome } from '../wizard/run.js';
import { WizardCancelled } from '../wizard/prompter.js';
import { systemProbe } from '../wizard/probe.js';
import type { Draft, Probe, Prompter } from '../wizard/types.js';

export interface InitWizardOptions extends WizardFlags {
  config?: string;
  yes?: boolean;
  json?: boolean;
  answers?: string;
}

/** What a test may put in place of the terminal and the machine. */
export interface WizardDeps {
  prompter?: Prompter;
  probe?: Probe;
}

/** The wizard's record: its answers without secrets, beside the config. */
export function recordPath(configPath: string): string {
  return join(dirname(configPath), 'answers.yaml');
}

function readAnswersFile(path: string): AnswersFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError('E_FILE', `--answers ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hints: ['check the path'] });
  }
  const answers = parseAnswers(text, path);
  if (answers.holdsSecrets && (statSync(path).mode & 0o077) !== 0) {
    throw new UserError('E_ANSWERS_MODE', `--answers ${path} holds secrets (keyId, secretKey or password) but others can read it`, {
      hints: [`chmod 600 ${path}`, 'or leave the secrets out of the file and set DRKIT_KEY_ID, DRKIT_SECRET_KEY, DRKIT_PASSWORD instead'],
    });
  }
  return answers;
}

interface ExistingSetup {
  configText: string | null;
  secretsPath: string | undefined;
  /** the secrets path as the config writes it */
  secretsSetting: string | undefined;
  secrets: Record<string, string>;
  draft: Draft | null;
  /** onsite.ssh of the config being edited */
  ssh?: { port?: number; identityFile?: string };
}

function readExisting(configPath: string): ExistingSetup {
  if (!(statSync(configPath, { throwIfNoEntry: false })?.isFile() ?? false)) {
    return { configText: null, secretsPath: undefined, secretsSetting: undefined, secrets: {}, draft: null };
  }
  const text = readFileSync(configPath, 'utf8');
  // the existing config must be valid: editing a broken one could drop what the owner meant
  const config = parseConfig(text, configPath);
  const setting = /^secrets:\s*(.+?)\s*$/m.exec(text)?.[1]?.replace(/^["']|["']$/g, '');
  let secrets: Record<string, string> = {};
  if (config.secrets !== undefined && statSync(config.secrets, { throwIfNoEntry: false }) !== undefined) secrets = { ...readSecretsFile(config.secrets) };
  let record: Draft | null = null;
  const recordFile = recordPath(configPath);
  if (statSync(recordFile, { throwIfNoEntry: false }) !== undefined) record = parseAnswers(readFileSync(recordFile, 'utf8'), recordFile).draft;
  return { configText: text, secretsPath: config.secrets, secretsSetting: setting, secrets, draft: draftFromSetup(text, secrets, record), ...(config.onsite?.ssh === undefined ? {} : { ssh: config.onsite.ssh }) };
}

/** True when the config schema (with the drill command's keys) accepts a drill schedule. */
function drillScheduleSupported(): boolean {
  return configSchema.safeParse({ sources: ['/'], offsite: { repository: '/r' }, drill: { schedule: 'monthly' } }).success;
}

function summary(interactive: boolean, draft: Draft, outcome: WizardOutcome, configPath: string, secretsPath: string | undefined, removed: readonly string[], keptUnused: readonly string[]): string[] {
  const lines = ['', '== Summary', `  config:      ${configPath}`];
  lines.push(`  back up:     ${(draft.sources ?? []).join(', ')}`);
  if ((draft.exclude ?? []).length > 0) lines.push(`  leave out:   ${(draft.exclude ?? []).join(', ')}`);
  lines.push(`  onsite:      ${draft.onsite === 'none' ? 'none' : `${draft.onsiteTarget ?? ''} (${draft.onsiteSchedule ?? 'hourly'})`}`);
  if (draft.onsite !== 'none' && (draft.onsiteDescription ?? '') !== '') lines.push(`               "${draft.onsiteDescription ?? ''}"`);
  const repository = repositoryOf(draft);
  if (repository === undefined) lines.push('  offsite:     none');
  else {
    lines.push(`  offsite:     ${repository} (${draft.offsiteSchedule ?? ''})`);
    if (outcome.repositoryId !== undefined) lines.push(`  repository:  id ${outcome.repositoryId.slice(0, 8)}${outcome.repositoryCreated ? ' (created just now)' : ''}`);
    if (draft.keyId !== undefined) lines.push(`  key id:      ${maskId(draft.keyId)}  (secret key set)`);
    lines.push(`  password:    ${outcome.passwordGenerated ? (interactive ? 'generated (shown above)' : 'generated (in the secrets file only)') : draft.passwordMode === 'keep' ? 'kept' : 'as typed'}`);
    lines.push(`  secrets:     ${secretsPath ?? ''} (mode 0600)`);
    lines.push(`  drill:       ${draft.drillSchedule === 'monthly' ? `monthly, on a copy of the sheets kept in ${kitCopyRoot(stateDir(configPath))} (0700, left out of the backups)` : (draft.drillSchedule ?? 'none')}`);
    const custodians = draft.custodians ?? [];
    const k = Number(draft.threshold ?? 0);
    lines.push(`  kit:         ${draft.owner ?? ''}'s kit, any ${k} of ${custodians.length} sheets open it`);
    for (const custodian of custodians) lines.push(`               ${describeCustodian(custodian)}`);
  }
  for (const key of removed) lines.push(`  removed:     ${key} (in the config now; your answers turn it off)`);
  for (const key of keptUnused) lines.push(`  kept:        ${key} in the secrets file (not used by this repository)`);
  return lines;
}

/**
 * Writes the secrets, the config and the record, each whole (temp file + rename, 0600), the secrets first.
 * Synchronous on purpose: no signal handler (src/cli.ts stops on SIGINT) can run between the renames, so an
 * interrupted run never leaves a new secrets file beside an old config.
 */
function writeSetup(files: { secrets?: { path: string; text: string }; config: { path: string; text: string }; record: { path: string; text: string } }): void {
  mkdirSync(dirname(files.config.path), { recursive: true, mode: 0o700 });
  if (files.secrets !== undefined) {
    mkdirSync(dirname(files.secrets.path), { recursive: true, mode: 0o700 });
    chmodSync(dirname(files.secrets.path), 0o700);
    writeFileAtomicSync(files.secrets.path, files.secrets.text, { what: 'secrets file' });
  }
  writeFileAtomicSync(files.config.path, files.config.text, { what: 'config file' });
  writeFileAtomicSync(files.record.path, files.record.text, { what: 'answers record' });
}

/** The drill command's module, when this drkit has one. */
async function loadDrill(): Promise<{ run: (options: Record<string, unknown>, io: CommandIO) => Promise<number> } | null> {
  const specifier = './drill.js';
  try {
    const module = (await import(specifier)) as { run?: unknown };
    return typeof module.run === 'function' ? (module as { run: (options: Record<string, unknown>, io: CommandIO) => Promise<number> }) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  }
}

export async function run(options: InitWizardOptions, io: CommandIO, deps: WizardDeps = {}): Promise<number> {
  const interactive = !options.yes;
  if (interactive && deps.prompter === undefined && !(process.stdin.isTTY && process.stdout.isTTY)) {
    throw new UserError('E_NO_TERMINAL', 'drkit init asks its questions in a terminal, and this is not one', {
      hints: ['answer them in a file and run: drkit init --answers FILE --yes (see docs/wizard.md)', 'or, with a config already written: drkit init --config PATH --yes'],
    });
  }
  const configPath = resolve(options.config ?? defaultConfigPath());
  const answers = options.answers === undefined ? undefined : readAnswersFile(resolve(options.answers));
  const existing = readExisting(configPath);
  const given: Draft = { ...(answers?.draft ?? {}), ...secretsFromEnv(process.env), ...draftFromFlags(options) };
  const say = (line: string): void => { if (prompter !== null) prompter.say(line); else if (!io.jsonMode) io.note(line); };

  let prompter: Prompter | null = null;
  let outcome: WizardOutcome;
  try {
    prompter = interactive ? (deps.prompter ?? await (await import('../wizard/prompter.js')).inquirerPrompter()) : null;
    // Ctrl-C while restic runs is the process-wide handler's (src/cli.ts): it stops restic and exits 130
    const probe = deps.probe ?? systemProbe(existing.ssh === undefined ? {} : { ssh: existing.ssh });
    if (prompter !== null) {
      prompter.say(existing.draft === null
        ? 'drkit init: a few questions, then a summary to confirm; nothing is written before you confirm. Ctrl-C stops at any time.'
        : `drkit init: editing the setup in ${configPath}; its current values are the defaults. Nothing changes before you confirm.`);
    }
    const context = { existing: existing.draft, disks: await probe.disks(), drillScheduleSupported: drillScheduleSupported() };
    outcome = await runWizard({ given, context, prompter, probe, random: systemRandom, say });
  } catch (error) {
    if (error instanceof DrkitError && error.code === 'E_RESTIC_INTERRUPTED') throw new WizardCancelled('interrupted', true);
    throw error;
  }
  const draft = outcome.draft;

  // the plan: texts made and validated in memory first
  const repository = repositoryOf(draft);
  const secretsFile = existing.secretsPath ?? join(dirname(configPath), 'secrets', 'secrets.env');
  const secretsSetting = existing.secretsSetting ?? (isAbsolute(relative(dirname(configPath), secretsFile)) ? secretsFile : relative(dirname(configPath), secretsFile));
  const plan = configText(draft, repository, repository === undefined ? undefined : secretsSetting, existing.configText, drillScheduleSupported(), kitCopyLink(stateDir(configPath)));
  parseConfig(plan.text, configPath);
  const secrets = repository === undefined ? null : secretsText(draft, existing.secrets);
  for (const line of summary(prompter !== null, draft, outcome, configPath, repository === undefined ? undefined : secretsFile, plan.removed, secrets?.keptUnused ?? [])) say(line);
  if (prompter !== null && !(await prompter.confirm({ message: 'write this setup?', default: true }))) {
    say('nothing was written');
    return ExitCode.ok;
  }

  writeSetup({
    ...(secrets === null ? {} : { secrets: { path: secretsFile, text: secrets.text } }),
    config: { path: configPath, text: plan.text },
    record: { path: recordPath(configPath), text: recordText(draft) },
  });
  say(`wrote ${configPath}${secrets === null ? '' : ` and ${secretsFile}`}`);
  if (secrets?.credentialsChanged) say('note: the credentials changed, so a printed kit made before no longer opens this repository: make a new kit (drkit kit create)');
  // the drill turned off (or no offsite to drill): the sheets kept for it go
  if (draft.drillSchedule !== 'monthly' || repository === undefined) {
    if (removeKitCopy(stateDir(configPath))) say(`removed the copy of the sheets kept for the monthly drill (${kitCopyRoot(stateDir(configPath))}): the drill is off`);
  }

  const init = await import('./init.js');
  const provisioned = await init.run({ config: configPath, yes: true, json: io.jsonMode }, io).catch(async (error: unknown) => {
    // a marker another setup wrote: someone at the terminal is asked (with --yes only --adopt-marker adopts it)
    if (prompter === null || !(error instanceof UserError) || error.code !== 'E_FOREIGN_MARKER') throw error;
    say(`the onsite target ${String(error.details['target'])} already holds the marker ${String(error.details['markerId']).slice(0, 36)}, which this setup did not write: another drkit setup (or an earlier install) uses this disk, and its snapshots are there`);
    if (!(await prompter.confirm({ message: 'is it the right disk, and should this setup use it too?', default: false }))) throw error;
    return init.run({ config: configPath, yes: true, json: io.jsonMode, adoptMarker: true }, io);
  });
  if (provisioned !== ExitCode.ok) return provisioned;
  return followUps(answers, draft, configPath, prompter, io, say);
}

async function followUps(answers: AnswersFile | undefined, draft: Draft, configPath: string, prompter: Prompter | null, io: CommandIO, say: (line: string) => void): Promise<number> {
  const wanted = new Set<FollowUp>(answers?.then ?? []);
  const offer = async (what: FollowUp, message: string, fallback: boolean): Promise<boolean> => {
    if (prompter === null) return wanted.has(what);
    return prompter.confirm({ message, default: fallback });
  };
  let exitCode: number = ExitCode.ok;
  let scheduled = false;
  if (await offer('schedule', 'install the timers that run the backups by themselves?', true)) {
    const schedule = await import('./schedule.js');
    await schedule.run({ action: 'install', config: configPath, json: io.jsonMode }, io);
    scheduled = true;
  }
  let backedUp = false;
  if (await offer('backup', 'run the first backup now?', true)) {
    const backup = await import('./backup.js');
    exitCode = await backup.run({ job: 'all', config: configPath, json: io.jsonMode }, io);
    if (exitCode !== ExitCode.ok && exitCode !== ExitCode.warning) return exitCode;
    backedUp = true;
  }
  // the kit, then a drill of it (the drill reads the sheet PDFs), then the paper (after which the PDFs may go)
  let kitDir: string | undefined;
  if (draft.offsite !== 'none' && (draft.custodians ?? []).length > 0) {
    if (await offer('kit', 'create the printed kit now (it checks the credentials against the repository first)?', true)) {
      const out = resolveHome((answers?.kitOut ?? (prompter === null ? undefined : await prompter.input({ message: 'folder for the kit\'s PDFs', default: join(homedir(), 'drkit-kit') }))) ?? join(homedir(), 'drkit-kit'));
      const kitCreate = await import('./kit-create.js');
      const made = await kitCreate.run({
        config: configPath, check: true, custodians: custodianList(draft.custodians ?? []), threshold: Number(draft.threshold),
        out, format: 'pdf', paper: 'a4', force: false, json: io.jsonMode,
      }, io);
      if (made !== ExitCode.ok) return made;
      kitDir = out;
      if (scheduled && draft.drillSchedule === 'monthly') {
        // the timers went in before the kit existed: the drill's timer needs the kit copy kit create just kept
        say('adding the monthly drill\'s timer, now that its copy of the kit exists');
        const schedule = await import('./schedule.js');
        await schedule.run({ action: 'install', config: configPath, json: io.jsonMode }, io);
      }
      if (backedUp) {
        // the kit made its canary just now: the offsite copy carries it from the next backup on, and the drill
        // checks that it comes back (an incremental backup of unchanged files costs seconds)
        say('backing up offsite once more, so the backup carries the new kit\'s canary');
        const backup = await import('./backup.js');
        const again = await backup.run({ job: 'offsite', config: configPath, json: io.jsonMode }, io);
        if (again !== ExitCode.ok && again !== ExitCode.warning) return again;
      }
    }
  }
  const drill = kitDir === undefined ? null : await loadDrill();
  if (drill !== null && await offer('drill', 'run a restore drill of the new kit now (a restore from its sheets in a sandbox, compared with your files)?', true)) {
    exitCode = await drill.run({ config: configPath, kit: kitDir, via: 'both', onsite: false, json: io.jsonMode }, io);
    if (exitCode !== ExitCode.ok) {
      // paper from a kit whose drill failed could fail a restorer the same way
      say(`the drill did not pass: find out why before printing the kit (drkit drill --kit ${kitDir})`);
      return exitCode;
    }
  } else if (kitDir === undefined && draft.offsite !== 'none' && prompter !== null) {
    say('a drill needs the kit: once it is made, run drkit drill --kit DIR');
  }
  if (kitDir !== undefined) {
    if (prompter !== null && await prompter.confirm({ message: 'print the kit now?', default: true })) {
      const kitPrint = await import('./kit-print.js');
      const printed = await kitPrint.run({ dir: kitDir, config: configPath, json: io.jsonMode }, io, { prompter });
      if (printed !== ExitCode.ok) return printed;
    } else {
      say(`next: print the kit with drkit kit print ${kitDir}`);
    }
  }
  say('setup done: drkit status shows how the backups are doing');
  return exitCode;
}

function resolveHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : resolve(path);
}

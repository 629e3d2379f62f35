/**
 * `drkit init --yes`: provisions what the config describes, without a terminal (the interactive wizard of a later
 * issue ends in this same step):
 * 1. validates the config (every mistake with its line) and the secrets file's permissions;
 * 2. onsite: for a removable disk (onsite.removable), first checks that it is mounted: a marker is never written
 *    onto the internal disk under an empty mount point. Then writes the target's identity marker (a fresh UUID),
 *    or keeps the marker this setup recorded before. A marker this setup did not record (a disk another setup or
 *    an earlier install wrote) is adopted only when asked: `--adopt-marker` (with --yes there is nobody to ask);
 *    the UUID is recorded in this setup's status file;
 * 3. offsite: opens the restic repository (`cat config`), or creates it when there is none, and records its id.
 *    A wrong password is a typed error with a hint; the repository is never re-created over an existing one.
 * Running it again is safe: it changes nothing that is already set up.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { CommandIO } from '../ui/io.js';
import { DrkitError, ExitCode, UserError } from '../errors.js';
import { loadConfigCached } from '../config/cache.js';
import { defaultConfigPath, stateDir, stateHome } from '../adapters/paths.js';
import { offsiteAccess } from '../config/offsite.js';
import { readState, statusFile, updateState, type OffsiteIdentity, type OnsiteIdentity } from '../adapters/state.js';
import { readSecretsFile } from '../adapters/secrets.js';
import { readTargetMarker, requireMounted, requireMountedIfRemovablePlace, writeTargetMarker } from '../adapters/onsite-target.js';
import { openResticRepository } from '../adapters/restic/index.js';
import { redactRepository } from '../core/redact.js';
import { anyWizardFlag, type WizardFlags } from '../wizard/answers.js';
import type { CommandMessages } from '../ui/json-messages.js';

type InitMessage = { message_type: 'init' } & CommandMessages['init'];

export interface InitOptions extends WizardFlags {
  config?: string;
  yes?: boolean;
  /** take over a marker this setup did not write (another setup's disk, or this one's before a reinstall) */
  adoptMarker?: boolean;
  json?: boolean;
  /** the wizard's answers file (src/commands/init-wizard.ts) */
  answers?: string;
}

export async function run(options: InitOptions, io: CommandIO): Promise<number> {
  // questions (or their answers from a file and flags) go through the wizard, which ends in this same --yes path
  if (!options.yes || options.answers !== undefined || anyWizardFlag(options)) {
    const wizard = await import('./init-wizard.js');
    return wizard.run(options, io);
  }
  const configPath = resolve(options.config ?? defaultConfigPath());
  // validated through the config cache (src/config/cache.ts), so the first backup after init finds it validated
  const config = await loadConfigCached(configPath, stateHome());
  if (config.secrets !== undefined) readSecretsFile(config.secrets);
  const dir = stateDir(configPath);
  const previous = readState(dir);
  const now = new Date().toISOString();
  const say = (line: string): void => { if (!io.jsonMode) io.out(line); };
  const summary: InitMessage = { message_type: 'init', config: configPath };

  let onsite: OnsiteIdentity | undefined;
  if (config.onsite) {
    const ssh = config.onsite.ssh ?? {};
    if (typeof config.onsite.removable === 'string') await requireMounted(config.onsite.removable, config.onsite.target);
    const existing = await readTargetMarker(config.onsite.target, ssh);
    let created = false;
    let markerId: string;
    if (existing !== null && existing !== '') {
      markerId = existing;
      const known = previous.onsite?.markerId === existing;
      if (!known && !options.adoptMarker) {
        throw new UserError('E_FOREIGN_MARKER', `onsite target ${config.onsite.target} already holds the marker ${existing.slice(0, 36)}, which this setup did not write`, {
          hints: [
            'is it the right disk? another drkit setup (or an earlier install) uses it; its snapshots are there',
            `to use it for this config anyway, run: drkit init --config ${configPath} --yes --adopt-marker (two setups sharing a disk need different \`host\` names, or their snapshots and retention mix)`,
          ],
          details: { target: config.onsite.target, markerId: existing },
        });
      }
      say(known ? `onsite: target ${config.onsite.target} already set up (marker ${markerId})` : `onsite: adopted the existing marker ${markerId} of ${config.onsite.target}`);
    } else {
      // no removable setting, but a folder under /media or /mnt: it must be a mounted disk before a marker goes there
      if (config.onsite.removable === undefined && config.onsite.target.startsWith('/')) await requireMountedIfRemovablePlace(config.onsite.target);
      markerId = randomUUID();
      await writeTargetMarker(config.onsite.target, markerId, ssh);
      created = true;
      say(`onsite: wrote marker ${markerId} to ${config.onsite.target}`);
    }
    onsite = { markerId, target: config.onsite.target, initializedAt: now };
    summary.onsite = { target: config.onsite.target, markerId, created };
  }

  let offsite: OffsiteIdentity | undefined;
  if (config.offsite) {
    const access = offsiteAccess(config, config.offsite);
    const restic = await openResticRepository({
      repository: access.repository, password: access.password, env: access.env,
      ...(access.cacert === undefined ? {} : { cacert: access.cacert }),
    });
    let repositoryId: string;
    let created = false;
    // the repository as output and the status file may hold it: no password from its URL
    const shown = redactRepository(access.repository);
    const sameRepository = (recorded: string): boolean => recorded === shown || recorded === access.repository;
    try {
      repositoryId = await restic.repositoryId();
      say(`offsite: opened the existing repository ${shown} (id ${repositoryId.slice(0, 8)})`);
    } catch (error) {
      if (!(error instanceof DrkitError) || error.code !== 'E_RESTIC_REPO_MISSING') throw error;
      ({ repositoryId } = await restic.init());
      created = true;
      say(`offsite: created the repository ${shown} (id ${repositoryId.slice(0, 8)})`);
    }
    // the config file's fingerprint, so each backup checks the id without opening the repository (issue 11)
    const { rememberRepository } = await import('../adapters/restic/identity.js');
    const { drkitCacheDir, knownRepositoryFile } = await import('../adapters/restic/known.js');
    await rememberRepository(restic, knownRepositoryFile(drkitCacheDir(dir), repositoryId), created);
    if (previous.offsite !== undefined && sameRepository(previous.offsite.repository) && previous.offsite.repositoryId !== repositoryId) {
      io.note(`note: ${shown} now holds repository ${repositoryId.slice(0, 8)}, not ${previous.offsite.repositoryId.slice(0, 8)} recorded before`);
    }
    offsite = { repositoryId, repository: shown, initializedAt: now };
    summary.offsite = { repository: shown, repositoryId, created };
  }

  await updateState(dir, (state) => {
    if (onsite) state.onsite = previous.onsite?.markerId === onsite.markerId && previous.onsite.target === onsite.target ? previous.onsite : onsite;
    if (offsite) state.offsite = previous.offsite?.repositoryId === offsite.repositoryId && previous.offsite.repository === offsite.repository ? previous.offsite : offsite;
  });
  if (io.jsonMode) io.json(summary);
  else io.out(`recorded in ${statusFile(dir)}; next: drkit backup --config ${configPath}`);
  return ExitCode.ok;
}

/**
 * `drkit init --yes`: provisions what the config describes, without a terminal (the interactive wizard of a later
 * issue ends in this same step):
 * 1. validates the config (every mistake with its line) and the secrets file's permissions;
 * 2. onsite: writes the target's identity marker (a fresh UUID), or keeps the marker already there (re-running
 *    init, or adopting a disk drkit wrote before), and records the UUID in the status file;
 * 3. offsite: opens the restic repository (`cat config`), or creates it when there is none, and records its id.
 *    A wrong password is a typed error with a hint; the repository is never re-created over an existing one.
 * Running it again is safe: it changes nothing that is already set up.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { CommandIO } from '../ui/io.js';
import { DrkitError, ExitCode, UserError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { defaultConfigPath, stateDir } from '../config/paths.js';
import { offsiteAccess } from '../config/offsite.js';
import { readState, updateState, type OffsiteIdentity, type OnsiteIdentity } from '../adapters/state.js';
import { readSecretsFile } from '../adapters/secrets.js';
import { readTargetMarker, writeTargetMarker } from '../adapters/onsite-target.js';
import { openResticRepository } from '../adapters/restic/index.js';
import { redactRepository } from '../core/redact.js';

export interface InitOptions {
  config?: string;
  yes?: boolean;
  json?: boolean;
}

export async function run(options: InitOptions, io: CommandIO): Promise<number> {
  if (!options.yes) {
    throw new UserError('E_USAGE', 'the interactive setup is not available yet: run drkit init --yes with a config file', {
      hints: ['write the config (see docs/config.md), then run: drkit init --config PATH --yes'],
    });
  }
  const configPath = resolve(options.config ?? defaultConfigPath());
  const config = loadConfig(configPath);
  if (config.secrets !== undefined) readSecretsFile(config.secrets);
  const dir = stateDir();
  const previous = readState(dir);
  const now = new Date().toISOString();
  const say = (line: string): void => { if (!io.jsonMode) io.out(line); };
  const summary: Record<string, unknown> = { message_type: 'init', config: configPath };

  let onsite: OnsiteIdentity | undefined;
  if (config.onsite) {
    const ssh = config.onsite.ssh ?? {};
    const existing = await readTargetMarker(config.onsite.target, ssh);
    let created = false;
    let markerId: string;
    if (existing !== null && existing !== '') {
      markerId = existing;
      const known = previous.onsite?.markerId === existing;
      say(known ? `onsite: target ${config.onsite.target} already set up (marker ${markerId})` : `onsite: adopted the existing marker ${markerId} of ${config.onsite.target}`);
    } else {
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
  else io.out(`recorded in ${dir}/status.json; next: drkit backup --config ${configPath}`);
  return ExitCode.ok;
}

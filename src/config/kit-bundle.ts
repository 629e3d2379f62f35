/**
 * The kit's bundle built from the setup itself (`kit create --config`), so no credential is ever copied by hand:
 * the offsite repository, its password (secrets file, password file or `offsite.passwordCommand`, read as
 * restic reads them: surrounding white space trimmed), the backend's variables from the secrets file, the
 * repository id recorded at `drkit init`, the onsite target's description and the `kit:` section (owner, notes).
 * The bundle stays in memory: no plaintext file is written. The same assembly gives `drkit status` the current
 * fingerprint, so "kit outdated" compares like with like.
 */
import { readFileSync } from 'node:fs';
import { validateBundleInput, type BundleInput } from '../core/bundle.js';
import { kitFingerprint } from '../core/kit-fingerprint.js';
import type { CurrentCredentials } from '../core/kit-record.js';
import { DrkitError, ToolError, UserError } from '../errors.js';
import { fingerprintKeyFile, readFingerprintKey } from '../adapters/kit-store.js';
import type { StateData } from '../adapters/state.js';
import { offsiteAccess } from './offsite.js';
import type { Config } from './types.js';

export interface ConfigBundle {
  bundle: BundleInput;
  /** the CA file restic needs for the repository (offsite.cacert): not part of the bundle, see docs/config.md */
  cacert?: string;
  /** the id recorded at `drkit init` for this repository, when there is one */
  recordedRepositoryId?: string;
  /** every secret value, to keep out of messages */
  secretValues: string[];
}

/** Runs offsite.passwordCommand as restic would and returns what it printed, trimmed. */
async function passwordFromCommand(command: string): Promise<string> {
  // loaded here: `drkit status` compares the kit's fingerprint on every run, and a secrets file needs no program
  const { runProgram } = await import('../adapters/exec.js');
  const result = await runProgram('sh', ['-c', command], { collectStdout: true });
  if (result.exitStatus !== 0) {
    // stderr is not shown: a password manager may echo what it was asked for
    throw new ToolError('E_PASSWORD_COMMAND', `offsite.passwordCommand failed (exit ${String(result.exitStatus ?? result.signal)}): no password for the kit`, {
      program: 'sh', exitStatus: result.exitStatus, signal: result.signal,
      hints: ['run the command yourself to see why it fails (it may need an unlocked keyring)'],
    });
  }
  return result.stdout.trim();
}

function passwordFromFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UserError('E_NO_PASSWORD', `cannot read the password file ${file} (RESTIC_PASSWORD_FILE in the secrets): ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The onsite copy as a restorer reads it, unless `kit.onsite` says it in the owner's words. */
function onsiteDescription(config: Config): string | undefined {
  if (config.kit?.onsite !== undefined) return config.kit.onsite;
  if (config.onsite === undefined) return undefined;
  return `rsync snapshots (plain folders) on ${config.onsite.target}: ${config.host}/latest is the newest, each source under its full path`;
}

/** Builds the bundle from `config` and its secrets; throws a UserError naming the key to set when something is missing. */
export async function bundleFromConfig(config: Config, state: StateData): Promise<ConfigBundle> {
  const offsite = config.offsite;
  if (offsite === undefined) {
    throw new UserError('E_KIT_NO_OFFSITE', `${config.file}: the kit opens the offsite repository, and no offsite job is configured`, {
      hints: ['add an offsite section (see docs/config.md), or build the bundle by hand and pass --bundle FILE'],
    });
  }
  const owner = config.kit?.owner;
  if (owner === undefined) {
    throw new UserError('E_KIT_NO_OWNER', `${config.file}: kit.owner is not set: the kit names its owner on every sheet`, {
      hints: ['add to the config:\n  kit:\n    owner: Ann Example'],
    });
  }
  const access = offsiteAccess(config, offsite);
  const password = 'value' in access.password ? access.password.value
    : 'file' in access.password ? passwordFromFile(access.password.file)
      : await passwordFromCommand(access.password.command);
  if (password === '') throw new UserError('E_NO_PASSWORD', 'the repository password is empty: restic refuses empty passwords', { hints: ['check RESTIC_PASSWORD in the secrets file, or offsite.passwordCommand'] });
  // only the backend's variables travel: RESTIC_REPOSITORY/RESTIC_PASSWORD* are set from repository and password
  const env = Object.fromEntries(Object.entries(access.env).filter(([name]) => !/^RESTIC_(REPOSITORY|PASSWORD)/.test(name)));
  const recorded = state.offsite !== undefined && state.offsite.repository === offsite.repository ? state.offsite.repositoryId : undefined;
  const onsite = onsiteDescription(config);
  let bundle: BundleInput;
  try {
    bundle = validateBundleInput({
      owner, repository: access.repository, resticPassword: password, env,
      ...(recorded === undefined ? {} : { repositoryId: recorded }),
      ...(onsite === undefined ? {} : { onsite }),
      ...(config.kit?.notes === undefined ? {} : { notes: config.kit.notes }),
    });
  } catch (error) {
    // the bundle's field names mean nothing to someone who wrote a config: say where the value came from
    if (error instanceof DrkitError) {
      const field = typeof error.details.field === 'string' ? error.details.field : '';
      const origin = field.startsWith('env.') ? `${field.slice(4)} in the secrets file` : field === 'resticPassword' ? 'the repository password' : field === 'repository' ? 'offsite.repository' : `kit.${field}`;
      throw new UserError('E_KIT_CONFIG', `${origin}: ${error.message.replace(/^bundle field "[^"]*": /, '')}`, { hints: [...error.hints], details: { field } });
    }
    throw error;
  }
  return {
    bundle,
    ...(access.cacert === undefined ? {} : { cacert: access.cacert }),
    ...(recorded === undefined ? {} : { recordedRepositoryId: recorded }),
    secretValues: [...access.secretValues, password],
  };
}

/** The fingerprint the setup would give a kit now, for `drkit status`; never throws. */
export async function currentKitCredentials(config: Config, state: StateData, stateDir: string): Promise<CurrentCredentials> {
  const key = readFingerprintKey(fingerprintKeyFile(config.secrets, stateDir));
  if (key === null) return { unknown: 'the fingerprint key is missing (it is made by kit create --config)' };
  try {
    const { bundle } = await bundleFromConfig(config, state);
    return { fingerprint: kitFingerprint(bundle, key) };
  } catch (error) {
    return { unknown: error instanceof DrkitError ? error.message : String(error) };
  }
}

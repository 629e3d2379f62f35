/**
 * How the offsite job reaches its repository: the config's repository plus the password and backend variables
 * from the secrets file or the config's passwordCommand. The result goes to the restic adapter, which hands the
 * password to restic through a 0600 file or RESTIC_PASSWORD_COMMAND, never argv.
 */
import { UserError } from '../errors.js';
import { readSecretsFile, secretValues, type Secrets } from '../adapters/secrets.js';
import type { Config, OffsiteConfig } from './types.js';

export interface OffsiteAccess {
  repository: string;
  password: { value: string } | { command: string } | { file: string };
  /** backend variables (AWS_*, B2_*, …) for restic's environment */
  env: Record<string, string>;
  cacert?: string;
  /** every secret value, to scrub from anything drkit keeps or prints */
  secretValues: string[];
}

/** Reads the secrets (checking the file's permissions) and assembles the repository access. */
export function offsiteAccess(config: Config, offsite: OffsiteConfig): OffsiteAccess {
  const secrets: Secrets = config.secrets === undefined ? {} : readSecretsFile(config.secrets);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(secrets)) {
    // restic's own password variables are replaced by the adapter's file; everything else is backend config
    if (!/^RESTIC_PASSWORD/.test(key)) env[key] = value;
  }
  let password: OffsiteAccess['password'];
  if (offsite.passwordCommand !== undefined) {
    password = { command: offsite.passwordCommand };
  } else if (secrets.RESTIC_PASSWORD !== undefined && secrets.RESTIC_PASSWORD !== '') {
    password = { value: secrets.RESTIC_PASSWORD };
  } else if (secrets.RESTIC_PASSWORD_FILE !== undefined && secrets.RESTIC_PASSWORD_FILE !== '') {
    password = { file: secrets.RESTIC_PASSWORD_FILE };
  } else {
    throw new UserError('E_NO_PASSWORD', config.secrets === undefined
      ? `${config.file}: the offsite repository needs a password, and neither secrets nor offsite.passwordCommand is set`
      : `secrets file ${config.secrets} has no RESTIC_PASSWORD, and offsite.passwordCommand is not set`, {
      hints: ['add RESTIC_PASSWORD=… to the secrets file (mode 0600), or set offsite.passwordCommand to a command that prints it'],
    });
  }
  return {
    repository: offsite.repository,
    password,
    env,
    ...(offsite.cacert === undefined ? {} : { cacert: offsite.cacert }),
    secretValues: secretValues(secrets),
  };
}

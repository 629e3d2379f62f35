/**
 * The secrets file: `KEY=value` lines (RESTIC_PASSWORD and the backend's variables such as AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, B2_ACCOUNT_ID, B2_ACCOUNT_KEY). Rules:
 * - the file must be a regular file owned by the user with mode 0600 (or stricter) in a folder of mode 0700,
 *   otherwise it is refused with the file named and the `chmod` that fixes it;
 * - a value never appears in an error message: a malformed line is named by its number only;
 * - values are handed on in memory (to restic's environment or a 0600 password file) and never put in argv.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';

export type Secrets = Readonly<Record<string, string>>;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function statOrThrow(path: string, what: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError('E_SECRETS_MISSING', code === 'ENOENT' ? `${what} ${path} does not exist` : `cannot read ${what} ${path}: ${code ?? String(error)}`, {
      hints: code === 'ENOENT'
        ? [`create it with: install -d -m 700 ${dirname(path)} && install -m 600 /dev/null ${path}, then add RESTIC_PASSWORD=… to it`]
        : [],
    });
  }
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

/** Checks the permissions of the secrets file and its folder; throws a UserError naming the fix. */
export function checkSecretsPermissions(file: string): void {
  const stats = statOrThrow(file, 'secrets file');
  if (!stats.isFile()) throw new UserError('E_SECRETS_NOT_FILE', `secrets file ${file} is not a regular file`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new UserError('E_SECRETS_OWNER', `secrets file ${file} belongs to another user (uid ${stats.uid})`, {
      hints: [`make it yours: chown ${uid} ${file}`],
    });
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new UserError('E_SECRETS_MODE', `secrets file ${file} can be read by others (mode ${octal(stats.mode)}): it must be 0600`, {
      hints: [`chmod 600 ${file}`],
    });
  }
  const folder = dirname(file);
  const folderStats = statOrThrow(folder, 'folder');
  if ((folderStats.mode & 0o077) !== 0) {
    throw new UserError('E_SECRETS_MODE', `folder ${folder} of secrets file ${file} is open to others (mode ${octal(folderStats.mode)}): it must be 0700`, {
      hints: [`chmod 700 ${folder}`],
    });
  }
}

/** Parses `KEY=value` lines: `#` comments, blank lines, an optional `export ` and quotes around the value. */
export function parseSecrets(text: string, file: string): Secrets {
  const secrets: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([^=\s]+)\s*=(.*)$/.exec(line);
    const key = match?.[1];
    if (match === null || key === undefined || !KEY.test(key)) {
      // the line is not echoed: it may hold a secret
      throw new UserError('E_SECRETS_SYNTAX', `${file}:${index + 1}: not a KEY=value line`, { hints: ['write one KEY=value per line, e.g. RESTIC_PASSWORD=…'] });
    }
    let value = (match[2] ?? '').trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    if (key in secrets) throw new UserError('E_SECRETS_SYNTAX', `${file}:${index + 1}: ${key} is set twice`);
    secrets[key] = value;
  }
  return secrets;
}

/** Reads the secrets file after checking its permissions. */
export function readSecretsFile(file: string): Secrets {
  checkSecretsPermissions(file);
  return parseSecrets(readFileSync(file, 'utf8'), file);
}

/** Every secret value worth hiding: 8 characters or more, so that scrubbing never mangles ordinary words ("wrong password"). */
export function secretValues(secrets: Secrets): string[] {
  return Object.values(secrets).filter((value) => value.length >= 8);
}

/**
 * The bundle: the credentials a restorer needs (docs/format.md §6). Input is JSON; inside the envelope it is a
 * POSIX shell file, so the printed guide loads it with `set -a; . ./bundle.env; set +a` and restic finds
 * everything it needs in its environment.
 */
import { UserError } from '../errors.js';
import { controlCharacter } from './custodians.js';
import { redactRepository } from './redact.js';

export interface BundleInput {
  owner: string;
  repository: string;
  resticPassword: string;
  env: Record<string, string>;
  repositoryId?: string;
  onsite?: string;
  notes?: string;
}

/** A bundle as recovered from an envelope, with the kit id and date it was sealed under. */
export interface Bundle extends BundleInput {
  kitId: string;
  createdOn: string;
}

/** What may be printed about a bundle: no password, no env values. */
export interface BundleSummary {
  owner: string;
  repository: string;
  repositoryKind: string;
  envNames: string[];
  repositoryId?: string;
  onsite?: string;
}

const FIELDS = ['owner', 'repository', 'resticPassword', 'env', 'repositoryId', 'onsite', 'notes'] as const;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const RESERVED_ENV = /^RESTIC_(REPOSITORY|PASSWORD)(_.*)?$/;

function bundleError(field: string, rule: string, hint?: string): UserError {
  return new UserError('E_BUNDLE', `bundle field "${field}": ${rule}`, { hints: hint ? [hint] : [], details: { field } });
}

/** Validates the JSON input of `kit create --bundle` field by field; the first broken rule is reported. */
export function validateBundleInput(value: unknown): BundleInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError('E_BUNDLE', 'bundle must be a JSON object', { hints: ['see docs/format.md §6 for the fields'] });
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw bundleError(key, 'is not a known field', `the fields are: ${FIELDS.join(', ')}`);
    }
  }
  // a shell variable cannot hold NUL, and other control characters do not survive being typed or printed
  const noControl = (field: string, v: string, allowLineBreaks: boolean): void => {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this rule looks for
    const bad = allowLineBreaks ? /[\u0000-\u0009\u000b-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
    if (bad.test(v)) throw bundleError(field, allowLineBreaks ? 'must not contain control characters (line breaks are fine)' : 'must be one line without control characters');
  };
  const requireString = (field: string, max = 4096): string => {
    const v = record[field];
    if (v === undefined) throw bundleError(field, 'is missing');
    if (typeof v !== 'string') throw bundleError(field, `must be a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
    if (v.trim() === '') throw bundleError(field, 'must not be empty');
    if (v.length > max) throw bundleError(field, `must be at most ${max} characters`);
    noControl(field, v, false);
    return v;
  };
  const optionalString = (field: string): string | undefined => {
    const v = record[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw bundleError(field, `must be a string, got ${typeof v}`);
    noControl(field, v, true);
    return v === '' ? undefined : v;
  };
  const owner = requireString('owner', 200);
  // printed on every sheet like the custodians' names: their rule (no C1 control, no line or paragraph separator either)
  const ownerBad = controlCharacter(owner);
  if (ownerBad !== null) throw bundleError('owner', `contains the control character ${ownerBad}`, 'the owner\'s name is printed on every sheet: use plain text on one line');
  const repository = requireString('repository');
  const resticPassword = requireString('resticPassword');
  const rawEnv = record['env'];
  if (rawEnv === undefined) throw bundleError('env', 'is missing', 'use {} when the backend needs no variables');
  if (typeof rawEnv !== 'object' || rawEnv === null || Array.isArray(rawEnv)) throw bundleError('env', 'must be an object of variable name to value');
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(rawEnv as Record<string, unknown>)) {
    if (!ENV_NAME.test(name)) throw bundleError(`env.${name}`, 'is not a valid variable name (A-Z, 0-9 and _, not starting with a digit)');
    if (RESERVED_ENV.test(name)) throw bundleError(`env.${name}`, 'is set by drkit from repository and resticPassword', 'remove it from env');
    if (typeof v !== 'string') throw bundleError(`env.${name}`, `must be a string, got ${typeof v}`);
    noControl(`env.${name}`, v, false);
    env[name] = v;
  }
  let repositoryId = optionalString('repositoryId');
  if (repositoryId !== undefined) {
    if (!/^[0-9a-fA-F]{8,64}$/.test(repositoryId)) throw bundleError('repositoryId', 'must be restic\'s repository id: 8 to 64 hex digits', 'run `restic cat config` to see it');
    repositoryId = shortRepositoryId(repositoryId);
  }
  const onsite = optionalString('onsite');
  const notes = optionalString('notes');
  return {
    owner, repository, resticPassword, env,
    ...(repositoryId === undefined ? {} : { repositoryId }),
    ...(onsite === undefined ? {} : { onsite }),
    ...(notes === undefined ? {} : { notes }),
  };
}

/** restic's backend name for a repository URL ("s3", "b2", "rest", "sftp", "rclone", "azure", "gs", "swift", "local"). */
export function repositoryKind(repository: string): string {
  const match = /^([a-z0-9]+):/.exec(repository);
  if (match && match[1] !== undefined && ['s3', 'b2', 'rest', 'sftp', 'rclone', 'azure', 'gs', 'swift'].includes(match[1])) return match[1];
  return 'local';
}

/** What may be printed about a bundle; the repository URL without any password in it. */
export function summarizeBundle(input: BundleInput): BundleSummary {
  return {
    owner: input.owner,
    repository: redactRepository(input.repository),
    repositoryKind: repositoryKind(input.repository),
    envNames: Object.keys(input.env),
    ...(input.repositoryId === undefined ? {} : { repositoryId: input.repositoryId }),
    ...(input.onsite === undefined ? {} : { onsite: input.onsite }),
  };
}

/**
 * The repository id as the kit keeps it: its first 8 hex digits, lowercase — restic's short form, what `restic
 * snapshots` and `restic cat config` show first (docs/format.md §6). One rule for the validator, the bundle text
 * and the printed guide.
 */
export function shortRepositoryId(id: string): string {
  return id.slice(0, 8).toLowerCase();
}

const BARE_VALUE = /^[A-Za-z0-9_./:@%+,=-]+$/;

/** A shell word: bare when safe, single-quoted otherwise. */
export function shellQuote(value: string): string {
  if (BARE_VALUE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function escapeComment(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
}

function unescapeComment(value: string): string {
  return value.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The bundle text: the plaintext inside the envelope (docs/format.md §6). */
export function formatBundleText(input: BundleInput, kitId: string, createdOn: string): string {
  const lines = [`# drkit 1 kit ${kitId} ${createdOn}`, `# owner: ${escapeComment(input.owner)}`];
  if (input.repositoryId !== undefined) lines.push(`# repository-id: ${shortRepositoryId(input.repositoryId)}`);
  if (input.onsite !== undefined) lines.push(`# onsite: ${escapeComment(input.onsite)}`);
  if (input.notes !== undefined) lines.push(`# notes: ${escapeComment(input.notes)}`);
  lines.push(`RESTIC_REPOSITORY=${shellQuote(input.repository)}`, `RESTIC_PASSWORD=${shellQuote(input.resticPassword)}`);
  for (const [name, value] of Object.entries(input.env)) lines.push(`${name}=${shellQuote(value)}`);
  return `${lines.join('\n')}\n`;
}

function unquoteShell(word: string): string {
  if (!word.startsWith("'")) return word;
  // 'abc'\''def' → abc'def
  return word.split(`'\\''`).map((part) => part.replace(/^'|'$/g, '')).join("'");
}

/** Reads a bundle text back (the inverse of formatBundleText). */
export function parseBundleText(text: string): Bundle {
  const fail = (rule: string): UserError => new UserError('E_BUNDLE_TEXT', `decrypted bundle: ${rule}`, { hints: ['the envelope decrypted but does not hold a drkit bundle; check you used this kit\'s envelope'] });
  // [^\n] rather than ".": a value may hold U+2028 or U+2029, which JavaScript's "." and "$" treat as line ends
  const lines = text.split('\n').filter((line) => line !== '');
  const head = /^# drkit 1 kit ([0-9A-Z]{8}) ([0-9]{4}-[0-9]{2}-[0-9]{2})$/.exec(lines[0] ?? '');
  if (!head) throw fail('first line is not "# drkit 1 kit …"');
  const meta = new Map<string, string>();
  const vars = new Map<string, string>();
  for (const [index, line] of lines.slice(1).entries()) {
    const comment = /^# ([a-z-]+): ([^\n]*)$/.exec(line);
    if (comment) { meta.set(comment[1] ?? '', unescapeComment(comment[2] ?? '')); continue; }
    const assignment = /^([A-Z_][A-Z0-9_]*)=([^\n]*)$/.exec(line);
    // the line may hold a password: never echo it
    if (!assignment) throw fail(`line ${index + 2} is neither a comment nor an assignment`);
    vars.set(assignment[1] ?? '', unquoteShell(assignment[2] ?? ''));
  }
  const repository = vars.get('RESTIC_REPOSITORY');
  const resticPassword = vars.get('RESTIC_PASSWORD');
  if (repository === undefined || resticPassword === undefined) throw fail('RESTIC_REPOSITORY or RESTIC_PASSWORD is missing');
  const env: Record<string, string> = {};
  for (const [name, value] of vars) if (name !== 'RESTIC_REPOSITORY' && name !== 'RESTIC_PASSWORD') env[name] = value;
  const optional = (key: string, field: 'repositoryId' | 'onsite' | 'notes') => (meta.has(key) ? { [field]: meta.get(key) } : {});
  return {
    kitId: head[1] ?? '', createdOn: head[2] ?? '',
    owner: meta.get('owner') ?? '', repository, resticPassword, env,
    ...optional('repository-id', 'repositoryId'), ...optional('onsite', 'onsite'), ...optional('notes', 'notes'),
  };
}

/**
 * The wizard's answers outside the terminal, and what it writes. Pure (text in, text out):
 * - the answers file (docs/wizard.md): the same names as the draft, YAML; secrets may be in it only when the file
 *   is private (the caller checks the mode), or come from DRKIT_* environment variables;
 * - the flags: kebab-case names of the same answers (secrets have none: argv is visible to every user);
 * - the draft read back from an existing config and secrets file, so editing starts from what is there;
 * - the config text: the existing YAML document with the wizard's keys set and every other key and comment kept,
 *   validated by the config loader before anything is written;
 * - the secrets text: existing variables kept, the wizard's set;
 * - the record the wizard keeps beside the config (answers.yaml: no secrets), which is also a valid answers file.
 */
import { isMap, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { credentialVariables, offsiteAnswersOf } from './derive.js';
import { parseCustodianList } from '../core/custodians.js';
import { SECRET_KEYS, type Draft } from './types.js';
import { secretEnvName } from './run.js';

const custodian = z.strictObject({ name: z.string().trim().min(1, { error: 'must be a name' }), contact: z.string().trim().optional() }, { error: 'must be a map with name and contact' });
const list = z.array(z.string().trim().min(1, { error: 'must not be empty' }), { error: 'must be a list' });
const word = z.string().trim();

/** What to do after the files are written and the setup provisioned. */
export const FOLLOW_UPS = ['schedule', 'backup', 'kit', 'drill'] as const;
export type FollowUp = (typeof FOLLOW_UPS)[number];

const answersSchema = z.strictObject({
  sources: list.optional(),
  exclude: z.array(z.string().trim().min(1), { error: 'must be a list' }).optional(),
  onsite: z.enum(['folder', 'ssh', 'none'], { error: 'must be folder, ssh or none' }).optional(),
  onsiteTarget: word.optional(),
  offsite: z.enum(['b2-s3', 'b2', 's3', 'url', 'none'], { error: 'must be b2-s3, b2, s3, url or none' }).optional(),
  b2Region: word.optional(),
  bucket: word.optional(),
  bucketPath: z.string().trim().optional(),
  s3Endpoint: word.optional(),
  repositoryUrl: word.optional(),
  keyId: word.optional(),
  secretKey: word.optional(),
  passwordMode: z.enum(['generate', 'existing', 'keep'], { error: 'must be generate, existing or keep' }).optional(),
  password: z.string().optional(),
  onsiteSchedule: word.optional(),
  offsiteSchedule: word.optional(),
  drillSchedule: z.enum(['monthly', 'none'], { error: 'must be monthly or none' }).optional(),
  custodians: z.array(custodian, { error: 'must be a list of { name, contact }' }).optional(),
  threshold: z.union([z.number().int(), word], { error: 'must be a whole number' }).optional(),
  owner: word.optional(),
  onsiteDescription: z.string().trim().optional(),
  then: z.array(z.enum(FOLLOW_UPS, { error: `must be among ${FOLLOW_UPS.join(', ')}` }), { error: 'must be a list' }).optional(),
  kitOut: word.optional(),
}, { error: 'must be a map of answers (see docs/wizard.md)' });

export interface AnswersFile {
  draft: Draft;
  then: FollowUp[];
  kitOut?: string;
  /** true when the file itself holds a secret answer (it must then be private) */
  holdsSecrets: boolean;
}

/** Parses an answers file; every mistake named with its key. */
export function parseAnswers(text: string, file: string): AnswersFile {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new UserError('E_ANSWERS', `answers file ${file} is not valid YAML: ${(doc.errors[0]?.message ?? '').split('\n')[0] ?? ''}`, { hints: ['see docs/wizard.md for its keys'] });
  }
  const result = answersSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : `${path === '' ? '' : `${path}: `}${issue.message}`;
    });
    throw new UserError('E_ANSWERS', `answers file ${file}: ${lines.join('; ')}`, { hints: ['every key is described in docs/wizard.md'] });
  }
  const { then, kitOut, threshold, ...rest } = result.data;
  const draft: Draft = { ...rest, ...(threshold === undefined ? {} : { threshold: String(threshold) }) };
  for (const key of Object.keys(draft) as (keyof Draft)[]) if (draft[key] === undefined) delete draft[key];
  return {
    draft, then: then ?? [], ...(kitOut === undefined ? {} : { kitOut }),
    holdsSecrets: SECRET_KEYS.some((key) => draft[key] !== undefined),
  };
}

/** Secret answers from DRKIT_KEY_ID, DRKIT_SECRET_KEY and DRKIT_PASSWORD. */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): Draft {
  const draft: Draft = {};
  for (const key of SECRET_KEYS) {
    const value = env[secretEnvName(key)];
    if (value !== undefined && value !== '') draft[key] = value;
  }
  return draft;
}

/** The flags of `drkit init`, as commander hands them over (camel case), to a draft. */
export interface WizardFlags {
  source?: string[];
  exclude?: string[];
  onsite?: string;
  onsiteTarget?: string;
  offsite?: string;
  b2Region?: string;
  bucket?: string;
  bucketPath?: string;
  s3Endpoint?: string;
  repository?: string;
  passwordMode?: string;
  onsiteSchedule?: string;
  offsiteSchedule?: string;
  drillSchedule?: string;
  /** as kit create takes them: "Ann Smith <ann@example.org, +44 …>,Ben Jones" */
  custodians?: string;
  threshold?: string;
  owner?: string;
  onsiteDescription?: string;
}


export function draftFromFlags(flags: WizardFlags): Draft {
  const draft: Record<string, unknown> = {
    sources: flags.source, exclude: flags.exclude, onsite: flags.onsite, onsiteTarget: flags.onsiteTarget, offsite: flags.offsite,
    b2Region: flags.b2Region, bucket: flags.bucket, bucketPath: flags.bucketPath, s3Endpoint: flags.s3Endpoint, repositoryUrl: flags.repository,
    passwordMode: flags.passwordMode, onsiteSchedule: flags.onsiteSchedule, offsiteSchedule: flags.offsiteSchedule, drillSchedule: flags.drillSchedule,
    custodians: flags.custodians === undefined ? undefined : parseCustodianList(flags.custodians), threshold: flags.threshold,
    owner: flags.owner, onsiteDescription: flags.onsiteDescription,
  };
  for (const key of Object.keys(draft)) if (draft[key] === undefined) delete draft[key];
  return draft;
}

/** True when any wizard flag was given (then `init --yes` runs the wizard without a terminal, not the config-only path). */
export function anyWizardFlag(flags: WizardFlags): boolean {
  return Object.keys(draftFromFlags(flags)).length > 0;
}

interface RawSetup {
  sources?: unknown;
  exclude?: unknown;
  secrets?: unknown;
  onsite?: { target?: unknown; schedule?: unknown };
  offsite?: { repository?: unknown; schedule?: unknown };
  drill?: { schedule?: unknown };
  kit?: { owner?: unknown; onsite?: unknown };
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asStrings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);

/**
 * The draft an existing setup stands for: the config's raw values (paths as written), the secrets file's values,
 * and the wizard's own record (custodians, threshold, drill schedule) when there is one.
 */
export function draftFromSetup(configText: string, secrets: Readonly<Record<string, string>>, record: Draft | null): Draft {
  const raw = (parseDocument(configText).toJS() ?? {}) as RawSetup;
  const draft: Draft = { ...(record ?? {}) };
  for (const key of SECRET_KEYS) delete draft[key];
  const sources = asStrings(raw.sources);
  if (sources !== undefined) draft.sources = sources;
  draft.exclude = asStrings(raw.exclude) ?? [];
  const target = asString(raw.onsite?.target);
  if (target === undefined) draft.onsite = 'none';
  else {
    const remote = !/^[/~.]/.test(target) && target.includes(':');
    draft.onsite = remote ? 'ssh' : 'folder';
    draft.onsiteTarget = target;
    draft.onsiteSchedule = asString(raw.onsite?.schedule) ?? 'hourly';
  }
  const repository = asString(raw.offsite?.repository);
  if (repository === undefined) draft.offsite = 'none';
  else {
    Object.assign(draft, offsiteAnswersOf(repository));
    draft.offsiteSchedule = asString(raw.offsite?.schedule) ?? 'daily at 03:00';
    const names = credentialVariables(draft.offsite);
    if (names !== null) {
      if (secrets[names.id] !== undefined) draft.keyId = secrets[names.id];
      if (secrets[names.secret] !== undefined) draft.secretKey = secrets[names.secret];
    }
    if (secrets.RESTIC_PASSWORD !== undefined && secrets.RESTIC_PASSWORD !== '') draft.password = secrets.RESTIC_PASSWORD;
  }
  const owner = asString(raw.kit?.owner);
  if (owner !== undefined) draft.owner = owner;
  const onsiteDescription = asString(raw.kit?.onsite);
  if (onsiteDescription !== undefined) draft.onsiteDescription = onsiteDescription;
  const drill = asString(raw.drill?.schedule);
  if (drill === 'monthly' || drill === 'none') draft.drillSchedule = drill;
  return draft;
}

export interface ConfigPlan {
  /** the config file's new text */
  text: string;
  /** keys that were in the config and are removed by these answers, for the summary */
  removed: string[];
}

/**
 * The config text for `draft`: `existingText` (when editing) with the wizard's keys set and everything else kept
 * as it was, comments included. `secretsPath` is written as given (relative to the config's folder or absolute).
 */
export function configText(draft: Draft, repository: string | undefined, secretsPath: string | undefined, existingText: string | null, drillSupported: boolean, drillKit?: string): ConfigPlan {
  const doc = parseDocument(existingText ?? '');
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  const removed: string[] = [];
  const set = (path: string[], value: unknown): void => { doc.setIn(path, value); };
  const remove = (path: string[]): void => {
    if (doc.hasIn(path)) { removed.push(path.join('.')); doc.deleteIn(path); }
  };
  set(['sources'], draft.sources ?? []);
  if ((draft.exclude ?? []).length > 0) set(['exclude'], draft.exclude);
  else remove(['exclude']);
  if (draft.onsite === 'folder' || draft.onsite === 'ssh') {
    set(['onsite', 'target'], draft.onsiteTarget);
    set(['onsite', 'schedule'], draft.onsiteSchedule ?? 'hourly');
  } else {
    remove(['onsite']);
  }
  if (repository !== undefined) {
    if (secretsPath !== undefined) set(['secrets'], secretsPath);
    set(['offsite', 'repository'], repository);
    set(['offsite', 'schedule'], draft.offsiteSchedule ?? 'daily at 03:00');
    if (drillSupported && draft.drillSchedule !== undefined) set(['drill', 'schedule'], draft.drillSchedule);
    // the monthly drill runs on the kit copy kit create --config keeps (its stable path); an owner's own drill.kit stays
    if (drillSupported && drillKit !== undefined) {
      const current = doc.getIn(['drill', 'kit']);
      if (draft.drillSchedule === 'monthly' && current === undefined) set(['drill', 'kit'], drillKit);
      if (draft.drillSchedule === 'none' && current === drillKit) remove(['drill', 'kit']);
    }
    // what kit create --config prints besides the credentials
    if (draft.owner !== undefined) set(['kit', 'owner'], draft.owner);
    if (draft.onsiteDescription !== undefined && draft.onsiteDescription !== '' && draft.onsite !== 'none') set(['kit', 'onsite'], draft.onsiteDescription);
    else remove(['kit', 'onsite']);
  } else {
    remove(['offsite']);
  }
  const header = existingText === null ? '# drkit configuration, written by drkit init (every key: docs/config.md)\n' : '';
  return { text: header + doc.toString({ lineWidth: 0 }), removed };
}

export interface SecretsPlan {
  text: string;
  /** variables kept from the old file that these answers do not use (never dropped silently) */
  keptUnused: string[];
  /** true when a credential or the password changed: the printed kit no longer matches */
  credentialsChanged: boolean;
}

/** The secrets file's text: the old lines' variables kept, the wizard's set (RESTIC_PASSWORD and the backend's pair). */
export function secretsText(draft: Draft, existing: Readonly<Record<string, string>>): SecretsPlan {
  const values: Record<string, string> = { ...existing };
  const names = credentialVariables(draft.offsite);
  const ours = new Set(['RESTIC_PASSWORD']);
  if (draft.password !== undefined) values.RESTIC_PASSWORD = draft.password;
  if (names !== null) {
    ours.add(names.id); ours.add(names.secret);
    if (draft.keyId !== undefined) values[names.id] = draft.keyId;
    if (draft.secretKey !== undefined) values[names.secret] = draft.secretKey;
  }
  const credentialsChanged = Object.keys(existing).length > 0 && [...ours].some((key) => existing[key] !== undefined && existing[key] !== values[key]);
  const keptUnused = Object.keys(existing).filter((key) => !ours.has(key) && !key.startsWith('RESTIC_'));
  const lines = ['# drkit secrets: mode 0600 in a 0700 folder; written by drkit init', ...Object.entries(values).map(([key, value]) => `${key}=${quoteValue(value)}`)];
  return { text: `${lines.join('\n')}\n`, keptUnused, credentialsChanged };
}

/** A value as the secrets parser reads it back unchanged: quoted when it has spaces, quotes or a leading '#'. */
function quoteValue(value: string): string {
  if (value === '' || /^[^\s"'#]+$/.test(value) && value.trim() === value) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value}"`;
}

/** The wizard's record beside the config: the answers without secrets (also a valid answers file). */
export function recordText(draft: Draft, then: readonly FollowUp[] = []): string {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(draft)) {
    if ((SECRET_KEYS as readonly string[]).includes(key) || value === undefined) continue;
    clean[key] = key === 'threshold' ? Number(value) : value;
  }
  if (draft.passwordMode === 'generate' || draft.passwordMode === 'existing') clean.passwordMode = 'keep';
  if (then.length > 0) clean.then = [...then];
  return `# drkit init's answers (no secrets); drkit init --answers THIS-FILE --yes repeats the setup\n${stringify(clean, { lineWidth: 0 })}`;
}

/** The config text with the monthly drill turned off (`drill.schedule: none`, the kit copy's `drill.kit` removed); every other key and comment kept. */
export function drillOffText(existingText: string, drillKit: string): string {
  const doc = parseDocument(existingText);
  doc.setIn(['drill', 'schedule'], 'none');
  if (doc.getIn(['drill', 'kit']) === drillKit) doc.deleteIn(['drill', 'kit']);
  return doc.toString({ lineWidth: 0 });
}

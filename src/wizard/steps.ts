/**
 * The wizard's steps as data: each question with its explanation (one or two plain sentences), its default, its
 * rule and the flag that answers it. Nothing here prompts or touches the machine: looks at paths, disks and ssh go
 * through the Probe the runner passes to `check`. The order of STEPS is the order the owner meets them; the
 * connection check, the summary and the writing are the runner's and the command's (src/wizard/run.ts,
 * src/commands/init-wizard.ts).
 */
import { isAbsolute } from 'node:path';
import { configSchema } from '../config/schema.js';
import { formatBytes } from '../ui/format.js';
import type { Step, Draft, StepContext, TextQuestion, ListQuestion, ChoiceQuestion, SecretQuestion, CustodiansQuestion, CheckResult } from './types.js';
import { PLAN_STEPS } from './steps-plan.js';

/** Left out of both backups unless the owner says otherwise: caches and trash rebuild themselves. */
export const DEFAULT_EXCLUDES = ['.cache', '*.tmp', 'node_modules', '.Trash-*', 'Thumbs.db'];

const REMOTE_TARGET = /^(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?[A-Za-z0-9][A-Za-z0-9.-]*:\S/;

/** The config schema judges a value in place, so the wizard never restates a rule the loader has. */
function schemaMessage(raw: unknown): string | null {
  const result = configSchema.safeParse(raw);
  if (result.success) return null;
  return result.error.issues[0]?.message ?? 'is not valid';
}

export const sourcesQuestion: ListQuestion = {
  kind: 'list', key: 'sources', flag: '--source', min: 1,
  message: 'folders and files to back up',
  itemMessage: 'a folder or file to back up (empty line when done)',
  explain: () => 'name each folder that holds what you could not bear to lose (documents, photos); both backups copy the same list',
  default: (_draft, context) => context.existing?.sources ?? [],
  validate: (item) => (isAbsolute(item) || item.startsWith('~') ? null : 'must be an absolute path (starting with / or ~/)'),
  check: async (item, _draft, probe): Promise<CheckResult> => {
    const found = await probe.measurePath(item);
    if (!found.exists) return { ok: false, message: `${item} does not exist` };
    const size = `${formatBytes(found.bytes)}${found.truncated ? ' or more' : ''}`;
    return { ok: true, notes: [`${item}: ${size} in ${found.files} file${found.files === 1 ? '' : 's'}${found.truncated ? ' (measuring stopped early)' : ''}`] };
  },
};

export const excludeQuestion: ListQuestion = {
  kind: 'list', key: 'exclude', flag: '--exclude', min: 0,
  message: 'patterns to leave out',
  itemMessage: 'a pattern to leave out (empty line when done)',
  explain: () => 'patterns both rsync and restic understand, such as *.tmp or .cache; caches and trash rebuild themselves and only cost space',
  default: (_draft, context) => context.existing?.exclude ?? DEFAULT_EXCLUDES,
  validate: (item) => (item.includes('\n') ? 'must be one line' : null),
};

const SOURCES: Step = {
  id: 'sources', title: 'What to back up',
  explain: 'drkit keeps two copies of these: one on a disk at home (onsite) and one encrypted in the cloud (offsite)',
  questions: [sourcesQuestion, excludeQuestion],
};

const onsiteKind: ChoiceQuestion = {
  kind: 'choice', key: 'onsite', flag: '--onsite',
  message: 'where should the onsite copy go?',
  explain: (_draft, context) => {
    const removable = context.disks.filter((disk) => disk.removable);
    return removable.length === 0
      ? 'no USB disk is mounted (under /media, /run/media or /mnt): plug one in now, or name a folder'
      : `mounted disks: ${removable.map((disk) => `${disk.mountPoint} (${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.totalBytes)})`).join('; ')}`;
  },
  choices: () => [
    { value: 'folder', name: 'a disk or folder on this machine', description: 'a USB disk\'s folder, e.g. /media/ann/backup/drkit' },
    { value: 'ssh', name: 'a NAS or server over ssh (user@host:path)', description: 'reached with your ssh key, without a password prompt' },
    { value: 'none', name: 'no onsite copy', description: 'offsite only: a restore then always comes over the network' },
  ],
  default: (_draft, context) => context.existing?.onsite ?? 'folder',
};

const sameDeviceWarning = (shared: readonly string[]): string[] => (shared.length === 0 ? []
  : [`warning: ${shared.join(', ')} ${shared.length === 1 ? 'is' : 'are'} on the same disk as the target: one broken disk would take both copies`]);

export const onsiteTargetQuestion: TextQuestion = {
  kind: 'text', key: 'onsiteTarget', flag: '--onsite-target',
  message: 'onsite target',
  when: (draft) => draft.onsite === 'folder' || draft.onsite === 'ssh',
  explain: (draft) => draft.onsite === 'ssh'
    ? 'write it as user@host:path; drkit checks it with ssh now, without a password prompt (set up an ssh key first)'
    : 'a folder on the backup disk; drkit creates it if needed and writes a marker file, so an unplugged disk is never mistaken for an empty one',
  default: (draft, context) => {
    if (context.existing?.onsiteTarget !== undefined && context.existing.onsite === draft.onsite) return context.existing.onsiteTarget;
    if (draft.onsite !== 'folder') return undefined;
    const disk = context.disks.find((candidate) => candidate.removable);
    return disk === undefined ? undefined : `${disk.mountPoint.replace(/\/$/, '')}/drkit`;
  },
  validate: (value, draft) => {
    if (draft.onsite === 'ssh') return REMOTE_TARGET.test(value) ? null : 'must be user@host:path, e.g. backup@nas.local:/volume1/drkit';
    if (!isAbsolute(value) && !value.startsWith('~')) return 'must be an absolute path (starting with / or ~/)';
    if ((draft.sources ?? []).some((source) => value === source || value.startsWith(`${source.replace(/\/$/, '')}/`))) return 'must not be inside a folder being backed up (each backup would copy the last)';
    return schemaMessage({ sources: ['/'], onsite: { target: value } });
  },
  check: async (value, draft, probe): Promise<CheckResult> => {
    if (draft.onsite === 'ssh') {
      const remote = await probe.inspectRemote(value);
      return remote.usable ? { ok: true, notes: [`${value}: reachable over ssh and writable`] } : { ok: false, message: remote.reason };
    }
    const folder = await probe.inspectFolder(value, draft.sources ?? []);
    if (!folder.usable) return { ok: false, message: folder.reason };
    return {
      ok: true,
      notes: [`${value}: ${folder.exists ? 'writable' : 'will be created'}, ${formatBytes(folder.freeBytes)} free`],
      warnings: sameDeviceWarning(folder.sharesDeviceWith),
    };
  },
};

export const onsiteDescriptionQuestion: TextQuestion = {
  kind: 'text', key: 'onsiteDescription', flag: '--onsite-description',
  message: 'where is the onsite copy kept, in words a restorer understands? (empty to skip)',
  when: (draft) => draft.onsite === 'folder' || draft.onsite === 'ssh',
  explain: () => 'printed in the kit, e.g. "USB disk labelled Backup, in the hall cupboard": after a disaster it may be the quickest copy to reach',
  default: (_draft, context) => context.existing?.onsiteDescription ?? '',
  validate: (value) => (value.length <= 160 ? null : 'must be at most 160 characters'),
};

const ONSITE: Step = {
  id: 'onsite', title: 'The onsite copy',
  explain: 'rsync snapshots with history, like Time Machine: every run is a complete dated folder, and unchanged files are hard links to the previous one, so each costs only what changed. '
    + 'Kept: every snapshot for 24 hours, one a day for 30 days, one a week for a year, one a month after that; the newest is never removed',
  questions: [onsiteKind, onsiteTargetQuestion, onsiteDescriptionQuestion],
};

const offsiteKind: ChoiceQuestion = {
  kind: 'choice', key: 'offsite', flag: '--offsite',
  message: 'where should the offsite copy go?',
  explain: () => 'restic encrypts everything on this machine before it leaves; the provider sees only scrambled data',
  choices: () => [
    { value: 'b2-s3', name: 'Backblaze B2 (through its S3 API; recommended)', description: 'restic\'s own advice for B2: its S3 endpoint is faster and steadier than the native API' },
    { value: 'b2', name: 'Backblaze B2 (native API)' },
    { value: 's3', name: 'another S3-compatible service (Wasabi, AWS, MinIO, …)' },
    { value: 'url', name: 'any restic repository URL (rest:, sftp:, rclone:, a path, …)' },
    { value: 'none', name: 'no offsite copy', description: 'onsite only: a fire or a theft takes every copy' },
  ],
  default: (_draft, context) => context.existing?.offsite ?? 'b2-s3',
};

const isB2 = (draft: Draft): boolean => draft.offsite === 'b2-s3' || draft.offsite === 'b2';
const usesBucket = (draft: Draft): boolean => draft.offsite === 'b2-s3' || draft.offsite === 'b2' || draft.offsite === 's3';
const usesKeys = usesBucket;

const text = (question: Omit<TextQuestion, 'kind'>): TextQuestion => ({ kind: 'text', ...question });
const fromExisting = (key: keyof Draft) => (_draft: Draft, context: StepContext): string | undefined => {
  const value = context.existing?.[key];
  return typeof value === 'string' ? value : undefined;
};

export const OFFSITE_QUESTIONS = [
  text({
    key: 'b2Region', flag: '--b2-region', message: 'B2 region of the bucket (e.g. us-west-004, eu-central-003)',
    when: (draft) => draft.offsite === 'b2-s3',
    explain: () => 'B2 shows it on the bucket\'s page as the endpoint s3.REGION.backblazeb2.com',
    default: fromExisting('b2Region'),
    validate: (value) => (/^[a-z]{2}-[a-z]+-\d{3}$/.test(value) ? null : 'must be a B2 region such as us-west-004 (the middle of the endpoint s3.REGION.backblazeb2.com)'),
  }),
  text({
    key: 's3Endpoint', flag: '--s3-endpoint', message: 'S3 endpoint URL (e.g. https://s3.eu-central-1.wasabisys.com)',
    when: (draft) => draft.offsite === 's3', default: fromExisting('s3Endpoint'),
    validate: (value) => (/^https?:\/\/[^\s/]+\/?$/.test(value) ? null : 'must be an https:// URL without a path, e.g. https://s3.eu-central-1.wasabisys.com'),
  }),
  text({
    key: 'bucket', flag: '--bucket', message: 'bucket name',
    when: usesBucket,
    explain: (draft) => (isB2(draft) ? 'make a private bucket for drkit alone in the B2 web console (Buckets, Create a Bucket)' : undefined),
    default: fromExisting('bucket'),
    validate: (value) => (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/i.test(value) ? null : 'must be a bucket name: 3 to 63 letters, digits, "-" or "."'),
  }),
  text({
    key: 'bucketPath', flag: '--bucket-path', message: 'folder inside the bucket (empty for the top)',
    when: usesBucket, default: (_draft, context) => context.existing?.bucketPath ?? '',
    validate: (value) => (/^[A-Za-z0-9._/-]*$/.test(value) ? null : 'may hold only letters, digits, ".", "_", "-" and "/"'),
  }),
  text({
    key: 'repositoryUrl', flag: '--repository', message: 'restic repository',
    when: (draft) => draft.offsite === 'url', default: fromExisting('repositoryUrl'),
    explain: () => 'anything restic opens: rest:https://host/repo, sftp:user@host:/srv/restic, rclone:remote:path, or a path',
    validate: (value) => schemaMessage({ sources: ['/'], offsite: { repository: value } }),
  }),
] satisfies TextQuestion[];

const secret = (question: Omit<SecretQuestion, 'kind'>): SecretQuestion => ({ kind: 'secret', ...question });
const keepExisting = (key: 'keyId' | 'secretKey' | 'password') => (draft: Draft, context: StepContext): boolean =>
  context.existing?.[key] !== undefined && context.existing.offsite === draft.offsite;

export const SECRET_QUESTIONS = [
  secret({
    key: 'keyId', message: 'key id',
    when: usesKeys, keepable: keepExisting('keyId'),
    explain: (draft) => (isB2(draft)
      ? 'make an application key limited to this one bucket (B2 web console, Application Keys, Add a New Application Key, "Allow access to Bucket(s)": this bucket); see https://www.backblaze.com/docs/cloud-storage-create-and-manage-app-keys'
      : 'an access key that can read and write this bucket, and nothing else'),
    validate: (value) => (/^\S+$/.test(value) ? null : 'must be the key id, without spaces'),
  }),
  secret({
    key: 'secretKey', message: 'secret key (application key)', when: usesKeys, keepable: keepExisting('secretKey'),
    validate: (value) => (/^\S+$/.test(value) ? null : 'must be the secret key, without spaces'),
  }),
] satisfies SecretQuestion[];

export const passwordModeQuestion: ChoiceQuestion = {
  kind: 'choice', key: 'passwordMode', flag: '--password-mode',
  message: 'restic repository password',
  when: (draft) => draft.offsite !== 'none',
  explain: () => 'the repository is encrypted with this password; the printed kit carries it, and without it nobody can restore',
  choices: (_draft, context) => [
    ...(context.existing?.password !== undefined ? [{ value: 'keep', name: 'keep the current password' }] : []),
    { value: 'generate', name: 'generate a strong one (recommended for a new repository)' },
    { value: 'existing', name: 'type one (an existing repository\'s password)' },
  ],
  default: (_draft, context) => (context.existing?.password !== undefined ? 'keep' : 'generate'),
};

export const passwordQuestion: SecretQuestion = {
  kind: 'secret', key: 'password', message: 'repository password',
  when: (draft) => draft.offsite !== 'none' && draft.passwordMode === 'existing',
  validate: (value) => (value.length >= 8 ? null : 'must be at least 8 characters'),
};

const OFFSITE: Step = {
  id: 'offsite', title: 'The offsite copy',
  explain: 'an encrypted restic repository away from home, so a fire or a theft does not take every copy',
  questions: [offsiteKind, ...OFFSITE_QUESTIONS, ...SECRET_QUESTIONS, passwordModeQuestion, passwordQuestion],
};

/** Every step in order. */
export const STEPS: readonly Step[] = [SOURCES, ONSITE, OFFSITE, ...PLAN_STEPS];

/** Every question, found by its answer's key (for flags, the answers file and the correction loop). */
export function questionFor(key: keyof Draft): TextQuestion | SecretQuestion | ChoiceQuestion | ListQuestion | CustodiansQuestion | undefined {
  for (const step of STEPS) for (const question of step.questions) if (question.key === key) return question;
  return undefined;
}

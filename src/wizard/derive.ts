/**
 * Pure rules of the wizard: the repository URL and the backend's variables made from the answers (and read back
 * from an existing config), the generated password, the recommended threshold, what a failed connection most
 * likely means and which answer fixes it. No fs, no prompts: randomness comes in as a parameter.
 */
import { encodeBase32 } from '../core/base32.js';
import type { RandomBytes } from '../core/random.js';
import type { ConnectionCause, Custodian, Draft, OffsiteKind } from './types.js';


/** Backblaze's S3 endpoint for a region such as us-west-004 (https://www.backblaze.com/docs/cloud-storage-s3-compatible-api). */
export function b2S3Endpoint(region: string): string {
  return `https://s3.${region}.backblazeb2.com`;
}

const trimSlashes = (text: string): string => text.replace(/^\/+|\/+$/g, '');

/** The restic repository the offsite answers name, or undefined when offsite is off or incomplete. */
export function repositoryOf(draft: Draft): string | undefined {
  const path = trimSlashes(draft.bucketPath ?? '');
  const bucket = draft.bucket ?? '';
  switch (draft.offsite) {
    case 'b2-s3':
      if (draft.b2Region === undefined || bucket === '') return undefined;
      return `s3:${b2S3Endpoint(draft.b2Region)}/${bucket}${path === '' ? '' : `/${path}`}`;
    case 'b2':
      if (bucket === '') return undefined;
      return `b2:${bucket}:${path === '' ? '/' : `/${path}`}`;
    case 's3':
      if (draft.s3Endpoint === undefined || bucket === '') return undefined;
      return `s3:${draft.s3Endpoint.replace(/\/+$/, '')}/${bucket}${path === '' ? '' : `/${path}`}`;
    case 'url':
      return draft.repositoryUrl;
    case 'none':
    case undefined:
      return undefined;
  }
}

/** The secrets-file variables that carry the key id and secret for this kind of repository. */
export function credentialVariables(kind: OffsiteKind | undefined): { id: string; secret: string } | null {
  switch (kind) {
    case 'b2-s3': case 's3': return { id: 'AWS_ACCESS_KEY_ID', secret: 'AWS_SECRET_ACCESS_KEY' };
    case 'b2': return { id: 'B2_ACCOUNT_ID', secret: 'B2_ACCOUNT_KEY' };
    case 'url': case 'none': case undefined: return null;
  }
}

/** The backend variables for restic's environment, from the answers. */
export function backendEnv(draft: Draft): Record<string, string> {
  const names = credentialVariables(draft.offsite);
  if (names === null || draft.keyId === undefined || draft.secretKey === undefined) return {};
  return { [names.id]: draft.keyId, [names.secret]: draft.secretKey };
}

/**
 * The answers an existing offsite repository URL stands for: B2's S3 endpoint and B2 native are recognised,
 * other `s3:` URLs are "any S3", everything else a plain restic URL.
 */
export function offsiteAnswersOf(repository: string): Pick<Draft, 'offsite' | 'b2Region' | 'bucket' | 'bucketPath' | 's3Endpoint' | 'repositoryUrl'> {
  const b2s3 = /^s3:https:\/\/s3\.([a-z0-9-]+)\.backblazeb2\.com\/([^/]+)(?:\/(.*))?$/.exec(repository);
  if (b2s3) return { offsite: 'b2-s3', b2Region: b2s3[1], bucket: b2s3[2], bucketPath: trimSlashes(b2s3[3] ?? '') };
  const b2 = /^b2:([^:]+):(.*)$/.exec(repository);
  if (b2) return { offsite: 'b2', bucket: b2[1], bucketPath: trimSlashes(b2[2] ?? '') };
  const s3 = /^s3:(https?:\/\/[^/]+)\/([^/]+)(?:\/(.*))?$/.exec(repository);
  if (s3) return { offsite: 's3', s3Endpoint: s3[1], bucket: s3[2], bucketPath: trimSlashes(s3[3] ?? '') };
  return { offsite: 'url', repositoryUrl: repository };
}

/**
 * A new repository password: 160 random bits as 8 groups of 4 Crockford base32 characters, easy to copy into a
 * password manager and to read aloud (no 0/O, 1/l confusion).
 */
export function generatePassword(random: RandomBytes): string {
  const text = encodeBase32(random(20));
  return (text.match(/.{1,4}/g) ?? []).join('-');
}

/** The threshold drkit recommends for n custodians: a majority, so a lost sheet does not stop a restore and a minority cannot open the kit. */
export function recommendedThreshold(n: number): number {
  if (n <= 2) return n;
  return Math.floor(n / 2) + 1;
}

/** Why that threshold, in one sentence, e.g. for 3 of 5. */
export function thresholdReason(k: number, n: number): string {
  const spare = n - k;
  const lost = spare === 0 ? 'every sheet is needed: one lost sheet stops a restore' : `${spare === 1 ? 'one lost sheet or one unreachable person does' : `${spare} lost sheets or unreachable people do`} not stop a restore`;
  const collude = k - 1 <= 1 ? 'no one alone can open it' : `${k - 1} people colluding cannot open it`;
  return `${k} of ${n}: ${lost}; ${collude}`;
}

/** Which answers a failed connection points at, most likely first. */
export function answersToCorrect(cause: ConnectionCause, kind: OffsiteKind | undefined): (keyof Draft)[] {
  const location: (keyof Draft)[] = kind === 'b2-s3' ? ['b2Region', 'bucket', 'bucketPath'] : kind === 's3' ? ['s3Endpoint', 'bucket', 'bucketPath'] : kind === 'b2' ? ['bucket', 'bucketPath'] : ['repositoryUrl'];
  const keys: (keyof Draft)[] = kind === 'url' || kind === undefined || kind === 'none' ? [] : ['keyId', 'secretKey'];
  switch (cause) {
    case 'wrong-key': return [...keys, ...location];
    case 'wrong-region': return [...location, ...keys];
    case 'bucket-missing': return [...location.filter((key) => key !== 'b2Region' && key !== 's3Endpoint'), ...location.filter((key) => key === 'b2Region' || key === 's3Endpoint'), ...keys];
    case 'wrong-password': return ['password'];
    case 'no-network': case 'tls': case 'other': return [...location, ...keys, 'password'];
  }
}

/** The likely cause, explained to the owner in one or two sentences. */
export function explainCause(cause: ConnectionCause, kind: OffsiteKind | undefined): string {
  switch (cause) {
    case 'wrong-key': return kind === 'b2-s3' || kind === 'b2'
      ? 'the key id or the application key was refused: check both (B2 shows the key only once, when it is made), and that the key may use this bucket'
      : 'the key id or the secret key was refused: check both';
    case 'wrong-region': return kind === 'b2-s3'
      ? 'B2 has no endpoint for that region, or this computer has no network: check the region (B2 shows the bucket\'s endpoint s3.REGION.backblazeb2.com on its bucket page) and the connection'
      : 'the endpoint or region does not match the bucket';
    case 'bucket-missing': return 'there is no such bucket, or the key may not see it: check the bucket name, or make the bucket first';
    case 'no-network': return 'the repository could not be reached: check the network (and the address), then try again';
    case 'wrong-password': return 'a repository is there, but it does not open with this password: type the password it was made with';
    case 'tls': return 'the server\'s certificate is not trusted: check the address (a self-signed server needs offsite.cacert in the config)';
    case 'other': return 'restic could not open the repository; its message is above';
  }
}

/** The custodians as `kit create --custodians` takes them: "Ann Smith <ann@example.org>,Ben Jones". */
export function custodianList(custodians: readonly Custodian[]): string {
  return custodians.map((custodian) => (custodian.contact === undefined || custodian.contact === '' ? custodian.name : `${custodian.name} <${custodian.contact}>`)).join(',');
}

/** "AKIA…" — enough of a key id to recognise it, never the whole. */
export function maskId(value: string): string {
  return value.length <= 6 ? '…' : `${value.slice(0, 4)}…`;
}

/**
 * What a failed repository check most likely means, from the restic adapter's error code and message. B2's S3
 * endpoints are per region, so an unknown host there is a wrong region rather than a dead network.
 */
export function connectionCause(code: string, message: string, kind: OffsiteKind | undefined): ConnectionCause {
  const text = message.toLowerCase();
  if (code === 'E_RESTIC_WRONG_PASSWORD') return 'wrong-password';
  if (/nosuchbucket|bucket .*(does not exist|not found)|specified bucket does not exist/.test(text)) return 'bucket-missing';
  if (/authorizationheadermalformed|permanentredirect|region .* is wrong|wrong region|301 moved permanently/.test(text)) return 'wrong-region';
  if (code === 'E_RESTIC_BACKEND_AUTH' || /invalidaccesskeyid|signaturedoesnotmatch|access denied|unauthorized|bad_auth_token|invalid.*key/.test(text)) return 'wrong-key';
  if (code === 'E_RESTIC_TLS') return 'tls';
  if (code === 'E_RESTIC_UNREACHABLE') return kind === 'b2-s3' && /no such host/.test(text) ? 'wrong-region' : 'no-network';
  return 'other';
}

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** File systems that are never a backup disk. */
const PSEUDO_FS = new Set(['proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'cgroup', 'cgroup2', 'securityfs', 'pstore', 'bpf', 'debugfs',
  'tracefs', 'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'overlay', 'squashfs', 'nsfs', 'rpc_pipefs', 'efivarfs', 'ramfs']);

/**
 * The mounts of /proc/mounts worth offering as an onsite disk: real file systems, not the system's own folders.
 * Octal escapes (`\040` for a space) are decoded.
 */
export function parseMounts(text: string): MountEntry[] {
  const decode = (field: string): string => field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fsType] = line.split(' ');
    if (device === undefined || mountPoint === undefined || fsType === undefined) continue;
    if (PSEUDO_FS.has(fsType) || fsType.startsWith('fuse.') && fsType !== 'fuse.sshfs') continue;
    const point = decode(mountPoint);
    if (/^\/(proc|sys|dev|run(?!\/media)|boot|snap|var\/lib|etc)(\/|$)/.test(point)) continue;
    entries.push({ device: decode(device), mountPoint: point, fsType });
  }
  return entries;
}

/** A mount under /media, /run/media or /mnt: most likely a disk the owner plugged in. */
export function isRemovableMount(mountPoint: string): boolean {
  return /^\/(media|run\/media|mnt)\//.test(mountPoint);
}

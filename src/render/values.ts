/**
 * The non-secret facts about a kit that templates may print. Built from `Kit` (whose summary holds no password
 * and only the NAMES of environment variables); nothing secret can reach a template because nothing secret is
 * passed in.
 */
import type { Kit } from '../core/kit.js';
import type { TemplateValues } from './template.js';
import { redactRepository } from '../core/redact.js';

const KIND_TEXT: Record<string, string> = {
  s3: 'S3-compatible object storage, such as Backblaze B2 or Amazon S3',
  b2: 'Backblaze B2',
  rest: 'a restic REST server',
  sftp: 'a server reached over SSH (SFTP)',
  rclone: 'a storage service reached through rclone',
  azure: 'Microsoft Azure storage',
  gs: 'Google Cloud Storage',
  swift: 'OpenStack Swift storage',
  local: 'a folder or disk',
};


/** "Ann (sheet 1, ann@example.org), Ben (sheet 2) and Cy (sheet 3, +44 …)" */
export function holderList(kit: Kit, except?: number): string {
  const items = kit.shares.filter((share) => share.number !== except)
    .map((share) => `${share.custodian} (sheet ${share.number}${share.contact === undefined ? '' : `, ${share.contact}`})`);
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** The date a year after `isoDate` (YYYY-MM-DD), for the owner's re-check. */
export function oneYearLater(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year + 1, month - 1, day));
  if (date.getUTCMonth() !== month - 1) date.setUTCDate(0); // 29 February → 28 February
  return date.toISOString().slice(0, 10);
}

export function kitValues(kit: Kit): Record<string, string | number | boolean | undefined> {
  const summary = kit.summary;
  return {
    owner: summary.owner,
    kitId: kit.kitIdDisplay,
    date: kit.createdOn,
    n: kit.n,
    k: kit.k,
    custodianList: holderList(kit),
    repository: redactRepository(summary.repository),
    repositoryKind: summary.repositoryKind,
    repositoryKindText: KIND_TEXT[summary.repositoryKind] ?? summary.repositoryKind,
    repositoryId: summary.repositoryId?.slice(0, 8),
    onsite: summary.onsite,
    envNames: ['RESTIC_REPOSITORY', 'RESTIC_PASSWORD', ...summary.envNames].join(', '),
    fingerprintList: kit.fingerprints.map((fp, index) => `${index + 1}=${fp}`).join(' '),
    recheck: oneYearLater(kit.createdOn),
  };
}

export function withValues(base: TemplateValues, extra: TemplateValues): TemplateValues {
  return { ...base, ...extra };
}

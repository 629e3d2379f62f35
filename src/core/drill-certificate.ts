/**
 * The live drill's certificate (`drkit drill --live`, docs/drills.md): what a person with the real sheets found,
 * as `key: value` lines a program reads back (`drkit drill --record`), ended by a checksum line so an edited
 * certificate is refused. The same lines are printed on the one-page PDF, so pdftotext gives them back.
 *
 * Rules: never a share, the passphrase or a credential: only share numbers and their 4-character fingerprints,
 * the kit id and the repository as src/core/redact.ts shows it. Values are one line with single spaces (a PDF
 * text layer keeps no runs of spaces); a line longer than LINE_WIDTH continues on lines starting with `+ ` (split at a
 * space) or `++ ` (split inside a word).
 * The checksum detects edits and misreadings, not forgery: whoever writes a certificate can compute one.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';

export const CERTIFICATE_TITLE = 'drkit drill certificate';
const FORMAT = 'drkit-drill-certificate/1';
/** fits the PDF's monospaced line (8 pt on A4 and letter) */
export const LINE_WIDTH = 96;
const CONTINUATION = '+ ';
const JOINED = '++ ';

export interface CertificatePhase {
  name: 'open-kit' | 'list' | 'restore' | 'check';
  ms: number;
}

export interface DrillCertificate {
  kitId: string;
  kitCreatedOn: string;
  /** share numbers and fingerprints of the sheets used */
  shares: { number: number; fingerprint: string }[];
  repository: string;
  snapshotId: string;
  snapshotTime: string;
  /** a number of random files, or every file */
  sample: number | 'all';
  filesChecked: number;
  bytesChecked: number;
  /** not-run: the repository could not be reached or read (a finding says why) */
  resticVerify: 'passed' | 'failed' | 'not-run';
  resticCheck: 'passed' | 'failed' | 'not-run';
  canary: 'matches' | 'other-kit' | 'missing' | 'none';
  verdict: 'passed' | 'failed';
  findings: { code: string; message: string }[];
  startedAt: string;
  finishedAt: string;
  resticVersion: string;
  phases: CertificatePhase[];
  /** where the person got stuck, in their words (empty: nowhere, or not asked) */
  stuck: string;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** sha256 of the body lines: the lines from the title to the last line before `checksum:` */
function checksumOf(body: readonly string[]): string {
  return createHash('sha256').update(body.join('\n')).digest('hex');
}

/**
 * Splits a long line at spaces (a continuation `+ ` puts the space back) or, in a word longer than a line, anywhere
 * (`++ ` joins without one). No physical line begins or ends with a space: a PDF's text layer would drop it.
 */
function wrapLine(line: string): string[] {
  const out: string[] = [];
  let rest = line;
  let prefix = '';
  while (prefix.length + rest.length > LINE_WIDTH) {
    const room = LINE_WIDTH - prefix.length;
    const space = rest.slice(0, room + 1).lastIndexOf(' ');
    if (space > 0) {
      out.push(`${prefix}${rest.slice(0, space)}`);
      rest = rest.slice(space + 1);
      prefix = CONTINUATION;
    } else {
      out.push(`${prefix}${rest.slice(0, room)}`);
      rest = rest.slice(room);
      prefix = JOINED;
    }
  }
  out.push(`${prefix}${rest}`);
  return out;
}

/** The certificate's lines, the checksum line last. */
export function formatCertificate(certificate: DrillCertificate): string[] {
  const pairs: [string, string][] = [
    ['format', FORMAT],
    ['kit', certificate.kitId],
    ['kit-created-on', certificate.kitCreatedOn],
    ['shares', certificate.shares.map((share) => share.number).join(',')],
    ['fingerprints', certificate.shares.map((share) => `${share.number}=${share.fingerprint}`).join(' ')],
    ['repository', certificate.repository],
    ['snapshot', certificate.snapshotId],
    ['snapshot-time', certificate.snapshotTime],
    ['sample', String(certificate.sample)],
    ['files-checked', String(certificate.filesChecked)],
    ['bytes-checked', String(certificate.bytesChecked)],
    ['restic-verify', certificate.resticVerify],
    ['restic-check', certificate.resticCheck],
    ['canary', certificate.canary],
    ['verdict', certificate.verdict],
    ...certificate.findings.map((finding): [string, string] => ['finding', `${finding.code}: ${finding.message}`]),
    ['started-at', certificate.startedAt],
    ['finished-at', certificate.finishedAt],
    ['restic-version', certificate.resticVersion],
    ...certificate.phases.map((phase): [string, string] => ['time', `${phase.name} ${(phase.ms / 1000).toFixed(1)} s`]),
    ['stuck', certificate.stuck === '' ? 'nowhere' : certificate.stuck],
  ];
  const body = [CERTIFICATE_TITLE, ...pairs.flatMap(([key, value]) => wrapLine(`${key}: ${oneLine(value)}`))];
  return [...body, `checksum: sha256:${checksumOf(body)}`];
}

function certificateError(file: string, problem: string): UserError {
  return new UserError('E_CERTIFICATE', `${file}: ${problem}`, {
    hints: ['give the drill-certificate.txt or drill-certificate.pdf that drkit drill --live wrote, unchanged', 'or run the live drill again'],
  });
}

/**
 * Reads a certificate back from its text (the .txt file, or a PDF's text layer): finds the lines from the title
 * to the checksum, checks the checksum, and parses the values. Refuses anything edited or incomplete.
 */
export function parseCertificate(file: string, text: string): DrillCertificate {
  const lines = text.split(/\r?\n/).map((line) => line.trimEnd());
  const start = lines.findIndex((line) => line.trim() === CERTIFICATE_TITLE);
  if (start < 0) throw certificateError(file, `not a drill certificate (no "${CERTIFICATE_TITLE}" line)`);
  const end = lines.findIndex((line, index) => index > start && line.trim().startsWith('checksum:'));
  if (end < 0) throw certificateError(file, 'the checksum line is missing: the certificate is incomplete');
  const body = lines.slice(start, end).map((line) => line.trim()).filter((line) => line !== '');
  const stated = /^checksum:\s*sha256:([0-9a-f]{64})$/.exec(lines[end]?.trim() ?? '')?.[1];
  if (stated === undefined) throw certificateError(file, 'the checksum line is not sha256:<64 hex digits>');
  if (checksumOf(body) !== stated) throw certificateError(file, 'the checksum does not match: the certificate was edited or misread');
  const joined: string[] = [];
  for (const line of body.slice(1)) {
    if (line.startsWith(JOINED) && joined.length > 0) joined[joined.length - 1] += line.slice(JOINED.length);
    else if (line.startsWith(CONTINUATION) && joined.length > 0) joined[joined.length - 1] += ` ${line.slice(CONTINUATION.length)}`;
    else joined.push(line);
  }
  const values = new Map<string, string[]>();
  for (const line of joined) {
    const colon = line.indexOf(': ');
    if (colon < 0) throw certificateError(file, `a line is not "key: value": ${line.slice(0, 40)}`);
    const key = line.slice(0, colon);
    values.set(key, [...(values.get(key) ?? []), line.slice(colon + 2)]);
  }
  const one = (key: string): string => {
    const value = values.get(key)?.[0];
    if (value === undefined) throw certificateError(file, `no ${key} line`);
    return value;
  };
  const count = (key: string): number => {
    const value = one(key);
    if (!/^\d+$/.test(value)) throw certificateError(file, `${key} is not a count: ${value}`);
    return Number(value);
  };
  const choice = <T extends string>(key: string, allowed: readonly T[]): T => {
    const value = one(key);
    if (!(allowed as readonly string[]).includes(value)) throw certificateError(file, `${key} is ${value}, not one of ${allowed.join(', ')}`);
    return value as T;
  };
  if (one('format') !== FORMAT) throw certificateError(file, `format ${one('format')} is not ${FORMAT}: made by another drkit`);
  const numbers = one('shares').split(',').map(Number);
  const prints = new Map(one('fingerprints').split(' ').map((pair) => pair.split('=') as [string, string]));
  const sample = one('sample');
  const stuck = one('stuck');
  return {
    kitId: one('kit'),
    kitCreatedOn: one('kit-created-on'),
    shares: numbers.map((number) => ({ number, fingerprint: prints.get(String(number)) ?? '' })),
    repository: one('repository'),
    snapshotId: one('snapshot'),
    snapshotTime: one('snapshot-time'),
    sample: sample === 'all' ? 'all' : Number(sample),
    filesChecked: count('files-checked'),
    bytesChecked: count('bytes-checked'),
    resticVerify: choice('restic-verify', ['passed', 'failed', 'not-run']),
    resticCheck: choice('restic-check', ['passed', 'failed', 'not-run']),
    canary: choice('canary', ['matches', 'other-kit', 'missing', 'none']),
    verdict: choice('verdict', ['passed', 'failed']),
    findings: (values.get('finding') ?? []).map((value) => {
      const colon = value.indexOf(': ');
      return colon < 0 ? { code: 'E_DRILL', message: value } : { code: value.slice(0, colon), message: value.slice(colon + 2) };
    }),
    startedAt: one('started-at'),
    finishedAt: one('finished-at'),
    resticVersion: one('restic-version'),
    phases: (values.get('time') ?? []).map((value) => {
      const [name = '', seconds = '0'] = value.split(' ');
      return { name: name as CertificatePhase['name'], ms: Math.round(Number(seconds) * 1000) };
    }),
    stuck: stuck === 'nowhere' ? '' : stuck,
  };
}

/** The canary's verdict: the canary file a backup holds names the newest kit at the time of the backup. */
export function judgeCanary(found: string | null, expected: string, present: boolean): DrillCertificate['canary'] {
  if (!present) return 'none';
  if (found === null) return 'missing';
  return found === expected ? 'matches' : 'other-kit';
}

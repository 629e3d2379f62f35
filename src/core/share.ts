/**
 * A drkit share (docs/format.md §3): the `shamir-secret-sharing` share of the kit key, wrapped with the format
 * version, k, the share number i, n and the kit id, because the library's share carries no threshold, no set id
 * and no checksum, and combines garbage silently.
 */
import { createHash } from 'node:crypto';
import { decodeSymbols, encodeBase32, leadingBytes } from './base32.js';
import { formatDataLines, kitMask, parseTextForm, TextFormError, verifyLine, verifyLineLengths } from './text-form.js';

export const FORMAT_VERSION = 1;
export const SHARE_BYTES = 40;
export const SHARE_CHARS = 64;
export const KIT_ID_BYTES = 5;
export const MAX_SHARES = 15;
export const SHARE_QR_PREFIX = 'DK1S';

export interface Share {
  /** k: how many shares open the kit */
  threshold: number;
  /** i: this share's number, 1…n */
  number: number;
  /** n: how many shares the kit has */
  count: number;
  kitId: Uint8Array;
  /** the library's share: 32 y bytes then the x byte */
  secretShare: Uint8Array;
}

export function encodeShare(share: Share): Uint8Array {
  const bytes = new Uint8Array(SHARE_BYTES);
  bytes[0] = (FORMAT_VERSION << 4) | share.threshold;
  bytes[1] = (share.number << 4) | share.count;
  bytes.set(share.kitId, 2);
  bytes.set(share.secretShare, 7);
  return bytes;
}

/** Why a 40-byte share is not valid, or null. */
export function shareHeaderProblem(bytes: Uint8Array): string | null {
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  if (b0 >> 4 !== FORMAT_VERSION) return `not a drkit version ${FORMAT_VERSION} share`;
  const k = b0 & 15;
  const i = b1 >> 4;
  const n = b1 & 15;
  if (n < 2 || k < 2 || k > n || i < 1 || i > n) return `share header is invalid (share ${i} of ${n}, ${k} needed)`;
  return null;
}

export function decodeShareBytes(bytes: Uint8Array): Share {
  return {
    threshold: (bytes[0] ?? 0) & 15,
    number: (bytes[1] ?? 0) >> 4,
    count: (bytes[1] ?? 0) & 15,
    kitId: bytes.slice(2, 7),
    secretShare: bytes.slice(7, SHARE_BYTES),
  };
}

/** The 4-character fingerprint of a share's 40 bytes. */
export function shareFingerprint(bytes: Uint8Array): string {
  const digest = createHash('sha256').update('drkit/1 fingerprint').update(bytes).digest();
  return encodeBase32(digest.subarray(0, 3)).slice(0, 4);
}

export function formatKitId(kitId: Uint8Array): string {
  const text = encodeBase32(kitId);
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}

/** The share's text file (docs/format.md §5): header comment, 3 data lines, fingerprints comment. */
export function formatShareText(share: Share, fingerprints: readonly string[]): { text: string; dataLines: string[] } {
  const bytes = encodeShare(share);
  const dataLines = formatDataLines(encodeBase32(bytes), share.number, kitMask(share.kitId), 0);
  const header = `# drkit share ${share.number} of ${share.count} · kit ${formatKitId(share.kitId)} · any ${share.threshold} of the ${share.count} shares open the kit`;
  const prints = `# fingerprints: ${fingerprints.map((fp, index) => `${index + 1}=${fp}`).join(' ')}`;
  return { text: [header, ...dataLines, prints, ''].join('\n'), dataLines };
}

export interface ParsedShare extends Share {
  /** the file (or input) name used in messages */
  file: string;
  bytes: Uint8Array;
  fingerprint: string;
  /** the fingerprints listed in the share's `# fingerprints:` comment, by share number; null when absent */
  listedFingerprints: string[] | null;
}

/** Parses and checks one typed share (every rule of docs/format.md §3 and §5 that one share can check alone). */
export function parseShareText(file: string, text: string): ParsedShare {
  const { lines, comments } = parseTextForm(file, text);
  const first = lines[0];
  if (first === undefined) throw new TextFormError('E_SHARE_EMPTY', `${file}: no share lines found`, file, undefined, ['type the numbered lines of the share']);
  // line 1 holds the version, k, i, n and the kit id (bytes 0…6 = the first 12 characters and 1 more bit)
  const headBytes = leadingBytes(first.payload, 7);
  const share = (headBytes[1] ?? 0) >> 4;
  verifyLineLengths(file, lines);
  verifyLine(file, first, share, 0);
  const problem = shareHeaderProblem(headBytes);
  if (problem !== null) throw new TextFormError('E_SHARE_HEADER', `${file}: ${problem}`, file);
  const mask = kitMask(headBytes.slice(2, 7));
  for (const line of lines.slice(1)) verifyLine(file, line, share, mask);
  if (lines.length !== 3) {
    throw new TextFormError('E_SHARE_LINES', `${file}: has ${lines.length} data lines, a share has 3`, file, undefined, ['type all 3 numbered lines of the share']);
  }
  const payload = lines.flatMap((line) => line.payload);
  const bytes = decodeSymbols(payload);
  if (typeof bytes === 'string' || bytes.length !== SHARE_BYTES) {
    throw new TextFormError('E_SHARE_LENGTH', `${file}: has ${payload.length} characters before the checks, a share has ${SHARE_CHARS}`, file, lines.length,
      ['a character is missing or extra on the last line']);
  }
  const decoded = decodeShareBytes(bytes);
  const fingerprint = shareFingerprint(bytes);
  const listedFingerprints = parseFingerprintComment(file, comments, decoded.count);
  if (listedFingerprints !== null && listedFingerprints[decoded.number - 1] !== fingerprint) {
    throw new TextFormError('E_FINGERPRINT',
      `${file}: share ${decoded.number} has fingerprint ${fingerprint}, but its own list says ${listedFingerprints[decoded.number - 1]}`, file, undefined,
      ['the share or its fingerprint line was altered: ask the custodian for the original sheet']);
  }
  return { ...decoded, file, bytes, fingerprint, listedFingerprints };
}

function parseFingerprintComment(file: string, comments: readonly string[], count: number): string[] | null {
  const comment = comments.find((line) => /^fingerprints\s*:/i.test(line));
  if (comment === undefined) return null;
  const entries = comment.replace(/^fingerprints\s*:/i, '').trim().split(/\s+/).filter((entry) => entry !== '');
  const list: string[] = [];
  for (const entry of entries) {
    const match = /^(\d+)=([0-9A-Za-z]{4})$/.exec(entry);
    if (!match || match[1] !== String(list.length + 1)) {
      throw new TextFormError('E_FINGERPRINT_LIST', `${file}: fingerprints line is malformed at '${entry}'`, file, undefined,
        ['the line reads: # fingerprints: 1=XXXX 2=XXXX …, one entry per share']);
    }
    list.push(normaliseFingerprint(match[2] ?? ''));
  }
  if (list.length !== count) {
    throw new TextFormError('E_FINGERPRINT_LIST', `${file}: fingerprints line lists ${list.length} shares, the kit has ${count}`, file);
  }
  return list;
}

function normaliseFingerprint(text: string): string {
  return text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function shareQrPayload(bytes: Uint8Array): string {
  return SHARE_QR_PREFIX + encodeBase32(bytes);
}

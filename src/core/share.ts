/**
 * A drkit share (docs/format.md §3): the `shamir-secret-sharing` share of the kit key, wrapped with the format
 * version, k, the share number i, n and the kit id, because the library's share carries no threshold, no set id
 * and no checksum, and combines garbage silently.
 */
import { createHash } from 'node:crypto';
import { decodeSymbols, encodeBase32, leadingBytes } from './base32.js';
import { formatDataLines, kitMask, lineMatches, parseTextForm, TextFormError, verifyLine, verifyLines } from './text-form.js';

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
  /** the fingerprints listed in the share's `# fingerprints:` comment, by share number (empty when absent) */
  listedFingerprints: ReadonlyMap<number, string>;
}

/** The shares' header as printed on line 1's comment: "# drkit share I of N · kit XXXX-XXXX …". */
function headerComment(comments: readonly string[]): { number: number; count: number; kitId: string } | null {
  for (const comment of comments) {
    const match = /^[ \t]*#[ \t]*drkit share (\d+) of (\d+) · kit ([0-9A-Za-z]{4}-?[0-9A-Za-z]{4})/.exec(comment);
    if (match) return { number: Number(match[1]), count: Number(match[2]), kitId: (match[3] ?? '').toUpperCase().replace('-', '') };
  }
  return null;
}

/**
 * Parses and checks one typed share: every rule of docs/format.md §3 and §5 that one share can check alone, in
 * the order of §9 (combine.py applies the same rules in the same order and prints the same messages).
 */
export function parseShareText(file: string, text: string): ParsedShare {
  const { lines, comments } = parseTextForm(file, text);
  const first = lines[0];
  if (first === undefined) throw new TextFormError('E_SHARE_EMPTY', `${file}: no share lines`, file, undefined, ['type the numbered lines of the share']);
  // line 1 holds the version, k, i, n and the kit id (bytes 0…6: the first 12 characters and 1 more bit)
  // (padded with zeros to 12 characters, as combine.py does, when the line is shorter)
  const headBytes = leadingBytes([...first.payload, ...Array<number>(12).fill(0)].slice(0, 12).concat(0), 7);
  const number = (headBytes[1] ?? 0) >> 4;
  verifyLine(file, first, number, 0);
  if (shareHeaderProblem(headBytes) !== null) {
    throw new TextFormError('E_SHARE_HEADER', `${file}: not a drkit share`, file, 1, ['line 1 is not the first line of a drkit share: retype it from the sheet']);
  }
  const kitId = headBytes.slice(2, 7);
  const foreignLine1 = () => new TextFormError('E_LINE_FOREIGN', `${file} line 1: is from another share or kit`, file, 1,
    ['no other line matches line 1: retype line 1 from this sheet (it names the share and the kit)']);
  // the header comment, when typed, is a tie-breaker: line 1 of another share or kit is named even when only one
  // later line fails (combine.py names it only when all later lines fail)
  const header = headerComment(comments);
  const headerDisagrees = header !== null && (header.number !== number || header.count !== ((headBytes[1] ?? 0) & 15) || header.kitId !== encodeBase32(kitId));
  const mask = kitMask(kitId);
  if (headerDisagrees && lines.slice(1).some((line) => !lineMatches(line, number, mask))) throw foreignLine1();
  verifyLines(file, lines.slice(1), number, mask, foreignLine1);
  const payload = lines.flatMap((line) => line.payload);
  const bytes = decodeSymbols(payload);
  if (lines.length !== 3 || typeof bytes === 'string' || bytes.length !== SHARE_BYTES) {
    throw new TextFormError('E_SHARE_LENGTH', `${file}: not 3 lines of 24, 24, 16 characters`, file, undefined,
      [`a share is 3 numbered lines holding ${SHARE_CHARS} characters before their checks: a line or a character is missing or extra`]);
  }
  const decoded = decodeShareBytes(bytes);
  const fingerprint = shareFingerprint(bytes);
  const listedFingerprints = parseFingerprintComment(comments);
  const own = listedFingerprints.get(decoded.number);
  if (own !== undefined && own !== fingerprint) {
    throw new TextFormError('E_FINGERPRINT', `${file}: share ${decoded.number} has fingerprint ${fingerprint}, its list says ${own}`, file, undefined,
      ['the share or its fingerprint line was altered or mistyped: retype both; if it persists, ask the custodian for the original sheet']);
  }
  return { ...decoded, file, bytes, fingerprint, listedFingerprints };
}

/**
 * The first comment holding "fingerprints:" lists fingerprints as `N=XXXX` entries (N: a share number; XXXX:
 * the 4 characters after "="); later entries for the same N win; anything else is ignored (docs/format.md §5).
 */
export function parseFingerprintComment(comments: readonly string[]): Map<number, string> {
  const list = new Map<number, string>();
  const comment = comments.find((line) => line.includes('fingerprints:'));
  if (comment === undefined) return list;
  // [^\n] as Python's "." (JavaScript's "." also refuses \r and U+2028/U+2029)
  for (const match of comment.matchAll(/([0-9]+)=([^\n]{4})/g)) list.set(Number(match[1]), normaliseFingerprint(match[2] ?? ''));
  return list;
}

function normaliseFingerprint(text: string): string {
  return text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function shareQrPayload(bytes: Uint8Array): string {
  return SHARE_QR_PREFIX + encodeBase32(bytes);
}

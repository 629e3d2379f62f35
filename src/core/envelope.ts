/**
 * The envelope (docs/format.md §4): version byte, key check value, then the OpenPGP message that holds the
 * bundle text. Printed as data lines checked with share number 0 and the kit's mask, and as QR codes.
 */
import { createHash } from 'node:crypto';
import { decodeSymbols, encodeBase32, symbolValue } from './base32.js';
import { formatKitId, SHARE_QR_PREFIX } from './share.js';
import { formatDataLines, kitMask, lineMatches, parseTextForm, TextFormError, verifyLines } from './text-form.js';
import { UserError } from '../errors.js';

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_QR_PREFIX = 'DK1E';
/** the most payload characters in one envelope QR code (fits a version 15 code at level M) */
export const ENVELOPE_QR_CHARS = 600;

/** The key check value: the first 3 bytes of SHA-256("drkit/1 key check" ‖ kit key). */
export function keyCheckValue(key: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('drkit/1 key check').update(key).digest().subarray(0, 3));
}

/** version ‖ KCV ‖ length of the OpenPGP message (2 bytes, big-endian: a missing last line is named) ‖ message */
export function encodeEnvelope(kcv: Uint8Array, openpgp: Uint8Array): Uint8Array {
  if (openpgp.length > 0xffff) throw new UserError('E_ENVELOPE_SIZE', `the envelope would hold ${openpgp.length} bytes, at most 65535 fit the format`, { hints: ['shorten the bundle\'s notes'] });
  const bytes = new Uint8Array(6 + openpgp.length);
  bytes[0] = ENVELOPE_VERSION;
  bytes.set(kcv, 1);
  bytes[4] = openpgp.length >> 8;
  bytes[5] = openpgp.length & 0xff;
  bytes.set(openpgp, 6);
  return bytes;
}

export function formatEnvelopeText(bytes: Uint8Array, kitId: Uint8Array): { text: string; dataLines: string[] } {
  const dataLines = formatDataLines(encodeBase32(bytes), 0, kitMask(kitId));
  const header = `# drkit envelope · kit ${formatKitId(kitId)} · ${dataLines.length} lines`;
  return { text: [header, ...dataLines, ''].join('\n'), dataLines };
}

export function envelopeQrPayloads(bytes: Uint8Array): string[] {
  const chars = encodeBase32(bytes);
  const count = Math.ceil(chars.length / ENVELOPE_QR_CHARS);
  if (count > 9) throw new UserError('E_ENVELOPE_SIZE', `the envelope needs ${count} QR codes, at most 9 fit the format`, { hints: ['shorten the bundle\'s notes'] });
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(`${ENVELOPE_QR_PREFIX}${i + 1}${count}${chars.slice(i * ENVELOPE_QR_CHARS, (i + 1) * ENVELOPE_QR_CHARS)}`);
  }
  return parts;
}

export interface ParsedEnvelope {
  file: string;
  kcv: Uint8Array;
  openpgp: Uint8Array;
  bytes: Uint8Array;
}

function kitIdFromComments(comments: readonly string[]): Uint8Array | null {
  for (const comment of comments) {
    const match = /\bkit ([0-9A-Za-z]{4})-?([0-9A-Za-z]{4})\b/.exec(comment);
    if (match) {
      const symbols = [...`${match[1]}${match[2]}`].map((c) => symbolValue(c));
      if (symbols.some((s) => s === undefined)) return null;
      const bytes = decodeSymbols(symbols as number[]);
      return typeof bytes === 'string' ? null : bytes;
    }
  }
  return null;
}

function envelopeFromBytes(file: string, bytes: Uint8Array | null): ParsedEnvelope {
  if (bytes === null || bytes.length < 6 + 40 || bytes[0] !== ENVELOPE_VERSION) {
    throw new TextFormError('E_ENVELOPE_VERSION', `${file}: not a drkit envelope`, file, undefined, ['type (or scan) the envelope of this kit, from any of its sheets']);
  }
  const expected = 6 + (((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0));
  if (bytes.length !== expected) {
    throw new TextFormError('E_ENVELOPE_LENGTH', `${file}: holds ${bytes.length} bytes, not ${expected}`, file, undefined,
      ['a line is missing at the end, or one too many: compare the number of lines with the sheet']);
  }
  return { file, bytes, kcv: bytes.slice(1, 4), openpgp: bytes.slice(6) };
}

/** A line of the file as zbarimg --raw prints an envelope QR code (docs/format.md §7): it starts with DK1E. */
const isScannedLine = (line: string): boolean => line.startsWith(ENVELOPE_QR_PREFIX);
const ENVELOPE_QR_PART = /^DK1E[1-9][1-9][0-9A-HJKMNP-TV-Z]+$/;

/**
 * Parses and checks an envelope file, typed or scanned (docs/format.md §5, §7; the order of §9). The kit id comes
 * from the shares; without it (checking an envelope alone), from the header comment.
 */
export function parseEnvelopeText(file: string, text: string, kitId?: Uint8Array): ParsedEnvelope {
  const raw = text.split(/\r?\n/);
  const scanned = raw.filter(isScannedLine);
  // a photo of a whole sheet gives both codes (zbarimg prints every code it finds): the envelope's are used and the
  // share's ignored; only a file with a share's code and no envelope code is the wrong photo
  if (scanned.length === 0 && raw.some((line) => line.startsWith(SHARE_QR_PREFIX))) {
    throw new TextFormError('E_ENVELOPE_SHARE_QR', `${file}: holds a share's QR code, not the envelope's`, file, undefined,
      ['scan the envelope\'s QR code (the large one beside the envelope\'s lines), not the share\'s']);
  }
  if (scanned.length > 0) return envelopeFromQrPayloads(file, scanned);
  const { lines, comments } = parseTextForm(file, text);
  const id = kitId ?? kitIdFromComments(comments);
  if (id === null) {
    throw new TextFormError('E_ENVELOPE_KIT', `${file}: no kit id given and no "kit XXXX-XXXX" in its header comment`, file);
  }
  const mask = kitMask(id);
  // the header comment names the kit the envelope was printed for: when lines fail and it names another kit,
  // that is the fault (combine.py, without this tie-breaker, says "no line matches kit …" when every line fails)
  const printedFor = kitIdFromComments(comments.filter((comment) => /drkit envelope/.test(comment)));
  if (kitId !== undefined && printedFor !== null && formatKitId(printedFor) !== formatKitId(kitId) && lines.some((line) => !lineMatches(line, 0, mask))) {
    throw new TextFormError('E_ENVELOPE_OTHER_KIT', `${file}: is the envelope of kit ${formatKitId(printedFor)}, the shares are of kit ${formatKitId(kitId)}`, file, undefined,
      ['every sheet of one kit carries the same envelope: type it from a sheet of the kit the shares come from']);
  }
  verifyLines(file, lines, 0, mask, () => new TextFormError('E_ENVELOPE_FOREIGN', `${file}: no line matches kit ${formatKitId(id)}`, file, undefined,
    ['it is the envelope of another kit (or an old one): type the envelope from a sheet of this kit']));
  const bytes = decodeSymbols(lines.flatMap((line) => line.payload));
  return envelopeFromBytes(file, typeof bytes === 'string' || bytes.length === 0 ? null : bytes);
}

/**
 * Reassembles an envelope from its QR payloads, as zbarimg --raw prints them: lines starting with DK1E, in any
 * order, repeats ignored; each must be a whole part, and parts 1…count must all be there. QR codes carry their own
 * error correction, so there are no line checks to do.
 */
export function envelopeFromQrPayloads(file: string, payloads: readonly string[]): ParsedEnvelope {
  // sorted as strings, as combine.py sorts them (code unit order equals code point order for these characters)
  const parts = [...new Set(payloads.map((payload) => payload.trim()))].sort();
  if (parts.some((part) => !ENVELOPE_QR_PART.test(part))) {
    throw new TextFormError('E_QR_ENVELOPE', `${file}: a QR code is damaged`, file, undefined, ['scan the envelope again, from a sharper photo']);
  }
  const count = parts[0]?.charAt(5) ?? '0';
  const expected = Array.from({ length: Number(count) }, (_, i) => `${i + 1}${count}`);
  if (parts.map((part) => part.slice(4, 6)).join(',') !== expected.join(',')) {
    throw new TextFormError('E_QR_ENVELOPE', `${file}: holds ${parts.length} of its ${count} QR codes`, file, undefined, ['scan every envelope QR code of one sheet']);
  }
  const symbols = parts.flatMap((part) => [...part.slice(6)].map((c) => symbolValue(c) ?? 0));
  const bytes = decodeSymbols(symbols);
  return envelopeFromBytes(file, typeof bytes === 'string' || bytes.length === 0 ? null : bytes);
}

/**
 * Decrypts the envelope's OpenPGP message with OpenPGP.js (loaded on demand: it is large), configured to accept
 * only what drkit writes: SEIPD with MDC (no unauthenticated data), AES-256.
 */
export async function openEnvelope(openpgpMessage: Uint8Array, passphrase: string): Promise<string> {
  const openpgp = await import('openpgp');
  try {
    const message = await openpgp.readMessage({ binaryMessage: openpgpMessage });
    const decrypted: { data: unknown } = await openpgp.decrypt({
      message,
      passwords: [passphrase],
      format: 'binary',
      config: { allowUnauthenticatedMessages: false, allowUnauthenticatedStream: false },
    });
    return new TextDecoder('utf-8', { fatal: true }).decode(decrypted.data as Uint8Array);
  } catch (error) {
    throw new UserError('E_ENVELOPE_DECRYPT', 'the envelope does not decrypt with the combined key (damaged envelope, or an envelope of another kit)', {
      hints: ['retype or rescan the envelope from another sheet'], cause: error,
    });
  }
}

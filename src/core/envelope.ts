/**
 * The envelope (docs/format.md §4): version byte, key check value, then the OpenPGP message that holds the
 * bundle text. Printed as data lines checked with share number 0 and the kit's mask, and as QR codes.
 */
import { createHash } from 'node:crypto';
import { decodeSymbols, encodeBase32, symbolValue } from './base32.js';
import { formatKitId } from './share.js';
import { formatDataLines, kitMask, parseTextForm, TextFormError, verifyLine, verifyLineLengths } from './text-form.js';
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

function envelopeFromBytes(file: string, bytes: Uint8Array): ParsedEnvelope {
  if (bytes[0] !== ENVELOPE_VERSION || bytes.length < 6 + 40) {
    throw new TextFormError('E_ENVELOPE_VERSION', `${file}: not a drkit version ${ENVELOPE_VERSION} envelope`, file);
  }
  const declared = ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0);
  if (bytes.length !== 6 + declared) {
    throw new TextFormError('E_ENVELOPE_LENGTH', `${file}: holds ${bytes.length - 6} bytes, its header says ${declared} (a line missing at the end?)`, file, undefined,
      ['compare the number of lines with the sheet']);
  }
  return { file, bytes, kcv: bytes.slice(1, 4), openpgp: bytes.slice(6) };
}

/**
 * Parses and checks a typed envelope. The kit id comes from the shares; without it (checking an envelope alone),
 * from the header comment.
 */
export function parseEnvelopeText(file: string, text: string, kitId?: Uint8Array): ParsedEnvelope {
  // the envelope scanned from a sheet's QR codes (zbarimg --raw), rather than typed
  const scanned = text.split(/\r?\n/).filter((line) => line.startsWith('DK1E'));
  if (scanned.some((line) => ENVELOPE_QR_LINE.test(line))) return envelopeFromQrPayloads(file, scanned.filter((line) => ENVELOPE_QR_LINE.test(line)));
  const { lines, comments } = parseTextForm(file, text.split(/\r?\n/).filter((line) => !line.startsWith('DK1E')).join('\n'));
  if (lines.length === 0) throw new TextFormError('E_ENVELOPE_EMPTY', `${file}: no envelope lines found`, file, undefined, ['type the numbered lines of the envelope']);
  const id = kitId ?? kitIdFromComments(comments);
  if (id === null) {
    throw new TextFormError('E_ENVELOPE_KIT', `${file}: no kit id given and no "kit XXXX-XXXX" in its header comment`, file);
  }
  verifyLineLengths(file, lines);
  const mask = kitMask(id);
  for (const line of lines) verifyLine(file, line, 0, mask);
  const payload = lines.flatMap((line) => line.payload);
  const bytes = decodeSymbols(payload);
  if (typeof bytes === 'string') {
    throw new TextFormError('E_ENVELOPE_LENGTH', `${file}: has ${payload.length} characters before the checks, which is no whole number of bytes`, file, lines.length,
      ['a character is missing or extra on the last line']);
  }
  return envelopeFromBytes(file, bytes);
}

/** A QR payload of the envelope, as zbarimg --raw prints it: `DK1E<part><count><payload>`. */
const ENVELOPE_QR_LINE = /^DK1E(\d)(\d)([0-9A-HJKMNP-TV-Z]+)\s*$/;

/**
 * Reassembles an envelope from its QR payloads (any order, repeats ignored): parts 1…count, each once. QR codes
 * carry their own error correction, so there are no line checks to do.
 */
export function envelopeFromQrPayloads(file: string, payloads: readonly string[]): ParsedEnvelope {
  const entries = [...new Set(payloads)].map((payload) => ENVELOPE_QR_LINE.exec(payload));
  if (entries.some((entry) => entry === null)) throw new UserError('E_QR_ENVELOPE', `${file}: a QR code is not a drkit envelope part`);
  // sorted as strings, part then count then payload, exactly as combine.py sorts its tuples
  const parts = (entries as RegExpExecArray[]).map((m) => [m[1] ?? '', m[2] ?? '', m[3] ?? ''] as const)
    .sort((x, y) => (x.join('\u0000') < y.join('\u0000') ? -1 : 1));
  const count = parts[0]?.[1] ?? '0';
  const complete = parts.length === Number(count) && parts.every((part, i) => part[0] === String(i + 1) && part[1] === count);
  if (parts.length === 0 || !complete) {
    throw new TextFormError('E_QR_ENVELOPE', `${file}: holds ${parts.length} of its ${count} QR codes`, file, undefined, ['scan every envelope QR code of one sheet']);
  }
  const symbols = parts.flatMap((part) => [...part[2]].map((c) => symbolValue(c) ?? 0));
  const bytes = decodeSymbols(symbols);
  if (typeof bytes === 'string') {
    throw new TextFormError('E_ENVELOPE_LENGTH', `${file}: has ${symbols.length} characters before the checks, which is no whole number of bytes`, file);
  }
  return envelopeFromBytes(file, bytes);
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

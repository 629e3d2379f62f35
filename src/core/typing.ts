/**
 * Checking a kit as a person types it, one line at a time, so a mistake is named the moment it is made rather
 * than after sixty lines. The rules are those of docs/format.md §5, applied to a prefix of the text: line 1 of a
 * share reveals its number and kit; line 1 of the envelope reveals how many lines it has.
 */
import { base32Length, leadingBytes } from './base32.js';
import { SHARE_CHARS, shareHeaderProblem, formatKitId } from './share.js';
import { ENVELOPE_VERSION } from './envelope.js';
import { kitMask, LINE_PAYLOAD, MAX_LINES, parseDataLine, TextFormError, verifyLine } from './text-form.js';

export interface TypedShareHeader {
  number: number;
  count: number;
  threshold: number;
  kitId: Uint8Array;
}

/** The data lines of a share, and the payload characters on each. */
export const SHARE_LINE_LENGTHS = [LINE_PAYLOAD, LINE_PAYLOAD, SHARE_CHARS - 2 * LINE_PAYLOAD] as const;

function expectLength(file: string, number: number, payload: number, expected: number): void {
  if (payload !== expected) {
    throw new TextFormError('E_LINE_LENGTH', `${file} line ${number}: has ${payload} characters, not ${expected}`,
      file, number, ['a character is missing or extra on this line (not counting the 2 check characters at its end)']);
  }
}

/**
 * Checks data line `number` (1…3) of a share as typed. Line 1 needs no context and returns the header it
 * reveals; lines 2 and 3 need that header.
 */
export function checkTypedShareLine(file: string, number: number, raw: string, header: TypedShareHeader | null): TypedShareHeader {
  const line = parseDataLine(file, number, raw);
  expectLength(file, number, line.payload.length + line.check.length - 2, SHARE_LINE_LENGTHS[number - 1] ?? 0);
  if (number === 1) {
    const head = leadingBytes(line.payload, 7);
    verifyLine(file, line, (head[1] ?? 0) >> 4, 0);
    const problem = shareHeaderProblem(head);
    if (problem !== null) throw new TextFormError('E_SHARE_HEADER', `${file}: not a drkit share`, file, 1, [`line 1 says: ${problem}`]);
    return { threshold: (head[0] ?? 0) & 15, number: (head[1] ?? 0) >> 4, count: (head[1] ?? 0) & 15, kitId: head.slice(2, 7) };
  }
  if (header === null) throw new TextFormError('E_LINE_LABEL', `${file} line ${number}: line 1 comes first`, file, number);
  verifyLine(file, line, header.number, kitMask(header.kitId));
  return header;
}

/** Checks data line `number` of the envelope as typed; line 1 returns how many lines the envelope has. */
export function checkTypedEnvelopeLine(file: string, number: number, raw: string, kitId: Uint8Array, lineCount: number | null): number {
  const line = parseDataLine(file, number, raw);
  if (lineCount === null || number < lineCount) expectLength(file, number, line.payload.length + line.check.length - 2, LINE_PAYLOAD);
  verifyLine(file, line, 0, kitMask(kitId));
  if (number === 1) {
    // byte 0: the format version; bytes 4…5: the OpenPGP message's length (docs/format.md §4)
    const head = leadingBytes(line.payload, 6);
    const lines = Math.ceil(base32Length(6 + (((head[4] ?? 0) << 8) | (head[5] ?? 0))) / LINE_PAYLOAD);
    if (head[0] !== ENVELOPE_VERSION || lines > MAX_LINES) {
      throw new TextFormError('E_ENVELOPE_VERSION', `${file}: not a drkit envelope`, file, 1, ['type the envelope of this kit, from any of its sheets']);
    }
    return lines;
  }
  // the last line's length follows from the envelope's length; parseEnvelopeText checks it on the whole text
  return lineCount ?? 0;
}

export function describeHeader(header: TypedShareHeader): string {
  return `share ${header.number} of ${header.count} of kit ${formatKitId(header.kitId)}; any ${header.threshold} open it`;
}

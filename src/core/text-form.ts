/**
 * The printed text form shared by shares and the envelope (docs/format.md §5): numbered data lines of base32
 * payload, each ending in two check characters of a distance-3 code over GF(32) that binds the line to its
 * share number, its line number and the kit. Decoding never corrects: it names the file, the line and the rule.
 *
 * The error messages here are mirrored word for word by templates/recover/combine.py.
 */
import { createHash } from 'node:crypto';
import { ALPHABET, symbolValue } from './base32.js';
import { UserError } from '../errors.js';

/** payload characters on every data line but the last */
export const LINE_PAYLOAD = 24;
/** the line number is two symbols (L >> 5, L & 31) */
export const MAX_LINES = 1023;

/** A typed text form that broke a rule. `line` is the data line number (the printed label), when one is named. */
export class TextFormError extends UserError {
  constructor(code: string, message: string, readonly file: string, readonly line?: number, hints: readonly string[] = []) {
    super(code, message, { hints, details: { file, ...(line === undefined ? {} : { line }) } });
    this.name = 'TextFormError';
  }
}

const mulAlpha = (v: number): number => {
  const shifted = v << 1;
  return shifted & 32 ? shifted ^ 0x25 : shifted;
};

/** The 10-bit kit mask M: the first 10 bits of SHA-256("drkit/1 line check" ‖ kit id). */
export function kitMask(kitId: Uint8Array): number {
  const digest = createHash('sha256').update('drkit/1 line check').update(kitId).digest();
  return (((digest[0] ?? 0) << 8) | (digest[1] ?? 0)) >> 6;
}

/** The two check symbols of a data line (docs/format.md §5). */
export function lineCheck(share: number, lineNumber: number, payload: readonly number[], mask: number): [number, number] {
  const word = [share, lineNumber >> 5, lineNumber & 31, ...payload];
  let xor = 0;
  let horner = 0;
  for (const symbol of word) {
    xor ^= symbol;
    horner = mulAlpha(horner) ^ symbol;
  }
  return [xor ^ (mask >> 5), horner ^ (mask & 31)];
}

/** Formats payload characters as numbered data lines with their checks: `1: XXXX XXXX …  CC`. */
export function formatDataLines(payload: string, share: number, mask: number, firstLineMask = mask): string[] {
  const lines: string[] = [];
  for (let start = 0, lineNumber = 1; start < payload.length; start += LINE_PAYLOAD, lineNumber++) {
    const chunk = payload.slice(start, start + LINE_PAYLOAD);
    const symbols = [...chunk].map((char) => ALPHABET.indexOf(char));
    const [c1, c2] = lineCheck(share, lineNumber, symbols, lineNumber === 1 ? firstLineMask : mask);
    const groups = chunk.match(/.{1,4}/g) ?? [];
    lines.push(`${lineNumber}: ${groups.join(' ')}  ${ALPHABET.charAt(c1)}${ALPHABET.charAt(c2)}`);
  }
  return lines;
}

export interface DataLine {
  /** 1-based position among the data lines (what the printed label says) */
  number: number;
  payload: number[];
  check: [number, number];
}

export interface ParsedText {
  lines: DataLine[];
  /** comment lines, without the leading '#', trimmed */
  comments: string[];
}

/**
 * Splits a typed text form into data lines: removes comments, blank lines and labels, maps characters to values.
 * Checks the characters and the labels here; the line checks need the share number and kit, so callers do them.
 */
export function parseTextForm(file: string, text: string): ParsedText {
  const lines: DataLine[] = [];
  const comments: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.slice(1).trim());
      continue;
    }
    lines.push(parseDataLine(file, lines.length + 1, raw));
  }
  return { lines, comments };
}

/**
 * One data line, typed at position `number`: checks the optional label, every character and the minimum length.
 * The line check needs the share number and kit, so callers do it (verifyLine).
 */
export function parseDataLine(file: string, number: number, raw: string): DataLine {
  const label = /^\s*(\d+)\s*:/.exec(raw);
  let start = 0;
  if (label) {
    if (Number(label[1]) !== number) {
      throw new TextFormError('E_LINE_LABEL', `${file} line ${number}: labelled ${label[1]} (a line is missing or repeated)`, file, number,
        ['type the lines in order, each once']);
    }
    start = label[0].length;
  }
  const symbols: number[] = [];
  for (let column = start; column < raw.length; column++) {
    const char = raw.charAt(column);
    if (char === ' ' || char === '\t') continue;
    const value = symbolValue(char);
    if (value === undefined) {
      throw new TextFormError('E_CHAR', `${file} line ${number}: character '${char}' in column ${column + 1} is not allowed (use 0-9 and A-Z without I, L, O, U)`,
        file, number, ['compare the line with the sheet character by character']);
    }
    symbols.push(value);
  }
  if (symbols.length < 3) {
    throw new TextFormError('E_LINE_SHORT', `${file} line ${number}: too short (a data line has payload and 2 check characters)`, file, number);
  }
  return { number, payload: symbols.slice(0, -2), check: [symbols[symbols.length - 2] ?? 0, symbols[symbols.length - 1] ?? 0] };
}

/** Throws the line's check error unless its check characters match. */
export function verifyLine(file: string, line: DataLine, share: number, mask: number): void {
  const [c1, c2] = lineCheck(share, line.number, line.payload, mask);
  if (c1 !== line.check[0] || c2 !== line.check[1]) {
    throw new TextFormError('E_LINE_CHECK',
      `${file} line ${line.number}: check characters do not match (a typo, two characters swapped, or a line from another share or kit)`,
      file, line.number, ['retype the line from the sheet and compare it character by character']);
  }
}

/** Throws unless every line but the last has exactly LINE_PAYLOAD payload characters. */
export function verifyLineLengths(file: string, lines: readonly DataLine[]): void {
  for (const line of lines.slice(0, -1)) {
    if (line.payload.length !== LINE_PAYLOAD) {
      throw new TextFormError('E_LINE_LENGTH', `${file} line ${line.number}: has ${line.payload.length} characters before the check, expected ${LINE_PAYLOAD}`,
        file, line.number, ['a character is missing or extra on this line']);
    }
  }
}

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
  /** the characters' values before the last two */
  payload: number[];
  /** the last two characters' values (fewer when the line is shorter: such a line never passes its check) */
  check: number[];
}

export interface ParsedText {
  lines: DataLine[];
  /** comment lines, as typed (with their '#') */
  comments: string[];
}

/** Blank (only spaces and tabs) or a comment: the first character that is not a space or tab is '#'. */
export function isCommentLine(raw: string): boolean {
  const trimmed = raw.replace(/^[ \t]+/, '');
  return trimmed === '' || trimmed.startsWith('#');
}

/**
 * Splits a typed text form into data lines (docs/format.md §5): lines end with LF or CR LF; blank and comment
 * lines are skipped (comments kept); every other line is a data line, checked for its label and its characters.
 * The line checks need the share number and kit, so callers do them (verifyLines).
 */
export function parseTextForm(file: string, text: string): ParsedText {
  const lines: DataLine[] = [];
  const comments: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (isCommentLine(raw)) {
      if (raw.trim() !== '') comments.push(raw);
      continue;
    }
    lines.push(parseDataLine(file, lines.length + 1, raw));
  }
  // every data line but the last is whole: a character missing or extra, or lines in the wrong order
  for (const line of lines.slice(0, -1)) {
    if (line.payload.length + line.check.length !== LINE_PAYLOAD + 2) {
      throw new TextFormError('E_LINE_LENGTH', `${file} line ${line.number}: has ${line.payload.length + line.check.length - 2} characters, not ${LINE_PAYLOAD}`, file, line.number,
        [`every line but the last has ${LINE_PAYLOAD} characters (6 groups of 4) before its 2 check characters: one is missing or extra, or the lines are out of order`]);
    }
  }
  return { lines, comments };
}

/** One data line, typed at position `number`: checks the optional label and every character. */
export function parseDataLine(file: string, number: number, raw: string): DataLine {
  const label = /^[ \t]*([0-9]+)[ \t]*:/.exec(raw);
  if (label && Number(label[1]) !== number) {
    throw new TextFormError('E_LINE_LABEL', `${file} line ${number}: labelled ${label[1]}`, file, number,
      ['a line is missing or typed twice: type the lines in order, each once']);
  }
  const symbols: number[] = [];
  // by code point, as Python iterates a string
  for (const char of raw.slice(label ? label[0].length : 0)) {
    if (char === ' ' || char === '\t') continue;
    const value = symbolValue(char);
    if (value === undefined) {
      throw new TextFormError('E_CHAR', `${file} line ${number}: character '${char}' is not allowed`, file, number,
        ['the sheets use 0-9 and A-Z without I, L, O and U: compare the line with the sheet character by character']);
    }
    symbols.push(value);
  }
  return { number, payload: symbols.slice(0, -2), check: symbols.slice(-2) };
}

/** Whether a line's check characters match (docs/format.md §5). */
export function lineMatches(line: DataLine, share: number, mask: number): boolean {
  const [c1, c2] = lineCheck(share, line.number, line.payload, mask);
  return line.check.length === 2 && line.check[0] === c1 && line.check[1] === c2;
}

const CHECK_HINTS = ['a typo, two characters swapped, or a line from another share or kit: retype the line from the sheet and compare it character by character'];

/** Throws the line's check error unless its check characters match. */
export function verifyLine(file: string, line: DataLine, share: number, mask: number): void {
  if (!lineMatches(line, share, mask)) {
    throw new TextFormError('E_LINE_CHECK', `${file} line ${line.number}: check characters do not match`, file, line.number, CHECK_HINTS);
  }
}

/**
 * Checks `lines` with one share number and mask. When every one of them fails and there are at least two, the
 * fault is not on those lines but in what they were checked against: `whole` is thrown (line 1 of a share taken
 * from another share or kit; another kit's envelope). Otherwise the first failing line is named.
 */
export function verifyLines(file: string, lines: readonly DataLine[], share: number, mask: number, whole: () => TextFormError): void {
  const failing = lines.filter((line) => !lineMatches(line, share, mask));
  if (failing.length > 1 && failing.length === lines.length) throw whole();
  const first = failing[0];
  if (first !== undefined) verifyLine(file, first, share, mask);
}

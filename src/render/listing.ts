/**
 * The printed combiner listing and the guide's machine-checkable parts (docs/format.md §10).
 *
 * A listing row is `NNN CCCC | code`: the line number right-aligned in 3 columns, the line's check (the first 4
 * hex digits of SHA-256 of the line's UTF-8 bytes, without its line break), " | ", then the line exactly. A line
 * longer than a row continues on rows `  +      | rest` (the rest typed straight on). Rows are cut only between
 * two characters that are not spaces, so no row starts or ends with a space that a text extractor could drop.
 * An empty line is `NNN CCCC |`.
 *
 * These functions are pure, so the drill and the self-test can use them on any text layer.
 */
import { createHash } from 'node:crypto';
import { InternalError } from '../errors.js';

/** The per-line check printed beside every line of the listing. */
export function listingLineCheck(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex').slice(0, 4);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** the short combiner's seal: the first 16 hex digits (64 bits) of the SHA-256 of its lines */
export const SHORT_SEAL_DIGITS = 16;

/**
 * A combiner's seal: its last line is `#=` and the SHA-256 (hex) of every line above it, which the combiner checks
 * before it reads anything, so a mistyped combiner names itself instead of blaming a sheet. The full combiner
 * (combine.py, read from QR codes) carries all 64 hex digits; the short one (combine-short.py, typed from the
 * listing) the first 16, enough to catch any typing mistake (docs/format.md §10). Returns the seal as printed
 * (64 or 16 digits). Throws when the file is not sealed (scripts/make-vectors.ts seals both).
 */
export function combinerSeal(source: string, strict = true): string {
  const cut = source.lastIndexOf('\n#=');
  const seal = sha256Hex(source.slice(0, cut + 1));
  const printed = cut < 0 ? '' : source.slice(cut + 3).trim();
  const sealed = (printed.length === 64 || printed.length === SHORT_SEAL_DIGITS) && seal.startsWith(printed);
  // (not strict: a test's stand-in combiner; what the kit prints is always checked strictly, by writePdfKit)
  if (strict && !sealed) {
    throw new InternalError('a combiner in templates/recover is not sealed: its last line must be #= and the SHA-256 of the lines above (run the vector script)');
  }
  return sealed ? printed : seal;
}

/** the combiner is printed as this many QR codes, one per page (about 1,400 bytes each: version 31 or lower) */
export const COMBINER_QR_PARTS = 3;

/**
 * The combiner cut at line breaks into `parts` pieces of about equal size, each without its final line break:
 * `zbarimg --raw` prints every code followed by a line break, so `zbarimg --raw -q p1.jpg p2.jpg p3.jpg > combine.py`
 * (the photos in order, one code each) writes the file exactly (docs/format.md §10).
 */
export function combinerQrPayloads(source: string, parts = COMBINER_QR_PARTS): string[] {
  if (/[^\n\x20-\x7e]/.test(source)) throw new InternalError('the combiner must be printable ASCII to travel in QR codes');
  const lines = source.replace(/\n$/, '').split('\n');
  const target = source.length / parts;
  const out: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (current.length > 0 && size + line.length / 2 > target * (out.length + 1) && out.length < parts - 1) { out.push(current.join('\n')); current = []; }
    current.push(line);
    size += line.length + 1;
  }
  out.push(current.join('\n'));
  return out;
}

export const LISTING_PREFIX_WIDTH = 11;
const CONTINUATION = '  +      | ';

/** Cuts a line into row segments of at most `width` characters, only between two non-space characters. */
function segments(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = width;
    while (cut > 1 && (rest[cut - 1] === ' ' || rest[cut] === ' ')) cut--;
    if (cut <= 1) cut = width; // a line of spaces: cannot happen in code worth printing
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/** The printed rows of a listing, `rowChars` characters wide at most (prefix included). */
export function listingRows(source: string, rowChars: number): string[] {
  const lines = source.replace(/\n$/, '').split('\n');
  const rows: string[] = [];
  lines.forEach((line, index) => {
    const head = `${String(index + 1).padStart(3)} ${listingLineCheck(line)} |`;
    if (line === '') { rows.push(head); return; }
    segments(line, rowChars - LISTING_PREFIX_WIDTH).forEach((segment, part) => {
      rows.push(part === 0 ? `${head} ${segment}` : `${CONTINUATION}${segment}`);
    });
  });
  return rows;
}

export interface ExtractedListing {
  /** the file as typed from the listing, ending with a line break */
  text: string;
  sha256: string;
  /** 1-based numbers of lines whose printed check does not match their text */
  badLines: number[];
}

/**
 * Rebuilds the listed file from a text layer (pdftotext -layout -fixed, which keeps every column). Rows are
 * found by their shape, so page headers and prose around the listing are skipped.
 */
export function extractListing(textLayer: string): ExtractedListing {
  const lines: string[] = [];
  const checks: string[] = [];
  for (const raw of textLayer.split('\n')) {
    const row = raw.replace(/\f/g, '');
    const first = /^\s*(\d+) ([0-9a-f]{4}) \|(?: (.*))?$/.exec(row);
    if (first && Number(first[1]) === lines.length + 1) {
      lines.push((first[3] ?? '').replace(/\s+$/, ''));
      checks.push(first[2] ?? '');
      continue;
    }
    const more = /^\s*\+ +\| (.*)$/.exec(row);
    if (more && lines.length > 0) lines[lines.length - 1] += (more[1] ?? '').replace(/\s+$/, '');
  }
  const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  const badLines = lines.flatMap((line, index) => (listingLineCheck(line) === checks[index] ? [] : [index + 1]));
  return { text, sha256: sha256Hex(text), badLines };
}

/**
 * The commands of the guide's printed path: every line of Part 2 whose first non-blank characters are "$ ",
 * without the "$ ", in order. `partHeading` is the heading that opens the path; the path ends at the next line
 * starting with "Part " and a number.
 */
export function extractGuideCommands(textLayer: string, partHeading = 'Part 2. Restore step by step'): string[] {
  const commands: string[] = [];
  let inside = false;
  for (const raw of textLayer.split('\n')) {
    const line = raw.replace(/\f/g, '').trim();
    if (line === partHeading) { inside = true; continue; }
    if (inside && /^Part \d+\. /.test(line)) break;
    if (inside && line.startsWith('$ ')) commands.push(line.slice(2));
  }
  return commands;
}

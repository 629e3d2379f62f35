/**
 * Custodians as the owner names them: `--custodians "Ann Smith <ann@example.org, +44 20 7946 0000>,Ben Jones"` or a
 * custodians file with one custodian per line. After a fire, reaching the other holders is the hard part, so each
 * may carry contact details (phone, email, postal address: free text between `<` and `>`), printed on every sheet.
 *
 * Rules (one place for every caller):
 * - in the comma list, entries are separated by commas outside `<…>`; in a file, by line breaks (and `#` lines
 *   and blank lines are skipped); an entry is `NAME` or `NAME <CONTACT>`;
 * - names and contacts hold no control characters (C0, DEL, C1) and no Unicode line or paragraph separator: they
 *   are printed on paper, written to kit.json and shown in the terminal, where such characters hide or rewrite text.
 */
import { UserError } from '../errors.js';

export interface Custodian {
  name: string;
  /** phone, email or address, as given; absent when none was given */
  contact?: string;
}

/** control characters, and the separators that break a printed line without looking like a break */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rule looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The first control character in `text` as `U+XXXX` (never the surrounding text), or null. */
export function controlCharacter(text: string): string | null {
  const match = CONTROL.exec(text);
  if (match === null) return null;
  return `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function usage(source: string, message: string, hint: string): UserError {
  return new UserError('E_USAGE', `${source}: ${message}`, { hints: [hint] });
}

function parseEntry(entry: string, source: string, index: number): Custodian {
  const where = `${source}: custodian ${index + 1}`;
  const bad = controlCharacter(entry);
  if (bad !== null) {
    throw usage(source, `custodian ${index + 1} contains the control character ${bad}`, 'names and contact details are printed: use plain text on one line');
  }
  const match = /^([^<>]*?)\s*(?:<([^<>]*)>)?\s*$/.exec(entry.trim());
  if (match === null) {
    throw usage(source, `custodian ${index + 1} ("${entry.trim().slice(0, 40)}") is not NAME or NAME <CONTACT>`, 'write contact details once, between < and >: Ann Smith <ann@example.org, +44 20 7946 0000>');
  }
  const name = (match[1] ?? '').trim();
  const contact = match[2]?.trim();
  if (name === '') throw usage(source, `custodian ${index + 1} has no name`, 'give one name per custodian, separated by commas');
  if (name.length > 80) throw new UserError('E_USAGE', `${where}: the name is longer than 80 characters`, { hints: ['use the name the others know the custodian by'] });
  if (contact !== undefined && contact.length > 160) throw new UserError('E_USAGE', `${where}: the contact details are longer than 160 characters`, { hints: ['give one phone number, one email or a short address'] });
  return contact === undefined || contact === '' ? { name } : { name, contact };
}

/** Splits at commas that are not inside `<…>`. */
function splitList(list: string): string[] {
  const entries: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of list) {
    if (char === '<') depth++;
    if (char === '>') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) { entries.push(current); current = ''; continue; }
    current += char;
  }
  entries.push(current);
  return entries;
}

/** `--custodians "Ann Smith <ann@example.org, +44 …>,Ben Jones"`. */
export function parseCustodianList(list: string, source = '--custodians'): Custodian[] {
  return splitList(list).map((entry, index) => parseEntry(entry, source, index));
}

/** A custodians file: one `NAME` or `NAME <CONTACT>` per line; blank lines and lines starting with `#` are skipped. */
export function parseCustodianFile(text: string, source: string): Custodian[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  return lines.map((line, index) => parseEntry(line, source, index));
}

/** "Ann Smith (ann@example.org, +44 …)" or "Ann Smith". */
export function describeCustodian(custodian: Custodian): string {
  return custodian.contact === undefined ? custodian.name : `${custodian.name} (${custodian.contact})`;
}

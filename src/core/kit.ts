/**
 * Creating and combining a kit (docs/format.md): the kit key encrypts the bundle into the envelope and is split
 * with `shamir-secret-sharing` into n shares, any k of which rebuild it. Pure: randomness and the date come in as
 * parameters; the library's split draws its own randomness (it cannot take a source; see scripts/make-vectors.ts
 * for how vectors pin it).
 */
import { combine as shamirCombine, split as shamirSplit } from 'shamir-secret-sharing';
import { encodeBase32 } from './base32.js';
import { formatBundleText, summarizeBundle, validateBundleInput, type BundleInput, type BundleSummary } from './bundle.js';
import { encodeEnvelope, envelopeQrPayloads, formatEnvelopeText, keyCheckValue, parseEnvelopeText } from './envelope.js';
import { encryptWithPassphrase } from './openpgp.js';
import type { RandomBytes } from './random.js';
import {
  encodeShare, formatKitId, formatShareText, KIT_ID_BYTES, MAX_SHARES, parseShareText, shareFingerprint, shareQrPayload,
  type ParsedShare, type Share,
} from './share.js';
import { UserError } from '../errors.js';
import { sameBytes, subsets } from './subsets.js';
import { controlCharacter } from './custodians.js';

export const KEY_BYTES = 32;

export interface KitShare {
  number: number;
  custodian: string;
  /** the custodian's phone, email or address, printed on every sheet; absent when none was given */
  contact?: string;
  bytes: Uint8Array;
  fingerprint: string;
  /** the whole share text file */
  text: string;
  /** the numbered data lines, as printed: "1: XXXX …  CC" */
  dataLines: string[];
  qrPayload: string;
}

export interface KitEnvelope {
  bytes: Uint8Array;
  text: string;
  dataLines: string[];
  qrPayloads: string[];
}

export interface Kit {
  kitId: string;
  kitIdDisplay: string;
  createdOn: string;
  n: number;
  k: number;
  shares: KitShare[];
  envelope: KitEnvelope;
  fingerprints: string[];
  summary: BundleSummary;
}

export type Splitter = (secret: Uint8Array, shares: number, threshold: number) => Promise<Uint8Array[]>;

export interface CreateKitOptions {
  custodians: readonly string[];
  /** contact details by custodian (same order), when given */
  contacts?: readonly (string | undefined)[];
  threshold: number;
  random: RandomBytes;
  now: Date;
  /** the Shamir split; the audited library's by default */
  split?: Splitter;
}

/** Checks custodians and threshold; the messages name the option and the rule. */
export function validateKitShape(custodians: readonly string[], threshold: number): void {
  const n = custodians.length;
  const usage = (message: string, hint: string) => new UserError('E_USAGE', message, { hints: [hint] });
  custodians.forEach((name, index) => {
    if (name.trim() === '') throw usage(`--custodians: name ${index + 1} is empty`, 'give one name per custodian, separated by commas');
    const bad = controlCharacter(name);
    if (bad !== null) throw usage(`--custodians: name ${index + 1} contains the control character ${bad}`, 'names are printed: use plain text on one line');
  });
  const seen = new Map<string, number>();
  custodians.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw usage(`--custodians: "${name.trim()}" is named twice (${first + 1} and ${index + 1})`, 'each custodian holds one share: name each once');
    seen.set(key, index);
  });
  if (n < 2) throw usage(`--custodians: ${n} named, a kit needs at least 2`, 'name at least 2 custodians');
  if (n > MAX_SHARES) throw usage(`--custodians: ${n} named, a kit has at most ${MAX_SHARES}`, `name at most ${MAX_SHARES} custodians`);
  if (!Number.isInteger(threshold) || threshold < 2) throw usage(`--threshold: ${threshold} is below 2`, 'one share alone must never open the kit: use 2 or more');
  if (threshold > n) throw usage(`--threshold: ${threshold} is more than the ${n} custodians`, `use a threshold from 2 to ${n}`);
}

/** Creates a kit. Returns the passphrase too, for the caller's self-test only: it is never printed or stored. */
export async function createKit(raw: BundleInput, options: CreateKitOptions): Promise<{ kit: Kit; passphrase: string }> {
  // every caller gets the validator's rules (the repository id's 8 digits among them), not only the CLI's
  const input = validateBundleInput(raw);
  const custodians = options.custodians.map((name) => name.trim());
  validateKitShape(custodians, options.threshold);
  const n = custodians.length;
  const k = options.threshold;
  const key = options.random(KEY_BYTES);
  const kitId = options.random(KIT_ID_BYTES);
  const split = options.split ?? ((secret, shares, threshold) => shamirSplit(secret, shares, threshold));
  // the library checks `constructor === Uint8Array`: a Buffer would be refused
  const pieces = await split(new Uint8Array(key), n, k);
  const shares: Share[] = pieces.map((secretShare, index) => ({ threshold: k, number: index + 1, count: n, kitId, secretShare }));
  const shareBytes = shares.map(encodeShare);
  const fingerprints = shareBytes.map(shareFingerprint);
  const createdOn = options.now.toISOString().slice(0, 10);
  const kitIdText = encodeBase32(kitId);
  const passphrase = encodeBase32(key);

  const plaintext = new TextEncoder().encode(formatBundleText(input, kitIdText, createdOn));
  const envelopeBytes = encodeEnvelope(keyCheckValue(key), encryptWithPassphrase(plaintext, passphrase, options.random));
  const envelopeText = formatEnvelopeText(envelopeBytes, kitId);

  const kit: Kit = {
    kitId: kitIdText,
    kitIdDisplay: formatKitId(kitId),
    createdOn, n, k, fingerprints,
    shares: shares.map((share, index) => {
      const { text, dataLines } = formatShareText(share, fingerprints);
      const bytes = shareBytes[index] ?? new Uint8Array();
      const contact = options.contacts?.[index];
      if (contact !== undefined && controlCharacter(contact) !== null) throw new UserError('E_USAGE', `--custodians: the contact details of custodian ${index + 1} contain the control character ${controlCharacter(contact) ?? ''}`);
      return { number: share.number, custodian: custodians[index] ?? '', ...(contact === undefined || contact === '' ? {} : { contact }), bytes, fingerprint: fingerprints[index] ?? '', text, dataLines, qrPayload: shareQrPayload(bytes) };
    }),
    envelope: { bytes: envelopeBytes, text: envelopeText.text, dataLines: envelopeText.dataLines, qrPayloads: envelopeQrPayloads(envelopeBytes) },
    summary: summarizeBundle(input),
  };
  return { kit, passphrase };
}

export interface NamedText {
  /** file name (or another label) used in messages */
  name: string;
  text: string;
}

export interface CombinedKit {
  kitId: string;
  kitIdDisplay: string;
  passphrase: string;
  /** the OpenPGP message to give gpg or openEnvelope */
  openpgp: Uint8Array;
  /** share numbers used */
  sharesUsed: number[];
  /** things the restorer should know that did not stop the combination */
  warnings: string[];
}

/**
 * Checks that the parsed shares belong together, in the order of docs/format.md §9 (combine.py's order): every
 * share of the first one's kit and k of n; then for each share in turn, a number no earlier share has and its
 * fingerprint in every share's list; then that there are enough.
 */
export function checkSharesAgree(shares: readonly ParsedShare[]): void {
  const first = shares[0];
  if (first === undefined) throw new UserError('E_TOO_FEW', 'no shares given', { hints: ['give the share files of k custodians'] });
  const firstId = formatKitId(first.kitId);
  for (const share of shares) {
    if (!sameBytes(share.kitId, first.kitId) || share.threshold !== first.threshold || share.count !== first.count) {
      throw new UserError('E_KIT_MIX', `${share.file} is of kit ${formatKitId(share.kitId)}, ${first.file} of ${firstId}`,
        { hints: ['use shares of one kit only: the kit id is printed on every sheet (the same id with another "k of n" means a share was altered)'] });
    }
  }
  shares.forEach((share, index) => {
    const other = shares.slice(0, index).find((earlier) => earlier.number === share.number);
    if (other) {
      throw new UserError('E_SHARE_DUP', `${other.file} and ${share.file} are both share ${share.number}`,
        { hints: ['each share counts once: use the sheets of different custodians'] });
    }
    for (const lister of shares) {
      const listed = lister.listedFingerprints.get(share.number);
      if (listed !== undefined && listed !== share.fingerprint) {
        throw new UserError('E_FINGERPRINT', `${share.file}: share ${share.number} has fingerprint ${share.fingerprint}, ${lister.file} lists ${listed}`,
          { hints: ['a share, or a fingerprint line, was mistyped or altered: retype both, then compare with a third sheet\'s fingerprint list'] });
      }
    }
  });
  if (shares.length < first.threshold) {
    throw new UserError('E_TOO_FEW', `kit ${firstId} needs ${first.threshold} shares, ${shares.length} given`,
      { hints: [`find ${first.threshold - shares.length} more custodian${first.threshold - shares.length === 1 ? '' : 's'}: any ${first.threshold} of the ${first.count} sheets open the kit`] });
  }
}

const numbersOf = (shares: readonly ParsedShare[]): string => shares.map((s) => s.number).join(', ');

async function combineSecret(shares: readonly ParsedShare[]): Promise<Uint8Array> {
  // checked here, not left to the library, so the message is combine.py's
  if (new Set(shares.map((share) => share.secretShare[32])).size !== shares.length) {
    throw new UserError('E_SHARE_POINT', `shares ${numbersOf(shares)} repeat an evaluation point`,
      { hints: ['one of them was altered: compare each share\'s fingerprint with the list on another sheet'] });
  }
  return shamirCombine(shares.map((share) => new Uint8Array(share.secretShare)));
}

/**
 * Combines typed shares and checks the key against the envelope's key check value before anything is decrypted.
 * All given shares are used; when they disagree and more than k were given, the subsets are searched so the
 * odd share can be named.
 */
export async function combineKit(shareTexts: readonly NamedText[], envelopeText: NamedText): Promise<CombinedKit> {
  const shares = shareTexts.map((input) => parseShareText(input.name, input.text));
  checkSharesAgree(shares);
  const first = shares[0] as ParsedShare;
  const envelope = parseEnvelopeText(envelopeText.name, envelopeText.text, first.kitId);
  const kitIdDisplay = formatKitId(first.kitId);
  const result = (key: Uint8Array, used: readonly ParsedShare[], warnings: string[]): CombinedKit => ({
    kitId: encodeBase32(first.kitId), kitIdDisplay, passphrase: encodeBase32(key), openpgp: envelope.openpgp,
    sharesUsed: used.map((share) => share.number), warnings,
  });

  const key = await combineSecret(shares);
  if (sameBytes(keyCheckValue(key), envelope.kcv)) return result(key, shares, []);

  if (shares.length > first.threshold) {
    for (const subset of subsets(shares, first.threshold)) {
      const candidate = await combineSecret(subset).catch(() => null);
      if (candidate !== null && sameBytes(keyCheckValue(candidate), envelope.kcv)) {
        const odd = shares.filter((share) => !subset.includes(share)).map((share) => `${share.file} (share ${share.number})`);
        return result(candidate, subset, [`left out ${odd.join(', ')}: it does not agree with the others (altered?)`]);
      }
    }
  }
  throw new UserError('E_KEY_CHECK', `shares ${numbersOf(shares)} do not open ${envelopeText.name}`, {
    hints: ['one of the shares was altered, or the envelope is of another kit: compare each share\'s fingerprint with the list printed on another sheet',
      'with one more share, drkit can name the altered one'],
  });
}

/**
 * The k-subset self-test of a freshly written kit, shared by the text kit and the PDF kit: the shares and the
 * envelope as read back from the files (not as held in memory) must open the kit in every combination of k, and
 * the envelope must decrypt to exactly the bundle that was sealed — decoded field by field, so a value the bundle
 * text cannot carry (a line separator, a quote) fails here rather than in a restorer's hands.
 *
 * Every k-subset goes through combineKit (as `recover` does) when there are at most FULL_COMBINE_LIMIT of them;
 * beyond that (C(15, 8) = 6435), n rotating subsets that use every share do, and the rest are combined with the
 * same library and checked against the key check value and the passphrase.
 */
import { combine as shamirCombine } from 'shamir-secret-sharing';
import { encodeBase32 } from './base32.js';
import { parseBundleText, validateBundleInput, type BundleInput } from './bundle.js';
import { keyCheckValue, openEnvelope, parseEnvelopeText } from './envelope.js';
import { combineKit, type Kit, type NamedText } from './kit.js';
import { parseShareText } from './share.js';
import { sameBytes, subsets } from './subsets.js';

export const FULL_COMBINE_LIMIT = 252;

export interface SelfTestInput {
  kit: Kit;
  /** the share files as read back, in share order (shares[i] holds share i + 1) */
  shares: readonly NamedText[];
  envelope: NamedText;
  /** the passphrase createKit returned, when known */
  passphrase?: string;
  /** the bundle that was sealed: the decrypted bundle text must decode to it */
  bundle?: BundleInput;
  /** builds the error to throw; `files` names the share files involved */
  fail: (files: string, what: string) => Error;
}

/** Combines every k-subset and decrypts; returns how many subsets were combined. */
export async function selfTestCombinations(input: SelfTestInput): Promise<number> {
  const { kit, shares, envelope, fail } = input;
  const all = [...subsets(shares, kit.k)];
  const full = all.length <= FULL_COMBINE_LIMIT ? all
    : shares.map((_, start) => Array.from({ length: kit.k }, (__, offset) => shares[(start + offset) % shares.length] as NamedText));
  let reference = input.passphrase;
  const opened = new Map<string, string>();
  for (const subset of full) {
    const names = subset.map((item) => item.name).join(', ');
    let combined;
    try {
      combined = await combineKit(subset, envelope);
    } catch (error) {
      throw fail(names, `these shares do not combine: ${(error as Error).message}`);
    }
    if (reference !== undefined && combined.passphrase !== reference) throw fail(names, 'these shares combine to a different key');
    reference = combined.passphrase;
    // decrypting once per distinct key proves the others: each passed the key check against the envelope
    if (!opened.has(combined.passphrase)) {
      let text: string;
      try {
        text = await openEnvelope(combined.openpgp, combined.passphrase);
      } catch (error) {
        throw fail(names, `the envelope does not decrypt with the key these shares combine to: ${(error as Error).message}`);
      }
      checkBundle(text, kit, input.bundle, (what) => fail(names, what));
      opened.set(combined.passphrase, text);
    }
  }
  if (all.length > full.length) {
    const parsed = shares.map((item) => parseShareText(item.name, item.text));
    const kcv = parseEnvelopeText(envelope.name, envelope.text, parsed[0]?.kitId).kcv;
    for (const subset of subsets(parsed, kit.k)) {
      const key = await shamirCombine(subset.map((share) => new Uint8Array(share.secretShare)));
      if (!sameBytes(keyCheckValue(key), kcv) || encodeBase32(key) !== reference) throw fail(subset.map((share) => share.file).join(', '), 'these shares combine to a different key');
    }
  }
  return all.length;
}

/** The decrypted bundle text decodes fully, belongs to this kit and, when known, holds exactly the sealed bundle. */
function checkBundle(text: string, kit: Kit, sealed: BundleInput | undefined, fail: (what: string) => Error): void {
  let recovered;
  try {
    recovered = parseBundleText(text);
  } catch (error) {
    throw fail(`the decrypted bundle does not read back: ${(error as Error).message}`);
  }
  if (recovered.kitId !== kit.kitId || recovered.createdOn !== kit.createdOn) throw fail('the decrypted bundle is not this kit\'s');
  if (sealed === undefined) return;
  const { kitId: _kitId, createdOn: _createdOn, ...content } = recovered;
  const expected = validateBundleInput(sealed);
  // compared field by field, and never printed: the values are the secrets
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(content)])].sort();
  const differing = keys.filter((key) => JSON.stringify((content as Record<string, unknown>)[key]) !== JSON.stringify((expected as unknown as Record<string, unknown>)[key]));
  if (differing.length > 0) throw fail(`the decrypted bundle differs from the sealed one in ${differing.join(', ')}`);
}

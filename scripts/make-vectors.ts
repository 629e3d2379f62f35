/**
 * Writes the known-answer vectors in fixtures/vectors/ (run: npm run vectors). Every vector is made with seeded
 * randomness, so running this again writes the same files; test/core/vectors.test.ts runs them all against the
 * TypeScript core and the printed combine.py.
 *
 * kit-*.json: a kit's inputs (seed, date, custodians, threshold, bundle) and every output (texts, passphrase).
 * reject-*.json: typed inputs that must fail, with the error code and the exact message both decoders print.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBundleText, type BundleInput } from '../src/core/bundle.js';
import { combineKit, createKit, type Kit } from '../src/core/kit.js';
import { ALPHABET } from '../src/core/base32.js';
import { decodeShareBytes, formatShareText } from '../src/core/share.js';
import { DrkitError } from '../src/errors.js';
import { seededLibrarySplit, seededRandom, typicalB2Bundle } from '../test/helpers/kit-fixtures.js';

const dir = join(process.cwd(), 'fixtures', 'vectors');

interface KitSpec { name: string; seed: string; now: string; custodians: string[]; threshold: number; bundle: BundleInput }

const kits: KitSpec[] = [
  { name: 'kit-b2-3-of-5', seed: 'drkit vector 1', now: '2026-11-27T12:00:00Z', custodians: ['Ann', 'Ben', 'Cy', 'Dee', 'Eve'], threshold: 3, bundle: typicalB2Bundle },
  { name: 'kit-local-2-of-2', seed: 'drkit vector 2', now: '2026-01-02T03:04:05Z', custodians: ['Owner', 'Sister'], threshold: 2,
    bundle: { owner: 'Bo', repository: '/media/backup/restic', resticPassword: 'pw', env: {} } },
  { name: 'kit-rest-7-of-15', seed: 'drkit vector 3', now: '2027-06-30T23:59:59Z',
    custodians: Array.from({ length: 15 }, (_, i) => `Custodian ${i + 1}`), threshold: 7,
    bundle: { owner: "Zoë O'Neill", repository: 'rest:https://user:p%40ss@127.0.0.1:8000/zoe', resticPassword: "it's a 'quoted' pass phrase $HOME `x`", env: { RESTIC_CACERT: '/etc/ssl/zoe.pem' },
      onsite: 'NAS "vault" in the loft\nsecond line', notes: 'call Ann first\\then Ben' } },
];

export async function makeKit(spec: KitSpec): Promise<{ kit: Kit; passphrase: string }> {
  return createKit(spec.bundle, { custodians: spec.custodians, threshold: spec.threshold, random: seededRandom(spec.seed), now: new Date(spec.now), split: seededLibrarySplit(spec.seed) });
}

function replaceChar(line: string, index: number, by: (c: string) => string): string {
  return line.slice(0, index) + by(line.charAt(index)) + line.slice(index + 1);
}
const otherSymbol = (c: string): string => ALPHABET.charAt((ALPHABET.indexOf(c.toUpperCase()) + 7) % 32);

function shareText(kit: Kit, number: number): string {
  return kit.shares[number - 1]?.text ?? '';
}

/** Replaces data line `n` (1-based) of a text with `f(line)`. */
function editLine(text: string, n: number, f: (line: string) => string): string {
  let seen = 0;
  return text.split('\n').map((line) => (line !== '' && !line.startsWith('#') && ++seen === n ? f(line) : line)).join('\n');
}

/**
 * A combiner's last line is the SHA-256 of the lines above it: the combiner checks it before anything else, so a
 * mistyped combiner names itself rather than blaming a sheet. combine.py (the full combiner, read from QR codes)
 * carries all 64 hex digits, combine-short.py (typed from the listing) the first 16. Editing either needs this run.
 */
function sealCombiner(file: string, digits: number): void {
  const path = join(process.cwd(), 'templates', 'recover', file);
  const source = readFileSync(path, 'utf8');
  const cut = source.lastIndexOf('\n#=');
  const body = cut < 0 ? source.replace(/\n*$/, '\n') : source.slice(0, cut + 1);
  const sealed = `${body}#=${createHash('sha256').update(body).digest('hex').slice(0, digits)}\n`;
  if (sealed !== source) writeFileSync(path, sealed);
}

async function main(): Promise<void> {
  sealCombiner('combine.py', 64);
  sealCombiner('combine-short.py', 16);
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith('.json')) rmSync(join(dir, file));
  const made = new Map<string, Kit>();
  for (const spec of kits) {
    const { kit, passphrase } = await makeKit(spec);
    made.set(spec.name, kit);
    writeFileSync(join(dir, `${spec.name}.json`), `${JSON.stringify({
      description: `${spec.threshold} of ${spec.custodians.length}, ${kit.summary.repositoryKind} repository`,
      seed: spec.seed, now: spec.now, custodians: spec.custodians, threshold: spec.threshold, bundle: spec.bundle,
      expected: {
        kitId: kit.kitIdDisplay, passphrase, fingerprints: kit.fingerprints,
        bundleText: formatBundleText(spec.bundle, kit.kitId, kit.createdOn),
        shares: kit.shares.map((share) => share.text), envelope: kit.envelope.text,
        shareQr: kit.shares.map((share) => share.qrPayload), envelopeQr: kit.envelope.qrPayloads,
      },
    }, null, 2)}\n`);
  }

  const kit = made.get('kit-b2-3-of-5') as Kit;
  const other = (await makeKit({ ...(kits[0] as KitSpec), seed: 'drkit vector 1, another kit' })).kit;
  const env = kit.envelope.text;
  const s = (n: number) => shareText(kit, n);
  // a share rewritten by someone who recomputed its line checks: y byte 0 changed
  const tampered = (() => {
    const share = kit.shares[1];
    if (!share) throw new Error('no share 2');
    const decoded = decodeShareBytes(share.bytes);
    const secretShare = decoded.secretShare.slice();
    secretShare[0] = (secretShare[0] ?? 0) ^ 0x5a;
    return formatShareText({ ...decoded, secretShare }, kit.fingerprints).text;
  })();
  const withoutHeader = (text: string) => text.split('\n').filter((line) => !line.startsWith('# drkit share')).join('\n');
  const withoutFingerprints = (text: string) => text.split('\n').filter((line) => !line.startsWith('# fingerprints')).join('\n');

  const rejects: { name: string; shares: string[]; envelope: string; note: string }[] = [
    { name: 'substituted-character', note: 'one character changed on share 1 line 2', shares: [editLine(s(1), 2, (l) => replaceChar(l, 8, otherSymbol)), s(2), s(3)], envelope: env },
    { name: 'swapped-neighbours', note: 'two neighbouring characters swapped on share 2 line 1', shares: [s(1), editLine(s(2), 1, (l) => l.slice(0, 3) + l.charAt(4) + l.charAt(3) + l.slice(5)), s(3)], envelope: env },
    { name: 'check-character-typo', note: 'a check character mistyped on share 3 line 3', shares: [s(1), s(2), editLine(s(3), 3, (l) => replaceChar(l, l.length - 1, otherSymbol))], envelope: env },
    { name: 'line-from-another-share', note: "share 1's line 2 replaced by share 3's line 2", shares: [editLine(s(1), 2, () => s(3).split('\n')[2] ?? ''), s(2), s(3)], envelope: env },
    { name: 'lines-out-of-order', note: 'share 2 lines 2 and 3 typed in swapped order, with their labels', shares: [s(1), editLine(editLine(s(2), 2, () => s(2).split('\n')[3] ?? ''), 3, () => s(2).split('\n')[2] ?? ''), s(3)], envelope: env },
    { name: 'lines-out-of-order-unlabelled', note: 'share 2 lines 2 and 3 swapped, labels left out', shares: [s(1), editLine(editLine(s(2), 2, () => (s(2).split('\n')[3] ?? '').replace(/^\d+:/, '')), 3, () => (s(2).split('\n')[2] ?? '').replace(/^\d+:/, '')), s(3)], envelope: env },
    { name: 'letter-u', note: 'a U typed (not in the alphabet)', shares: [editLine(s(1), 1, (l) => replaceChar(l, 5, () => 'U')), s(2), s(3)], envelope: env },
    { name: 'missing-line', note: 'share 3 line 3 left out', shares: [s(1), s(2), s(3).split('\n').filter((l) => !l.startsWith('3:')).join('\n')], envelope: env },
    { name: 'missing-character', note: 'one character left out of share 1 line 1', shares: [editLine(s(1), 1, (l) => l.slice(0, 5) + l.slice(6)), s(2), s(3)], envelope: env },
    { name: 'two-kits', note: 'share 3 of another kit', shares: [s(1), s(2), shareText(other, 3)], envelope: env },
    { name: 'duplicate-share', note: 'share 2 given twice', shares: [s(1), s(2), s(2)], envelope: env },
    { name: 'too-few', note: 'two shares of a 3-of-5 kit', shares: [s(1), s(4)], envelope: env },
    { name: 'tampered-share', note: 'share 2 rewritten with valid line checks; its own fingerprint list names it', shares: [s(1), tampered, s(3)], envelope: env },
    { name: 'tampered-share-other-list', note: 'share 2 rewritten and its fingerprint line dropped; share 1 lists its true fingerprint', shares: [s(1), withoutFingerprints(tampered), s(3)], envelope: env },
    { name: 'tampered-share-no-lists', note: 'share 2 rewritten, no fingerprint lines typed: the key check value catches it', shares: [withoutFingerprints(s(1)), withoutFingerprints(tampered), withoutFingerprints(s(3))], envelope: env },
    { name: 'envelope-typo', note: 'one character changed on envelope line 7', shares: [s(1), s(2), s(3)], envelope: editLine(env, 7, (l) => replaceChar(l, 10, otherSymbol)) },
    { name: 'envelope-lines-out-of-order-unlabelled', note: 'envelope lines 3 and 4 typed in swapped order, labels left out: a line\'s check characters depend on its line number', shares: [s(1), s(2), s(3)],
      envelope: editLine(editLine(env, 3, () => (env.split('\n')[4] ?? '').replace(/^\d+:/, '')), 4, () => (env.split('\n')[3] ?? '').replace(/^\d+:/, '')) },
    { name: 'envelope-of-another-kit', note: "another kit's envelope, typed without its header comment: no line matches this kit", shares: [s(1), s(2), s(3)], envelope: other.envelope.text.split('\n').filter((l) => !l.startsWith('#')).join('\n') },
    { name: 'line-1-from-another-share', note: "share 1's line 1 replaced by share 4's line 1, header comment left out: lines 2 and 3 fail under it, so line 1 is named", shares: [editLine(withoutHeader(s(1)), 1, () => s(4).split('\n')[1] ?? ''), s(2), s(3)], envelope: env },
    { name: 'envelope-share-qr', note: "a share's QR code scanned into envelope.txt", shares: [s(1), s(2), s(3)], envelope: `${kit.shares[0]?.qrPayload ?? ''}\n` },
    { name: 'envelope-missing-line', note: 'the envelope\'s last line left out', shares: [s(1), s(2), s(3)], envelope: env.split('\n').filter((l, i, all) => i !== all.length - 2).join('\n') },
    { name: 'envelope-qr-incomplete', note: 'the envelope scanned with zbarimg: part 1 of 2, the second QR code missing', shares: [s(1), s(2), s(3)], envelope: `${(kit.envelope.qrPayloads[0] ?? '').replace(/^DK1E11/, 'DK1E12')}\n` },
  ];
  for (const reject of rejects) {
    const shares = reject.shares.map((text, i) => ({ name: `share-${i + 1}.txt`, text }));
    let error: DrkitError | null = null;
    try {
      await combineKit(shares, { name: 'envelope.txt', text: reject.envelope });
    } catch (caught) {
      if (!(caught instanceof DrkitError)) throw caught;
      error = caught;
    }
    if (error === null) throw new Error(`reject vector ${reject.name} was accepted`);
    writeFileSync(join(dir, `reject-${reject.name}.json`), `${JSON.stringify({
      description: reject.note, shares: shares.map((share) => share.name), shareTexts: reject.shares, envelope: reject.envelope,
      expected: { code: error.code, message: error.message },
    }, null, 2)}\n`);
  }
  // accepted variants of typing: lowercase, O/I/L for 0/1, labels left out, extra blank lines
  const sloppy = (text: string) => text.split('\n').map((line) => line.startsWith('#') ? line : line.replace(/^\d+:/, '').toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l')).join('\n\n');
  writeFileSync(join(dir, 'accept-sloppy-typing.json'), `${JSON.stringify({
    description: 'shares and envelope typed in lowercase, with o for 0 and l for 1, no labels, blank lines between',
    shares: ['share-1.txt', 'share-4.txt', 'share-5.txt'], shareTexts: [sloppy(s(1)), sloppy(s(4)), sloppy(s(5))], envelope: sloppy(env),
    expected: { passphrase: (await combineKit([{ name: 'a', text: s(1) }, { name: 'b', text: s(4) }, { name: 'c', text: s(5) }], { name: 'e', text: env })).passphrase },
  }, null, 2)}\n`);
  // the envelope as `zbarimg --raw` prints it from a photo of a sheet: its QR payloads, in any order, repeats allowed
  const scanned = [...kit.envelope.qrPayloads].reverse();
  writeFileSync(join(dir, 'accept-scanned-envelope.json'), `${JSON.stringify({
    description: 'the envelope scanned from a photo of a sheet (zbarimg --raw output: the share\'s code too, parts in reverse order, one read twice)',
    shares: ['share-2.txt', 'share-3.txt', 'share-5.txt'], shareTexts: [s(2), s(3), s(5)], envelope: `${[kit.shares[1]?.qrPayload ?? '', ...scanned, scanned[0] ?? ''].join('\n')}\n`,
    expected: { passphrase: (await combineKit([{ name: 'a', text: s(2) }, { name: 'b', text: s(3) }, { name: 'c', text: s(5) }], { name: 'e', text: env })).passphrase },
  }, null, 2)}\n`);
  // a photo of a whole sheet: zbarimg prints the share's code too, first on the page; it is ignored beside the envelope's
  writeFileSync(join(dir, 'accept-whole-sheet-photo.json'), `${JSON.stringify({
    description: 'zbarimg --raw of a photo of a whole sheet: the share\'s QR code, then the envelope\'s (the share\'s is ignored)',
    shares: ['share-1.txt', 'share-2.txt', 'share-4.txt'], shareTexts: [s(1), s(2), s(4)], envelope: `${[kit.shares[0]?.qrPayload ?? '', ...kit.envelope.qrPayloads].join('\n')}\n`,
    expected: { passphrase: (await combineKit([{ name: 'a', text: s(1) }, { name: 'b', text: s(2) }, { name: 'c', text: s(4) }], { name: 'e', text: env })).passphrase },
  }, null, 2)}\n`);
  console.log(`wrote ${kits.length} kit vectors, ${rejects.length} reject vectors and 3 accept vectors to ${dir}`);
}

await main();

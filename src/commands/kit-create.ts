/**
 * `drkit kit create`: bundle → envelope → shares → files, then a self-test that reads the files back, combines
 * every k-subset and decrypts, before anything is reported as done. Files are staged in a hidden folder and moved
 * into place only after the self-test, so a failure leaves no half-written kit.
 */
import { basename, join } from 'node:path';
import { assertWritableFolder, ensurePrivateDir, listDir, publishStagedFiles, readUserFile, removeFiles, removeTree, writePrivateFile } from '../adapters/files.js';
import { registerCleanupPath, sweepKitStaging, textKitStagingName } from '../adapters/cleanup.js';
import { systemRandom } from '../adapters/random.js';
import { validateBundleInput, type BundleInput } from '../core/bundle.js';
import { createKit, validateKitShape, type Kit } from '../core/kit.js';
import { selfTestCombinations } from '../core/self-test.js';
import { parseCustodianFile, parseCustodianList, type Custodian } from '../core/custodians.js';
import { InternalError, ExitCode, UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';
import type { PreparedBundle } from './kit-create-source.js';

export interface KitCreateOptions {
  /** exactly one of bundle and config (./kit-create-source.ts) */
  bundle?: string;
  config?: string;
  /** false with --no-check */
  check?: boolean;
  /** "Ann Smith <ann@example.org, +44 …>,Ben Jones"; or custodiansFile */
  custodians?: string;
  /** one custodian per line: NAME or NAME <CONTACT> */
  custodiansFile?: string;
  threshold: number;
  out: string;
  format: 'text' | 'pdf';
  paper: 'a4' | 'letter';
  supersedes?: string;
  force: boolean;
  json: boolean;
}

/** Files that make up a kit in a folder; any of them there means "a kit is already here". */
export const KIT_FILE = /^(share-\d+\.txt|envelope\.txt|sheet-\d+\.pdf|guide\.pdf|checklist\.pdf|kit\.json)$/;

export async function loadBundle(path: string): Promise<BundleInput> {
  const raw = await readUserFile(path, '--bundle');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new UserError('E_BUNDLE', `--bundle ${path} is not valid JSON: ${(error as Error).message}`, { hints: ['see docs/format.md §6 for the fields'] });
  }
  return validateBundleInput(parsed);
}

/** The custodians from --custodians or --custodians-file (exactly one of them). */
export async function loadCustodians(options: Pick<KitCreateOptions, 'custodians' | 'custodiansFile'>): Promise<Custodian[]> {
  if ((options.custodians === undefined) === (options.custodiansFile === undefined)) {
    throw new UserError('E_USAGE', options.custodians === undefined ? 'no custodians given' : 'both --custodians and --custodians-file given', {
      hints: ['name the custodians with --custodians "Ann Smith <ann@example.org, +44 …>,Ben Jones,…" or list them in a file, one per line, with --custodians-file FILE'],
    });
  }
  if (options.custodians !== undefined) return parseCustodianList(options.custodians);
  const file = options.custodiansFile ?? '';
  return parseCustodianFile(await readUserFile(file, '--custodians-file'), `--custodians-file ${file}`);
}


/** Reads the text kit back from `dir` and proves it opens: every k-subset combines to the key, the envelope decrypts to the bundle. */
export async function selfTestTextKit(dir: string, kit: Kit, passphrase: string, bundle: BundleInput): Promise<{ subsets: number }> {
  const shares = await Promise.all(kit.shares.map(async (share) => ({ name: `share-${share.number}.txt`, text: await readUserFile(join(dir, `share-${share.number}.txt`), 'share file') })));
  const envelope = { name: 'envelope.txt', text: await readUserFile(join(dir, 'envelope.txt'), 'envelope file') };
  const count = await selfTestCombinations({ kit, shares, envelope, passphrase, bundle, fail: (files, what) => new InternalError(`self-test: ${files}: ${what}`) });
  return { subsets: count };
}

/** kit.json: the kit's non-secret record (who holds which share, fingerprints), for the owner and `drkit status`. */
function kitRecord(kit: Kit, options: KitCreateOptions): string {
  const record = {
    kitId: kit.kitIdDisplay, createdOn: kit.createdOn, threshold: kit.k, shares: kit.n,
    custodians: kit.shares.map((share) => ({ share: share.number, name: share.custodian, ...(share.contact === undefined ? {} : { contact: share.contact }), fingerprint: share.fingerprint })),
    repository: kit.summary.repository, format: options.format,
    ...(options.supersedes === undefined ? {} : { supersedes: options.supersedes.toUpperCase() }),
  };
  return `${JSON.stringify(record, null, 2)}\n`;
}

async function writePdf(options: KitCreateOptions, kit: Kit, passphrase: string, bundle: BundleInput, existing: readonly string[], io: CommandIO, prepared: PreparedBundle): Promise<number> {
  // pdfkit, qrcode and the read-back are heavy: loaded only for this path
  const { writePdfKit } = await import('../render/kit-pdf.js');
  const canary = prepared.canaryFor(kit);
  const { files, report } = await writePdfKit(kit, {
    outDir: options.out, paper: options.paper, passphrase, bundle, unverified: !prepared.verified, ...(canary === undefined ? {} : { canary }),
    ...(options.supersedes === undefined ? {} : { supersedes: options.supersedes.toUpperCase() }),
  });
  await ensurePrivateDir(options.out);
  // a text kit replaced by a PDF kit: its share files would still open the old kit
  await removeFiles(options.out, existing.filter((name) => /^(share-\d+\.txt|envelope\.txt)$/.test(name)));
  await writePrivateFile(join(options.out, 'kit.json'), kitRecord(kit, options), { overwrite: true });
  await prepared.recordKit(kit);
  for (const line of prepared.keepDrillCopy(kit, options.out, 'pdf')) io.note(line);
  if (io.jsonMode) {
    io.json({ message_type: 'kit_created', kitId: kit.kitIdDisplay, createdOn: kit.createdOn, threshold: kit.k, shares: kit.n, out: options.out,
      files: [...files.map((file) => basename(file)), 'kit.json'], fingerprints: kit.fingerprints, credentialsVerified: prepared.verified,
      selfTest: report === null ? null : { subsetsCombined: report.subsets, sheets: report.sheets.length, guideCommands: report.guide.commands, durationMs: report.durationMs } });
    return ExitCode.ok;
  }
  io.out(`kit ${kit.kitIdDisplay} created in ${options.out}: ${kit.n} sheets, any ${kit.k} open it`);
  for (const share of kit.shares) io.out(`  sheet-${share.number}.pdf for ${share.custodian} (share ${share.number}, fingerprint ${share.fingerprint})`);
  io.out('  guide.pdf: the restore guide, for every custodian and the owner');
  io.out('  checklist.pdf: the owner\'s record of who holds what');
  if (report !== null) {
    io.out(`self-test: read back ${report.sheets.length} sheets (text and QR codes), combined all ${report.subsets} sets of ${kit.k} shares, opened the envelope, checked ${report.guide.commands} guide commands, the combiner listing and its ${report.guide.combinerQrCodes} QR codes`);
  }
  io.note(`note: ${options.out} holds every sheet, which together open the kit: print, seal and hand them out, then delete the folder`);
  return ExitCode.ok;
}

export async function run(options: KitCreateOptions, io: CommandIO): Promise<number> {
  const named = await loadCustodians(options);
  const custodians = named.map((custodian) => custodian.name);
  validateKitShape(custodians, options.threshold);
  // where the kit goes is checked first: before the bundle is read and its repository opened over the network
  await assertWritableFolder(options.out, '--out');
  // a killed run's staging folder may hold a whole kit: it goes before anything else is written
  const swept = sweepKitStaging(options.out);
  if (swept.length > 0) io.note(`removed ${swept.length} staging folder${swept.length > 1 ? 's' : ''} left by an interrupted kit create: ${swept.join(', ')}`);
  const existing = (await listDir(options.out)).filter((name) => KIT_FILE.test(name));
  if (existing.length > 0 && !options.force) {
    throw new UserError('E_KIT_EXISTS', `--out ${options.out} already holds a kit (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''})`, {
      hints: ['choose an empty folder, or pass --force to replace that kit (retire it first: see the owner\'s checklist)'],
    });
  }

  const { prepareKitBundle } = await import('./kit-create-source.js');
  const prepared = await prepareKitBundle({ ...options, check: options.check ?? true }, loadBundle, io);
  const bundle = prepared.bundle;

  if (options.supersedes !== undefined && !/^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$/.test(options.supersedes)) {
    throw new UserError('E_USAGE', `--supersedes: "${options.supersedes}" is not a kit id`, { hints: ['a kit id looks like 7QF2-9KXA: it is printed on every sheet of the old kit'] });
  }
  const { kit, passphrase } = await createKit(bundle, { custodians, contacts: named.map((custodian) => custodian.contact), threshold: options.threshold, random: systemRandom, now: new Date() });
  if (options.format === 'pdf') return writePdf(options, kit, passphrase, bundle, existing, io, prepared);
  await ensurePrivateDir(options.out);
  const staging = join(options.out, textKitStagingName());
  const releaseStaging = registerCleanupPath(staging);
  await ensurePrivateDir(staging);
  try {
    const files: string[] = [];
    for (const share of kit.shares) {
      await writePrivateFile(join(staging, `share-${share.number}.txt`), share.text);
      files.push(`share-${share.number}.txt`);
    }
    await writePrivateFile(join(staging, 'envelope.txt'), kit.envelope.text);
    files.push('envelope.txt');
    await writePrivateFile(join(staging, 'kit.json'), kitRecord(kit, options));
    files.push('kit.json');

    const test = await selfTestTextKit(staging, kit, passphrase, bundle);

    await publishStagedFiles(staging, options.out, files, existing);
    await prepared.recordKit(kit);
    for (const line of prepared.keepDrillCopy(kit, options.out, 'text')) io.note(line);

    if (io.jsonMode) {
      io.json({ message_type: 'kit_created', kitId: kit.kitIdDisplay, createdOn: kit.createdOn, threshold: kit.k, shares: kit.n, out: options.out, files, fingerprints: kit.fingerprints, credentialsVerified: prepared.verified, selfTest: { subsetsCombined: test.subsets } });
    } else {
      io.out(`kit ${kit.kitIdDisplay} created in ${options.out}: ${kit.n} shares, any ${kit.k} open it`);
      for (const share of kit.shares) io.out(`  share ${share.number} (fingerprint ${share.fingerprint}) for ${share.custodian}: share-${share.number}.txt`);
      io.out(`self-test: read the files back, combined all ${test.subsets} sets of ${kit.k} shares, opened the envelope`);
      io.note(`note: ${options.out} holds every share, which together open the kit: hand them out, then delete the folder`);
    }
    return ExitCode.ok;
  } finally {
    await removeTree(staging);
    releaseStaging();
  }
}

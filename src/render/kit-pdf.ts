/**
 * Writing the printed kit and proving it before anyone relies on it.
 *
 * `writePdfKit` renders every sheet, the guide and the checklist into a private folder beside the output
 * folder, runs the self-test on those files, and only then moves them into place (a rename on the same file
 * system). A failure at any point removes the private folder: no half-written kit is ever left behind.
 *
 * `selfTestPdfKit` reads the PDFs back as a restorer would — the text layer with pdftotext, the QR codes from
 * rendered pages with pdftoppm + zbarimg — and checks: every share and the envelope come back byte-exact from
 * both forms on every sheet; every k-subset of the read-back shares combines and its envelope decrypts; the
 * guide's commands survive the text layer exactly, its listing rebuilds the short combiner byte-exact and its QR
 * codes the full combine.py.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BundleInput } from '../core/bundle.js';
import type { Kit } from '../core/kit.js';
import { parseEnvelopeText } from '../core/envelope.js';
import { parseShareText } from '../core/share.js';
import { selfTestCombinations } from '../core/self-test.js';
import { envelopeFromQrPayloads } from '../core/envelope.js';
import { ExitCode, UserError } from '../errors.js';
import { pdfTextLayer, scanPdfPagesRaw, scanPdfQrCodes } from '../adapters/pdf-readback.js';
import { kitStagingSuffix, registerCleanupPath } from '../adapters/cleanup.js';
import { publishStagedFiles } from '../adapters/files.js';
import { readPackageText } from './assets.js';
import { renderChecklist } from './checklist.js';
import { defaultTypedCombiner, renderGuide } from './guide.js';
import { LISTING_PITCH } from './metrics.js';
import { combinerSeal, extractGuideCommands, extractListing, sha256Hex } from './listing.js';
import type { Paper } from './pdf.js';
import { envelopeTextFromLayer, isEnvelopeQr, isShareQr, shareBytesFromQr, shareTextFromLayer } from '../core/readback.js';
import { renderSheet } from './sheet.js';
import { sameBytes } from '../core/subsets.js';

export interface WritePdfKitOptions {
  outDir: string;
  paper: Paper;
  /** the id of the kit this one replaces, printed on the checklist */
  supersedes?: string;
  /** accepted for the command's convenience; the names come from kit.shares */
  custodians?: readonly string[];
  /** run the self-test before moving the files into place (default true) */
  selfTest?: boolean;
  /** the passphrase createKit returned: the self-test also checks every combination yields it */
  passphrase?: string;
  /** the bundle that was sealed: the self-test decodes the decrypted bundle text and compares it */
  bundle?: BundleInput;
  /** made with --no-check: the checklist says "credentials NOT verified" */
  unverified?: boolean;
  /** the canary file the backups carry (absolute path as recorded) and its text, for the guide */
  canary?: { path: string; text: string };
}

export interface SelfTestReport {
  sheets: { file: string; share: number; textLayer: 'ok'; qr: 'ok'; envelopeText: 'ok'; envelopeQr: 'ok' }[];
  /** k-subsets of the read-back shares combined and decrypted */
  subsets: number;
  guide: { file: string; commands: number; listingSha256: string; combinerQrCodes: number };
  checklist: { file: string };
  durationMs: number;
}

export const SHEET_FILE = (number: number) => `sheet-${number}.pdf`;
export const GUIDE_FILE = 'guide.pdf';
export const CHECKLIST_FILE = 'checklist.pdf';

export function kitFileNames(kit: Kit): string[] {
  return [...kit.shares.map((share) => SHEET_FILE(share.number)), GUIDE_FILE, CHECKLIST_FILE];
}

function selfTestError(file: string, what: string, hint?: string): UserError {
  return new UserError('E_KIT_SELFTEST', `kit self-test: ${file}: ${what}`, {
    exitCode: ExitCode.checkFailed,
    hints: [hint ?? 'nothing was written; check that poppler-utils and zbar-tools are installed and up to date, then run kit create again'],
    details: { file },
  });
}



/** Runs `task` over `items` with at most `limit` running at once, keeping the order of results. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** What one sheet gave back, both forms checked against the kit. */
export interface SheetReadBack {
  file: string;
  share: number;
  shareText: string;
  envelopeText: string;
  report: SelfTestReport['sheets'][number];
}

/**
 * Reads one sheet back (text layer and QR codes) and checks the share and the envelope byte-exact in both forms.
 * Throws naming the sheet and the form that failed.
 */
export async function selfTestSheet(dir: string, kit: Kit, share: Kit['shares'][number]): Promise<SheetReadBack> {
  const kitId = kit.kitIdDisplay;
  const file = SHEET_FILE(share.number);
  const path = join(dir, file);
  const layer = await pdfTextLayer(path, 'raw');
  // text layer: the share
  const shareText = shareTextFromLayer(layer);
  if (shareText === null) throw selfTestError(file, `the text layer holds no share (share ${share.number} of kit ${kitId})`);
  let parsed;
  try {
    parsed = parseShareText(file, shareText);
  } catch (error) {
    throw selfTestError(file, `the share's text layer does not read back: ${(error as Error).message}`);
  }
  if (!sameBytes(parsed.bytes, share.bytes)) throw selfTestError(file, `the share's text layer reads back different bytes (share ${share.number})`);
  // text layer: the envelope
  const envelopeText = envelopeTextFromLayer(layer);
  if (envelopeText === null) throw selfTestError(file, 'the text layer holds no envelope');
  try {
    if (!sameBytes(parseEnvelopeText(file, envelopeText, parsed.kitId).bytes, kit.envelope.bytes)) throw new Error('different bytes');
  } catch (error) {
    throw selfTestError(file, `the envelope's text layer does not read back: ${(error as Error).message}`);
  }
  // QR codes from the rendered pages (150 dpi, then 200 dpi when a code was missed)
  let payloads = (await scanPdfQrCodes(path, 150)).flat();
  const complete = (found: string[]) => found.some(isShareQr) && kit.envelope.qrPayloads.every((part) => found.includes(part));
  if (!complete(payloads)) payloads = (await scanPdfQrCodes(path, 200)).flat();
  const shareQr = payloads.find(isShareQr);
  if (shareQr === undefined) throw selfTestError(file, `the share's QR code was not found on the rendered page (share ${share.number})`);
  let qrBytes: Uint8Array;
  try {
    qrBytes = shareBytesFromQr(shareQr);
  } catch (error) {
    throw selfTestError(file, `the share's QR code does not read back: ${(error as Error).message}`);
  }
  if (!sameBytes(qrBytes, share.bytes) || shareQr !== share.qrPayload) throw selfTestError(file, `the share's QR code reads back different bytes (share ${share.number})`);
  const envelopeQrs = payloads.filter(isEnvelopeQr);
  try {
    if (!sameBytes(envelopeFromQrPayloads(file, envelopeQrs).bytes, kit.envelope.bytes)) throw new Error('different bytes');
  } catch (error) {
    throw selfTestError(file, `the envelope's QR code${kit.envelope.qrPayloads.length > 1 ? 's do' : ' does'} not read back: ${(error as Error).message}`);
  }
  return { file, share: share.number, shareText, envelopeText, report: { file, share: share.number, textLayer: 'ok', qr: 'ok', envelopeText: 'ok', envelopeQr: 'ok' } as const };
}

/** Reads back the PDFs of `kit` in `dir` and checks them (see the module comment). Throws naming sheet and form. */
export async function selfTestPdfKit(dir: string, kit: Kit, options: { passphrase?: string; bundle?: BundleInput; combiner?: string; typedCombiner?: string; commands?: readonly string[]; combinerQrPages?: readonly number[]; sheets?: readonly SheetReadBack[] } = {}): Promise<SelfTestReport> {
  const started = Date.now();
  const readBack = options.sheets ?? await pool(kit.shares, 2, (share) => selfTestSheet(dir, kit, share));

  // every k-subset of the shares as read back combines, passes the key check and decrypts to the sealed bundle
  const count = await selfTestCombinations({
    kit, shares: readBack.map((item) => ({ name: item.file, text: item.shareText })),
    envelope: { name: readBack[0]?.file ?? 'envelope', text: readBack[0]?.envelopeText ?? '' },
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }), ...(options.bundle === undefined ? {} : { bundle: options.bundle }),
    fail: (files, what) => selfTestError(files, what),
  });

  // the guide: its commands come back exactly from the text layer, its listing rebuilds the short combiner and its
  // QR codes the full one
  const combiner = options.combiner ?? readPackageText('templates', 'recover', 'combine.py');
  const typedCombiner = options.typedCombiner ?? defaultTypedCombiner();
  const guidePath = join(dir, GUIDE_FILE);
  // the guide's read-backs are independent programs: run them side by side
  const qrPages = options.combinerQrPages ?? renderGuide(kit, { paper: 'a4', combiner, typedCombiner }).combinerQrPages;
  const [rawGuide, fixedGuide, scanned, checklistLayer] = await Promise.all([
    pdfTextLayer(guidePath, 'raw'), pdfTextLayer(guidePath, { fixed: LISTING_PITCH }),
    // 100 dpi: the combiner's modules are 3 points or more, 4 pixels and up
    scanPdfPagesRaw(guidePath, qrPages, 100), pdfTextLayer(join(dir, CHECKLIST_FILE), 'raw'),
  ]);
  const expected = options.commands ?? guideCommandsFor(kit, combiner, typedCombiner);
  const commands = extractGuideCommands(rawGuide);
  if (commands.join('\n') !== expected.join('\n')) {
    const index = commands.findIndex((command, i) => command !== expected[i]);
    throw selfTestError(GUIDE_FILE, `the text layer's commands differ from the printed ones at command ${index + 1}: ${JSON.stringify(commands[index] ?? '(missing)')}`);
  }
  const listing = extractListing(fixedGuide);
  if (listing.sha256 !== sha256Hex(typedCombiner)) {
    throw selfTestError(GUIDE_FILE, `the combiner listing does not read back as the short combiner (lines ${listing.badLines.slice(0, 5).join(', ') || '?'} differ)`);
  }
  // the combiner's QR codes, one per page, read back as the guide tells the restorer to: zbarimg --raw, in order
  const missing = scanned.findIndex((payload) => payload === null);
  if (qrPages.length === 0 || missing >= 0) throw selfTestError(GUIDE_FILE, `the combiner's QR code ${missing + 1} (page ${qrPages[missing] ?? '?'}) was not read back`);
  if (scanned.map((payload) => `${payload ?? ''}\n`).join('') !== combiner) throw selfTestError(GUIDE_FILE, 'the combiner\'s QR codes do not read back as combine.py');
  for (const share of kit.shares) {
    if (!checklistLayer.includes(share.fingerprint)) throw selfTestError(CHECKLIST_FILE, `the fingerprint of share ${share.number} is missing from the text layer`);
  }

  return {
    sheets: readBack.map((item) => item.report),
    subsets: count,
    guide: { file: GUIDE_FILE, commands: commands.length, listingSha256: listing.sha256, combinerQrCodes: qrPages.length },
    checklist: { file: CHECKLIST_FILE },
    durationMs: Date.now() - started,
  };
}

/** The commands the guide prints on its path, for the self-test's comparison. */
function guideCommandsFor(kit: Kit, combiner: string, typedCombiner: string): string[] {
  return renderGuide(kit, { paper: 'a4', combiner, typedCombiner }).commands;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Renders the kit's PDFs (sheet-<i>.pdf, guide.pdf, checklist.pdf), self-tests them, then moves them into
 * `outDir`. The command checks beforehand that `outDir` holds no kit (or that --force was given).
 */
export async function writePdfKit(kit: Kit, options: WritePdfKitOptions): Promise<{ files: string[]; report: SelfTestReport | null }> {
  const outDir = resolve(options.outDir);
  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  // named with this process's id, so the next run can sweep what a killed one left (sweepKitStaging)
  const suffix = kitStagingSuffix();
  let temp = join(parent, `.${basename(outDir)}.${suffix}`);
  try {
    await mkdir(temp, { mode: 0o700 });
  } catch (error) {
    // the parent may not be writable (a mount point such as /media/usb): stage inside the output folder instead
    if (!(await exists(outDir))) throw error;
    temp = join(outDir, `.${suffix}`);
    await mkdir(temp, { mode: 0o700 });
  }
  const releaseTemp = registerCleanupPath(temp);
  try {
    const combiner = readPackageText('templates', 'recover', 'combine.py');
    const typedCombiner = defaultTypedCombiner();
    // an unsealed combiner must never be printed
    combinerSeal(combiner);
    combinerSeal(typedCombiner);
    // each sheet's read-back (external programs) starts as soon as it is saved, while the next one renders
    const selfTest = options.selfTest !== false;
    // (two lanes: with two cores, one renders while the other reads back, and both read back at the end)
    const checks: Promise<SheetReadBack>[] = [];
    const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
    for (const [index, share] of kit.shares.entries()) {
      await renderSheet(kit, share, { paper: options.paper }).save(join(temp, SHEET_FILE(share.number)));
      if (selfTest) {
        const check = (lanes[index % 2] ?? Promise.resolve()).then(() => selfTestSheet(temp, kit, share));
        lanes[index % 2] = check.catch(() => undefined);
        checks.push(check);
      }
    }
    // a failed check must not go unhandled while the guide renders; it is reported by Promise.all below
    for (const check of checks) check.catch(() => undefined);
    const guide = renderGuide(kit, { paper: options.paper, combiner, typedCombiner, ...(options.canary === undefined ? {} : { canary: options.canary }) });
    await guide.pdf.save(join(temp, GUIDE_FILE));
    await renderChecklist(kit, { paper: options.paper, unverified: options.unverified === true, ...(options.supersedes === undefined ? {} : { supersedes: options.supersedes }) }).save(join(temp, CHECKLIST_FILE));
    const report = !selfTest ? null : await selfTestPdfKit(temp, kit, { combiner, typedCombiner, commands: guide.commands, combinerQrPages: guide.combinerQrPages, sheets: await Promise.all(checks), ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }), ...(options.bundle === undefined ? {} : { bundle: options.bundle }) });
    const names = kitFileNames(kit);
    if (!(await exists(outDir)) && dirname(temp) === parent) {
      await rename(temp, outDir);
    } else {
      // replacing a kit (the command checked --force): sheets of the old kit beyond this kit's n would be stale
      const stale = (await existingKitFiles(outDir)).filter((name) => !names.includes(name));
      await publishStagedFiles(temp, outDir, names, stale);
    }
    return { files: names.map((name) => join(outDir, name)), report };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  } finally {
    releaseTemp();
  }
}

/** The kit PDFs already in `dir` (for the command's "existing kit" check). */
export async function existingKitFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => /^sheet-\d+\.pdf$/.test(name) || name === GUIDE_FILE || name === CHECKLIST_FILE);
}

/**
 * Reading kit PDFs and photos back with the system's tools: `pdftotext` and `pdftoppm` (poppler-utils) and
 * `zbarimg` (zbar-tools). Used by the kit's self-test and by `kit verify` / `recover --from` for sheet PDFs and
 * for photos or scans (PNG, JPEG).
 *
 * Rules: arguments are arrays (exec.ts); a failing program is a ToolError with its stderr tail; "no QR code found"
 * (zbarimg exit 4) is an empty result, not an error; temporary images live in a private folder removed afterwards.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { kitDocumentKind, type FileKind } from '../core/printed-file.js';
import { printedFileKind } from './printed-file.js';
import { decodeShareBytes, formatKitId } from '../core/share.js';
import { ToolError, UserError } from '../errors.js';
import {
  envelopeTextFromLayer, envelopeTextFromQr, isEnvelopeQr, isShareQr, shareBytesFromQr, shareTextFromLayer, shareTextFromQr,
} from '../core/readback.js';
import { ownedTempName, registerCleanupPath, TEMP_PREFIX } from './cleanup.js';
import { runProgram } from './exec.js';

export type TextLayerMode = 'raw' | 'layout' | { fixed: number };

/** The text layer of a PDF as pdftotext prints it (`-raw`: content order; `-layout -fixed P`: exact columns). */
export async function pdfTextLayer(path: string, mode: TextLayerMode = 'raw', pages?: { first?: number; last?: number }): Promise<string> {
  const args = mode === 'raw' ? ['-raw'] : mode === 'layout' ? ['-layout'] : ['-layout', '-fixed', String(mode.fixed)];
  if (pages?.first !== undefined) args.push('-f', String(pages.first));
  if (pages?.last !== undefined) args.push('-l', String(pages.last));
  args.push('-enc', 'UTF-8', path, '-');
  const result = await runProgram('pdftotext', args, { debianPackage: 'poppler-utils' });
  if (result.exitStatus !== 0) {
    throw new ToolError('E_PDFTOTEXT', `pdftotext could not read ${path}`, { program: 'pdftotext', exitStatus: result.exitStatus, stderrTail: result.stderrTail });
  }
  return result.stdout;
}

/**
 * Renders every page of a PDF to greyscale images in `dir` (PGM by default: writing PNG costs pdftoppm far more
 * time than rendering, and zbarimg reads both); returns their paths in page order.
 */
export async function renderPdfPages(path: string, dir: string, dpi: number, format: 'pgm' | 'png' = 'pgm', page?: number): Promise<string[]> {
  const prefix = join(dir, `page-${dpi}`);
  const args = ['-r', String(dpi), '-gray', ...(format === 'png' ? ['-png'] : []), ...(page === undefined ? [] : ['-f', String(page), '-l', String(page)]), path, prefix];
  const result = await runProgram('pdftoppm', args, { debianPackage: 'poppler-utils' });
  if (result.exitStatus !== 0) {
    throw new ToolError('E_PDFTOPPM', `pdftoppm could not render ${path}`, { program: 'pdftoppm', exitStatus: result.exitStatus, stderrTail: result.stderrTail });
  }
  const names = (await readdir(dir)).filter((name) => name.startsWith(`page-${dpi}-`) && name.endsWith(`.${format}`)).sort();
  return names.map((name) => join(dir, name));
}

/** The raw payloads of every QR code zbarimg finds in an image (PNG, JPEG, …); [] when there is none. */
export async function scanQrCodes(imagePath: string): Promise<string[]> {
  const result = await runProgram('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', imagePath], { debianPackage: 'zbar-tools' });
  if (result.exitStatus === 4) return []; // no symbol found
  if (result.exitStatus !== 0) {
    throw new ToolError('E_ZBARIMG', `zbarimg could not read ${imagePath}`, { program: 'zbarimg', exitStatus: result.exitStatus, stderrTail: result.stderrTail });
  }
  return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

/** The QR payloads of every page of a PDF, rendered at `dpi`. */
export async function scanPdfQrCodes(path: string, dpi = 150): Promise<string[][]> {
  // the pages show the share's QR code: a private folder that an interrupt removes and a killed run's successor
  // sweeps (pdftoppm could write to stdout, but zbarimg's ImageMagick spools stdin to a temp file of its own)
  const dir = join(tmpdir(), ownedTempName(TEMP_PREFIX.qrPages));
  await mkdir(dir, { mode: 0o700 });
  const release = registerCleanupPath(dir);
  try {
    const pages = await renderPdfPages(path, dir, dpi);
    const found: string[][] = [];
    for (const page of pages) found.push(await scanQrCodes(page));
    return found;
  } finally {
    await rm(dir, { recursive: true, force: true });
    release();
  }
}

/**
 * The one QR code on each of `pages` of a PDF, exactly as `zbarimg --raw` prints it (without the line break it adds
 * after each code): the combiner's codes hold several lines each. A page without exactly one code gives null.
 */
export async function scanPdfPagesRaw(path: string, pages: readonly number[], dpi = 150): Promise<(string | null)[]> {
  const dir = join(tmpdir(), ownedTempName(TEMP_PREFIX.qrPages));
  await mkdir(dir, { mode: 0o700 });
  const release = registerCleanupPath(dir);
  try {
    const found: (string | null)[] = [];
    for (const page of pages) {
      const [image] = await renderPdfPages(path, dir, dpi, 'pgm', page);
      if (image === undefined) { found.push(null); continue; }
      const result = await runProgram('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', image], { debianPackage: 'zbar-tools' });
      found.push(result.exitStatus === 0 && result.stdout.endsWith('\n') ? result.stdout.slice(0, -1) : null);
      await rm(image, { force: true });
    }
    return found;
  } finally {
    await rm(dir, { recursive: true, force: true });
    release();
  }
}

/**
 * A user's file that a tool could not read: a damaged PDF or image. The tool's own messages (poppler prints pages
 * of them) are left out; its first line goes into a hint.
 */
function unreadable(name: string, kind: FileKind, error: unknown): unknown {
  if (!(error instanceof ToolError)) return error;
  const first = error.stderrTail.split('\n').map((line) => line.trim()).find((line) => line !== '');
  return new UserError('E_FILE_UNREADABLE', `${name}: cannot be read as ${kind === 'pdf' ? 'a PDF' : 'an image'} (damaged, or not what its first bytes say)`, {
    hints: [...(first === undefined ? [] : [`${error.program} said: ${first.slice(0, 120)}`]), 'make the PDF again, or take a new photo or scan of the sheet'],
  });
}

async function readOrExplain<T>(name: string, kind: FileKind, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw unreadable(name, kind, error);
  }
}

/** A kit PDF that is not a sheet (the guide, the checklist) named for what it is. */
function notASheet(name: string, layer: string): UserError | null {
  const kind = kitDocumentKind(layer);
  if (kind === 'guide') return new UserError('E_NOT_A_SHEET', `${name}: this is the restore guide, not a sheet`, { hints: ['give the sheet PDF (sheet-N.pdf) or a photo of a sheet: the guide holds no share'] });
  if (kind === 'checklist') return new UserError('E_NOT_A_SHEET', `${name}: this is the owner's checklist, not a sheet`, { hints: ['give the sheet PDF (sheet-N.pdf) or a photo of a sheet: the checklist holds no share'] });
  return null;
}

async function qrPayloadsOf(path: string, kind: FileKind): Promise<string[]> {
  if (kind === 'image') return readOrExplain(basename(path), kind, () => scanQrCodes(path));
  let payloads = (await readOrExplain(basename(path), kind, () => scanPdfQrCodes(path, 150))).flat();
  if (payloads.length === 0) payloads = (await scanPdfQrCodes(path, 200)).flat();
  return payloads;
}

const kindOf = printedFileKind;

export interface NamedText {
  name: string;
  text: string;
}

/**
 * The text of a typed file, or what `fromLayer` finds in a sheet PDF's text layer (a kit PDF that is no sheet is
 * refused by name); null when only the file's QR codes can tell (a photo, a scan, a PDF without a text layer).
 */
async function typedOrLayerText(path: string, fromLayer: (layer: string) => string | null): Promise<{ name: string; kind: FileKind; text: string | null }> {
  const name = basename(path);
  const kind = await kindOf(path);
  if (kind === 'text') return { name, kind, text: await readFile(path, 'utf8') };
  if (kind === 'pdf') {
    const layer = await readOrExplain(name, kind, () => pdfTextLayer(path));
    const other = notASheet(name, layer);
    if (other !== null) throw other;
    return { name, kind, text: fromLayer(layer) };
  }
  return { name, kind, text: null };
}

/**
 * A share's text file from a text file, a sheet PDF (its text layer; its QR code when the text layer has none,
 * e.g. a scanned PDF) or a photo or scan of a sheet (its QR code). `name` is the file's base name, for messages.
 */
export async function readShareFromFile(path: string): Promise<NamedText> {
  const { name, kind, text } = await typedOrLayerText(path, shareTextFromLayer);
  if (text !== null) return { name, text };
  const share = (await qrPayloadsOf(path, kind)).find(isShareQr);
  if (share === undefined) {
    throw new UserError('E_NO_SHARE', `${name}: no drkit share found (no share text and no share QR code)`, {
      hints: kind === 'image' ? ['photograph the whole sheet, flat and sharp, with the share QR code in the picture'] : ['give a sheet PDF made by drkit kit create'],
    });
  }
  return { name, text: shareTextFromQr(share) };
}

/**
 * The envelope's text file from a text file, a sheet PDF or a photo or scan. From QR codes, the kit id that checks
 * the envelope's lines comes from the share QR code on the same sheet (or `kitId` when given).
 */
export async function readEnvelopeFromFile(path: string, kitId?: Uint8Array): Promise<NamedText> {
  const { name, kind, text } = await typedOrLayerText(path, envelopeTextFromLayer);
  if (text !== null) return { name, text };
  const payloads = await qrPayloadsOf(path, kind);
  const shareOnSheet = payloads.find(isShareQr);
  const sheetKit = shareOnSheet === undefined ? undefined : decodeShareBytes(shareBytesFromQr(shareOnSheet)).kitId;
  if (kitId !== undefined && sheetKit !== undefined && formatKitId(sheetKit) !== formatKitId(kitId)) {
    throw new UserError('E_ENVELOPE_OTHER_KIT', `${name}: is a sheet of kit ${formatKitId(sheetKit)}, the shares are of kit ${formatKitId(kitId)}`, {
      hints: ['every sheet of one kit carries the same envelope: use a sheet of the kit the shares come from'],
    });
  }
  if (!payloads.some(isEnvelopeQr) && shareOnSheet !== undefined) {
    throw new UserError('E_NO_ENVELOPE', `${name}: holds a share's QR code, not the envelope's`, {
      hints: ['photograph the envelope\'s QR code (the large one beside the envelope\'s lines), or the whole sheet'],
    });
  }
  if (!payloads.some(isEnvelopeQr)) {
    throw new UserError('E_NO_ENVELOPE', `${name}: no drkit envelope found (no envelope text and no envelope QR code)`, {
      hints: ['photograph the whole sheet, with every envelope QR code in the picture'],
    });
  }
  const id = kitId ?? sheetKit;
  if (id === undefined) {
    throw new UserError('E_NO_KIT_ID', `${name}: the envelope QR codes were found, but no share QR code to tell the kit id`, {
      hints: ['include the share QR code of the same sheet in the picture, or type the envelope'],
    });
  }
  return { name, text: envelopeTextFromQr(name, payloads, id) };
}

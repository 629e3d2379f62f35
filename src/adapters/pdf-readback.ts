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
import { basename, extname, join } from 'node:path';
import { decodeShareBytes } from '../core/share.js';
import { ToolError, UserError } from '../errors.js';
import {
  envelopeTextFromLayer, envelopeTextFromQr, isEnvelopeQr, isShareQr, shareBytesFromQr, shareTextFromLayer, shareTextFromQr,
} from '../render/readback.js';
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
export async function renderPdfPages(path: string, dir: string, dpi: number, format: 'pgm' | 'png' = 'pgm'): Promise<string[]> {
  const prefix = join(dir, `page-${dpi}`);
  const args = ['-r', String(dpi), '-gray', ...(format === 'png' ? ['-png'] : []), path, prefix];
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

type FileKind = 'pdf' | 'image' | 'text';

function kindOf(path: string): FileKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.pdf') return 'pdf';
  if (['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.tif', '.tiff', '.pnm', '.ppm', '.pgm', '.webp'].includes(ext)) return 'image';
  return 'text';
}

async function qrPayloadsOf(path: string, kind: FileKind): Promise<string[]> {
  if (kind === 'image') return scanQrCodes(path);
  let payloads = (await scanPdfQrCodes(path, 150)).flat();
  if (payloads.length === 0) payloads = (await scanPdfQrCodes(path, 200)).flat();
  return payloads;
}

export interface NamedText {
  name: string;
  text: string;
}

/**
 * A share's text file from a text file, a sheet PDF (its text layer; its QR code when the text layer has none,
 * e.g. a scanned PDF) or a photo or scan of a sheet (its QR code). `name` is the file's base name, for messages.
 */
export async function readShareFromFile(path: string): Promise<NamedText> {
  const name = basename(path);
  const kind = kindOf(path);
  if (kind === 'text') return { name, text: await readFile(path, 'utf8') };
  if (kind === 'pdf') {
    const fromText = shareTextFromLayer(await pdfTextLayer(path));
    if (fromText !== null) return { name, text: fromText };
  }
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
  const name = basename(path);
  const kind = kindOf(path);
  if (kind === 'text') return { name, text: await readFile(path, 'utf8') };
  if (kind === 'pdf') {
    const fromText = envelopeTextFromLayer(await pdfTextLayer(path));
    if (fromText !== null) return { name, text: fromText };
  }
  const payloads = await qrPayloadsOf(path, kind);
  if (!payloads.some(isEnvelopeQr)) {
    throw new UserError('E_NO_ENVELOPE', `${name}: no drkit envelope found (no envelope text and no envelope QR code)`, {
      hints: ['photograph the whole sheet, with every envelope QR code in the picture'],
    });
  }
  const share = payloads.find(isShareQr);
  const id = kitId ?? (share === undefined ? undefined : decodeShareBytes(shareBytesFromQr(share)).kitId);
  if (id === undefined) {
    throw new UserError('E_NO_KIT_ID', `${name}: the envelope QR codes were found, but no share QR code to tell the kit id`, {
      hints: ['include the share QR code of the same sheet in the picture, or type the envelope'],
    });
  }
  return { name, text: envelopeTextFromQr(name, payloads, id) };
}

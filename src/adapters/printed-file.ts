/**
 * The printed-file classifier's file side: reads a file's first bytes and asks the core (src/core/printed-file.ts)
 * what it is. Small on purpose: `kit verify` and `recover` call it before deciding whether to load the PDF and QR
 * read-back at all.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { classifyFileHead, type FileKind } from '../core/printed-file.js';
import { UserError } from '../errors.js';

/** The kind of the file at `path`, from its first 16 bytes. */
export async function fileKind(path: string): Promise<FileKind> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new UserError('E_FILE', `${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hints: ['check the path'] });
  });
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return classifyFileHead(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The kind of a file a restorer or custodian gives; a binary format that is neither PDF nor image is refused. */
export async function printedFileKind(path: string): Promise<Exclude<FileKind, 'unknown-binary'>> {
  const kind = await fileKind(path);
  if (kind === 'unknown-binary') {
    throw new UserError('E_FILE_KIND', `${basename(path)}: not a text file, a PDF or an image`, {
      hints: ['give a share typed into a text file, a sheet PDF made by drkit kit create, or a photo or scan of a sheet (PNG, JPEG, TIFF, GIF, BMP, PNM or WebP)'],
    });
  }
  return kind;
}

/** A sheet PDF or a photo or scan of one (read through the PDF/QR read-back), rather than a typed text file. */
export async function isPrintedFile(path: string): Promise<boolean> {
  return (await printedFileKind(path)) !== 'text';
}

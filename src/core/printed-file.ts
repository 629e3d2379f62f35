/**
 * Which kind of file a restorer or custodian hands over (docs/format.md §10): a typed text file, a kit PDF, or a
 * photo or scan. Decided by the file's first bytes — its format's signature — and not by its name, so
 * `scan.tiff`, `sheet.PDF` or a photo without an extension are read as what they are; the extension only decides
 * between text and an unknown binary format. And, once a PDF's text layer is read, which of the kit's documents it
 * is: a sheet, the restore guide or the owner's checklist. One module for `kit verify` and `recover`.
 */

export type FileKind = 'pdf' | 'image' | 'text' | 'unknown-binary';

const IMAGE_SIGNATURES: readonly (readonly number[])[] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x49, 0x49, 0x2a, 0x00], // TIFF, little-endian
  [0x4d, 0x4d, 0x00, 0x2a], // TIFF, big-endian
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x42, 0x4d], // BMP
];

const startsWith = (head: Uint8Array, signature: readonly number[]): boolean => signature.every((byte, index) => head[index] === byte);

/** The kind of a file from its first bytes (16 are enough). */
export function classifyFileHead(head: Uint8Array): FileKind {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf'; // %PDF-
  if (IMAGE_SIGNATURES.some((signature) => startsWith(head, signature))) return 'image';
  // PNM (P1…P6 and a space), WebP (RIFF….WEBP)
  if (head[0] === 0x50 && (head[1] ?? 0) >= 0x31 && (head[1] ?? 0) <= 0x36 && [0x0a, 0x0d, 0x20, 0x09].includes(head[2] ?? 0)) return 'image';
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head.subarray(8), [0x57, 0x45, 0x42, 0x50])) return 'image';
  // text: no NUL and no other C0 control but tab, line feed, carriage return and form feed
  if (head.some((byte) => byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(byte))) return 'unknown-binary';
  return 'text';
}

export type KitDocumentKind = 'sheet' | 'guide' | 'checklist' | 'other';

/** The footer every guide page carries (src/render/guide.ts) and the checklist's title start. */
export const GUIDE_MARK = 'Restore guide · kit ';
export const CHECKLIST_MARK = 'Owner\'s checklist · recovery kit ';

/**
 * Which kit document a PDF's text layer is. A sheet holds a share file's first line; the guide quotes one in its
 * format part too, so the guide's footer is looked for first.
 */
export function kitDocumentKind(layer: string): KitDocumentKind {
  if (layer.includes(GUIDE_MARK)) return 'guide';
  if (layer.includes(CHECKLIST_MARK)) return 'checklist';
  if (/^\s*# drkit share \d+ of \d+/m.test(layer)) return 'sheet';
  return 'other';
}

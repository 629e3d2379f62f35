/**
 * Finding a share and an envelope in what a sheet gives back: its PDF text layer (pdftotext) or its QR payloads
 * (zbarimg). Pure: the programs run in src/adapters/pdf-readback.ts.
 *
 * In a text layer, the share is the block from the line starting "# drkit share" to the "# fingerprints:" line,
 * and the envelope is the "# drkit envelope · kit … · N lines" line followed by N data lines ("1: …"); anything
 * between the envelope's lines (a page break's header) is skipped. Spacing does not matter: decoders ignore
 * spaces inside a line, and `pdftotext -raw` collapses runs of spaces.
 */
import { decodeBase32 } from '../core/base32.js';
import { ENVELOPE_QR_PREFIX, envelopeFromQrPayloads, formatEnvelopeText } from '../core/envelope.js';
import { decodeShareBytes, formatShareText, SHARE_BYTES, SHARE_QR_PREFIX } from '../core/share.js';
import { UserError } from '../errors.js';

const DATA_LINE = /^\s*\d+\s*:\s*[0-9A-Za-z ]+$/;

/** The share's text file as found in a text layer, or null when there is none. */
export function shareTextFromLayer(layer: string): string | null {
  const lines = layer.replace(/\f/g, '\n').split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => line.startsWith('# drkit share '));
  if (start < 0) return null;
  const out = [lines[start] ?? ''];
  for (const line of lines.slice(start + 1)) {
    if (DATA_LINE.test(line)) { out.push(line); continue; }
    if (line.startsWith('# fingerprints:')) { out.push(line); break; }
    if (out.length > 1) break;
  }
  return out.length > 1 ? `${out.join('\n')}\n` : null;
}

/** The envelope's text file as found in a text layer, or null when there is none. */
export function envelopeTextFromLayer(layer: string): string | null {
  const lines = layer.replace(/\f/g, '\n').split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => line.startsWith('# drkit envelope'));
  if (start < 0) return null;
  const header = lines[start] ?? '';
  const count = Number(/· (\d+) lines/.exec(header)?.[1] ?? NaN);
  const out = [header];
  let expected = 1;
  for (const line of lines.slice(start + 1)) {
    if (Number.isFinite(count) && expected > count) break;
    const label = /^(\d+)\s*:/.exec(line);
    if (label && DATA_LINE.test(line) && Number(label[1]) === expected) {
      out.push(line);
      expected++;
    }
  }
  return out.length > 1 ? `${out.join('\n')}\n` : null;
}

/** The share's bytes from a `DK1S…` QR payload. */
export function shareBytesFromQr(payload: string): Uint8Array {
  const body = payload.trim().toUpperCase();
  if (!body.startsWith(SHARE_QR_PREFIX)) throw new UserError('E_QR_SHARE', 'the QR code is not a drkit share (it does not start with DK1S)');
  const bytes = decodeBase32(body.slice(SHARE_QR_PREFIX.length));
  if (typeof bytes === 'string' || bytes.length !== SHARE_BYTES) throw new UserError('E_QR_SHARE', 'the share QR code does not hold 40 bytes');
  return bytes;
}

/**
 * The share's text file rebuilt from its QR payload. The QR code carries no fingerprint list (it is optional in the
 * text form), so the rebuilt text has none.
 */
export function shareTextFromQr(payload: string): string {
  const share = decodeShareBytes(shareBytesFromQr(payload));
  const { text } = formatShareText(share, Array.from({ length: share.count }, () => '0000'));
  return text.split('\n').filter((line) => !line.startsWith('# fingerprints:')).join('\n');
}

export function isShareQr(payload: string): boolean {
  return payload.startsWith(SHARE_QR_PREFIX);
}

export function isEnvelopeQr(payload: string): boolean {
  return payload.startsWith(ENVELOPE_QR_PREFIX);
}

/** The envelope's text file rebuilt from its QR payloads (all parts), checked with the kit id of a share. */
export function envelopeTextFromQr(file: string, payloads: readonly string[], kitId: Uint8Array): string {
  const parsed = envelopeFromQrPayloads(file, payloads.filter(isEnvelopeQr));
  return formatEnvelopeText(parsed.bytes, kitId).text;
}

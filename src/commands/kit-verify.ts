/**
 * `drkit kit verify FILE`: a custodian checks one share on its own — typed text, the sheet PDF, or a photo or
 * scan of the sheet. On a sheet, the envelope printed beside the share is checked too.
 */
import { parseEnvelopeText } from '../core/envelope.js';
import { formatKitId, parseShareText } from '../core/share.js';
import { assertReadableFile, readUserFile } from '../adapters/files.js';
import { printedFileKind } from '../adapters/printed-file.js';
import { ExitCode, UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';

export interface KitVerifyOptions {
  file: string;
  json: boolean;
}

async function verify(options: KitVerifyOptions, io: CommandIO): Promise<number> {
  await assertReadableFile(options.file, 'file');
  const kind = await printedFileKind(options.file);
  const printed = kind !== 'text';
  // sheets and photos go through the read-back (pdftotext, zbarimg), loaded only for them
  const readback = printed ? await import('../adapters/pdf-readback.js') : null;
  const input = readback !== null ? await readback.readShareFromFile(options.file) : { name: options.file, text: await readUserFile(options.file, 'file') };
  if (readback === null && /^\s*#\s*drkit envelope\b/m.test(input.text)) {
    const envelope = parseEnvelopeText(input.name, input.text);
    if (io.jsonMode) io.json({ message_type: 'verified', kind: 'envelope', bytes: envelope.bytes.length });
    else io.out(`valid envelope (${envelope.bytes.length} bytes); it opens only with enough shares of its kit`);
    return ExitCode.ok;
  }
  const share = parseShareText(input.name, input.text);
  const kitId = formatKitId(share.kitId);
  let envelope: 'intact' | 'absent' = 'absent';
  if (readback !== null) {
    const found = await readback.readEnvelopeFromFile(options.file, share.kitId).catch((error: unknown) => {
      // a photo may show only the share; a sheet PDF always carries the envelope (what the file is, not its name)
      if (error instanceof UserError && /E_NO_ENVELOPE|E_NO_KIT_ID/.test(error.code) && kind === 'image') return null;
      throw error;
    });
    if (found !== null) {
      parseEnvelopeText(found.name, found.text, share.kitId);
      envelope = 'intact';
    }
  }
  if (io.jsonMode) {
    io.json({ message_type: 'verified', kind: 'share', share: share.number, shares: share.count, threshold: share.threshold, kitId, fingerprint: share.fingerprint,
      ...(printed ? { envelope } : {}) });
  } else {
    io.out(`valid share ${share.number} of ${share.count} of kit ${kitId} (fingerprint ${share.fingerprint}; any ${share.threshold} shares open the kit)`);
    if (envelope === 'intact') io.out('the envelope on this sheet is intact');
  }
  return ExitCode.ok;
}

export async function run(options: KitVerifyOptions, io: CommandIO): Promise<number> {
  try {
    return await verify(options, io);
  } catch (error) {
    // a share that does not verify is the answer the custodian asked for: "check failed", not a usage mistake
    if (error instanceof UserError && error.code !== 'E_FILE') {
      throw new UserError(error.code, error.message, { hints: error.hints, details: error.details, exitCode: ExitCode.checkFailed });
    }
    throw error;
  }
}

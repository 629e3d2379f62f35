/** `drkit kit verify FILE`: a custodian checks one share (or the envelope) on its own. */
import { parseEnvelopeText } from '../core/envelope.js';
import { formatKitId, parseShareText } from '../core/share.js';
import { readUserFile } from '../adapters/files.js';
import { ExitCode, UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';

export interface KitVerifyOptions {
  file: string;
  json: boolean;
}

export async function run(options: KitVerifyOptions, io: CommandIO): Promise<number> {
  const text = await readUserFile(options.file, 'file');
  try {
    if (/^\s*#\s*drkit envelope\b/m.test(text)) {
      const envelope = parseEnvelopeText(options.file, text);
      if (io.jsonMode) io.json({ message_type: 'verified', kind: 'envelope', bytes: envelope.bytes.length });
      else io.out(`valid envelope (${envelope.bytes.length} bytes); it opens only with enough shares of its kit`);
      return ExitCode.ok;
    }
    const share = parseShareText(options.file, text);
    const kitId = formatKitId(share.kitId);
    if (io.jsonMode) {
      io.json({ message_type: 'verified', kind: 'share', share: share.number, shares: share.count, threshold: share.threshold, kitId, fingerprint: share.fingerprint });
    } else {
      io.out(`valid share ${share.number} of ${share.count} of kit ${kitId} (fingerprint ${share.fingerprint}; any ${share.threshold} shares open the kit)`);
    }
    return ExitCode.ok;
  } catch (error) {
    // a share that does not verify is the answer the custodian asked for: "check failed", not a usage mistake
    if (error instanceof UserError) throw new UserError(error.code, error.message, { hints: error.hints, details: error.details, exitCode: ExitCode.checkFailed });
    throw error;
  }
}

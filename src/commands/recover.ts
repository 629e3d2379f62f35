/**
 * `drkit recover`: combine k shares, check them against the envelope's key check value, decrypt, and write the
 * bundle (JSON, 0600). The passphrase and the bundle's secrets never reach the terminal.
 */
import { openEnvelope } from '../core/envelope.js';
import { parseBundleText } from '../core/bundle.js';
import { combineKit } from '../core/kit.js';
import { readUserFile, writePrivateFile } from '../adapters/files.js';
import { ExitCode } from '../errors.js';
import type { CommandIO } from '../ui/io.js';

export interface RecoverOptions {
  from: string[];
  envelope: string;
  out: string;
  force: boolean;
  json: boolean;
}

export async function run(options: RecoverOptions, io: CommandIO): Promise<number> {
  const shares = await Promise.all(options.from.map(async (file) => ({ name: file, text: await readUserFile(file, 'share file') })));
  const envelope = { name: options.envelope, text: await readUserFile(options.envelope, '--envelope') };
  const combined = await combineKit(shares, envelope);
  const bundle = parseBundleText(await openEnvelope(combined.openpgp, combined.passphrase));
  await writePrivateFile(options.out, `${JSON.stringify(bundle, null, 2)}\n`, { overwrite: options.force, what: '--out' });
  for (const warning of combined.warnings) io.note(`warning: ${warning}`);
  if (io.jsonMode) {
    io.json({ message_type: 'recovered', kitId: combined.kitIdDisplay, sharesUsed: combined.sharesUsed, out: options.out, repository: bundle.repository, createdOn: bundle.createdOn, warnings: combined.warnings });
  } else {
    io.out(`kit ${combined.kitIdDisplay} opened with shares ${combined.sharesUsed.join(', ')}; credentials written to ${options.out} (mode 0600)`);
    io.out(`repository: ${bundle.repository}`);
  }
  return ExitCode.ok;
}

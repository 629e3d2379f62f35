/**
 * `drkit recover`: combine k shares, check them against the envelope's key check value, decrypt, and write the
 * bundle (JSON, 0600). The passphrase and the bundle's secrets never reach the terminal.
 */
import { openEnvelope } from '../core/envelope.js';
import { parseBundleText } from '../core/bundle.js';
import { combineKit } from '../core/kit.js';
import { assertReadableFile, readUserFile, writePrivateFile } from '../adapters/files.js';
import { parseShareText } from '../core/share.js';
import { ExitCode } from '../errors.js';
import type { CommandIO } from '../ui/io.js';

export interface RecoverOptions {
  from: string[];
  envelope: string;
  out: string;
  force: boolean;
  json: boolean;
}

const PRINTED = /\.(pdf|png|jpe?g)$/i;

export async function run(options: RecoverOptions, io: CommandIO): Promise<number> {
  for (const file of options.from) await assertReadableFile(file, 'share file');
  await assertReadableFile(options.envelope, '--envelope');
  const printed = [...options.from, options.envelope].some((file) => PRINTED.test(file));
  // sheets and photos go through the read-back (pdftotext, zbarimg), loaded only when needed
  const readback = printed ? await import('../adapters/pdf-readback.js') : null;
  const shares = await Promise.all(options.from.map(async (file) =>
    readback !== null && PRINTED.test(file) ? readback.readShareFromFile(file) : { name: file, text: await readUserFile(file, 'share file') }));
  const firstShare = shares[0] === undefined ? undefined : parseShareText(shares[0].name, shares[0].text);
  const envelope = readback !== null && PRINTED.test(options.envelope)
    ? await readback.readEnvelopeFromFile(options.envelope, firstShare?.kitId)
    : { name: options.envelope, text: await readUserFile(options.envelope, '--envelope') };
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

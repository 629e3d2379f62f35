/**
 * `drkit recover`: combine k shares, check them against the envelope's key check value, decrypt, and write the
 * bundle (`--out`: JSON, or with a `.env` name the shell file `gpg` would print) and/or restore the newest offsite
 * snapshot (`--restore-to DIR`). Shares come from files (`--from`: text, sheet PDFs, photos) or, without
 * `--from`, are typed line by line with each line checked as it is entered. The passphrase and the bundle's
 * secrets never reach the terminal.
 */
import { createInterface } from 'node:readline';
import { openEnvelope } from '../core/envelope.js';
import { formatBundleText, parseBundleText } from '../core/bundle.js';
import { redactRepository } from '../core/redact.js';
import { combineKit, type NamedText } from '../core/kit.js';
import { formatKitId, parseShareText } from '../core/share.js';
import { checkTypedEnvelopeLine, checkTypedShareLine, describeHeader, SHARE_LINE_LENGTHS, type TypedShareHeader } from '../core/typing.js';
import { assertReadableFile, assertWritableFilePath, assertWritableFolder, readUserFile, writePrivateFile } from '../adapters/files.js';
import { isPrintedFile } from '../adapters/printed-file.js';
import { DrkitError, ExitCode, UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';
import type { Restored, RestoreOptions } from './recover-restore.js';

/** recover's own options; the restore choices, `--onsite`, `--force` and `--json` are ./recover-restore.ts's */
export interface RecoverOptions extends RestoreOptions {
  from?: string[];
  envelope?: string;
  out?: string;
}

export async function readFiles(from: readonly string[], envelopePath: string): Promise<{ shares: NamedText[]; envelope: NamedText }> {
  for (const file of from) await assertReadableFile(file, 'share file');
  await assertReadableFile(envelopePath, '--envelope');
  const printedFiles = new Set<string>();
  for (const file of [...from, envelopePath]) if (await isPrintedFile(file)) printedFiles.add(file);
  const isPrintedKitFile = (file: string): boolean => printedFiles.has(file);
  const printed = printedFiles.size > 0;
  // sheets and photos go through the read-back (pdftotext, zbarimg), loaded only when needed
  const readback = printed ? await import('../adapters/pdf-readback.js') : null;
  const shares = await Promise.all(from.map(async (file) =>
    readback !== null && isPrintedKitFile(file) ? readback.readShareFromFile(file) : { name: file, text: await readUserFile(file, 'share file') }));
  const firstShare = shares[0] === undefined ? undefined : parseShareText(shares[0].name, shares[0].text);
  const envelope = readback !== null && isPrintedKitFile(envelopePath)
    ? await readback.readEnvelopeFromFile(envelopePath, firstShare?.kitId)
    : { name: envelopePath, text: await readUserFile(envelopePath, '--envelope') };
  return { shares, envelope };
}

/**
 * Reads typed lines, checking each as it comes: a wrong line is named and asked for again. Blank lines and
 * `#` comments are skipped, so a whole share file can be pasted too.
 */
export async function typeKit(io: CommandIO): Promise<{ shares: NamedText[]; envelope: NamedText }> {
  if (io.stdin === undefined) throw new UserError('E_USAGE', 'no --from given and no input to type the shares on', { hints: ['give the shares with --from FILE and the envelope with --envelope FILE'] });
  const reader = createInterface({ input: io.stdin, terminal: false });
  const lines = reader[Symbol.asyncIterator]();
  const next = async (prompt: string): Promise<string> => {
    io.stderr.write(prompt);
    for (;;) {
      const result: IteratorResult<string, unknown> = await lines.next();
      if (result.done === true) throw new UserError('E_INPUT_ENDED', 'the input ended before the kit was complete', { hints: ['type every line of k shares, then every line of the envelope'] });
      const text = result.value;
      if (text.trim() !== '' && !text.trim().startsWith('#')) return text;
      // a person who pressed Enter on an empty line sees the question again; piped input just moves on
      if (io.interactive) io.stderr.write(prompt);
    }
  };
  /** asks for line `number` until `check` accepts it */
  const ask = async <T>(prompt: string, check: (raw: string) => T): Promise<{ raw: string; result: T }> => {
    for (;;) {
      const raw = await next(prompt);
      if (!io.interactive) io.stderr.write('\n');
      try {
        return { raw, result: check(raw) };
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        io.note(`  ${error.message}: type it again`);
      }
    }
  };
  io.note('type the numbered lines of each sheet\'s share, then the envelope\'s; each line is checked as you type it');
  const shares: NamedText[] = [];
  const headers: TypedShareHeader[] = [];
  let needed = Infinity;
  for (let sheet = 1; shares.length < needed; sheet++) {
    const name = `sheet ${sheet}`;
    const typed: string[] = [];
    let header: TypedShareHeader | null = null;
    for (let line = 1; line <= SHARE_LINE_LENGTHS.length; line++) {
      const answer = await ask(`${name}, share line ${line}: `, (raw) => {
        const found = checkTypedShareLine(name, line, raw, header);
        if (line === 1) {
          const other = headers.find((h) => formatKitId(h.kitId) !== formatKitId(found.kitId));
          if (other) throw new UserError('E_KIT_MIX', `${name} is a share of kit ${formatKitId(found.kitId)}, the others of kit ${formatKitId(other.kitId)}`);
          if (headers.some((h) => h.number === found.number)) throw new UserError('E_SHARE_DUP', `share ${found.number} was typed already: type another sheet`);
        }
        return found;
      });
      header = answer.result;
      typed.push(answer.raw);
      if (line === 1) io.note(`  ${describeHeader(header)}`);
    }
    if (header === null) throw new UserError('E_INPUT_ENDED', `${name}: no share lines`);
    headers.push(header);
    needed = header.threshold;
    shares.push({ name, text: typed.join('\n') });
    io.note(`  ${name} complete (${shares.length} of ${needed} shares)`);
  }
  const kitId = headers[0]?.kitId ?? new Uint8Array();
  const envelope: string[] = [];
  let lineCount: number | null = null;
  for (let line = 1; lineCount === null || line <= lineCount; line++) {
    const known = lineCount;
    const answer: { raw: string; result: number } = await ask(`envelope line ${line}${known === null ? '' : ` of ${known}`}: `, (raw) => checkTypedEnvelopeLine('envelope', line, raw, kitId, known));
    envelope.push(answer.raw);
    if (line === 1) {
      lineCount = answer.result;
      io.note(`  the envelope has ${lineCount} lines`);
    }
  }
  reader.close();
  return { shares, envelope: { name: 'envelope', text: envelope.join('\n') } };
}

export async function run(options: RecoverOptions, io: CommandIO): Promise<number> {
  if (options.onsite !== undefined) return (await import('./recover-restore.js')).runOnsite({ ...options, onsite: options.onsite }, io);
  if (options.out === undefined && options.restoreTo === undefined) {
    throw new UserError('E_USAGE', 'recover needs --out FILE (where to write the credentials) or --restore-to DIR (restore the newest backup), or both',
      { hints: ['drkit recover --from sheet-1.pdf --from sheet-3.pdf --envelope sheet-1.pdf --restore-to ~/restore'] });
  }
  if ((options.from === undefined) !== (options.envelope === undefined)) {
    throw new UserError('E_USAGE', options.from === undefined ? '--envelope needs the shares too: give --from FILE for each' : '--from needs --envelope FILE (any sheet, or envelope.txt)',
      { hints: ['or give neither, and type the shares and the envelope line by line'] });
  }
  // where the results go is checked before any share is read: a restorer must not type a whole kit to learn that
  if (options.out !== undefined) await assertWritableFilePath(options.out, '--out', options.force);
  if (options.restoreTo !== undefined) await assertWritableFolder(options.restoreTo, '--restore-to');
  // the restore's flags and target are checked before anyone types a share
  const restoring = options.restoreTo === undefined ? null : await import('./recover-restore.js');
  await restoring?.checkRestoreRequest(options);
  // the restore needs restic's version (a `restic version` run), which depends on nothing in the kit: it is asked
  // while the shares are read, combined and opened. Typed by hand, it is awaited first: a missing or too old restic
  // is said before anyone types a share. From files, a failure is asked again, and said, when the restore starts
  const resticReady = restoring === null ? null : import('../adapters/restic/index.js').then(({ detectResticVersion }) => detectResticVersion());
  resticReady?.catch(() => undefined);
  if (resticReady !== null && options.from === undefined) await resticReady;
  const input = options.from !== undefined && options.envelope !== undefined ? await readFiles(options.from, options.envelope) : await typeKit(io);
  const combined = await combineKit(input.shares, input.envelope);
  const plaintext = await openEnvelope(combined.openpgp, combined.passphrase);
  const bundle = parseBundleText(plaintext);
  for (const warning of combined.warnings) io.note(`warning: ${warning}`);
  if (options.out !== undefined) {
    const content = options.out.endsWith('.env') ? formatBundleText(bundle, bundle.kitId, bundle.createdOn) : `${JSON.stringify(bundle, null, 2)}\n`;
    await writePrivateFile(options.out, content, { overwrite: options.force, what: '--out' });
  }
  let restored: Restored | null = null;
  if (restoring !== null && options.restoreTo !== undefined) {
    try {
      restored = await restoring.restoreOffsite(bundle, { ...options, restoreTo: options.restoreTo }, io);
    } catch (error) {
      if (error instanceof DrkitError) throw error.withContext(`kit ${combined.kitIdDisplay} opened, but the restore failed`);
      throw error;
    }
  }
  if (io.jsonMode) {
    io.json({ message_type: 'recovered', kitId: combined.kitIdDisplay, sharesUsed: combined.sharesUsed, out: options.out ?? null, repository: redactRepository(bundle.repository), createdOn: bundle.createdOn, warnings: combined.warnings,
      ...(restored === null ? {} : { restored, notes: bundle.notes ?? null }) });
    return ExitCode.ok;
  }
  io.out(`kit ${combined.kitIdDisplay} opened with shares ${combined.sharesUsed.join(', ')}${options.out === undefined ? '' : `; credentials written to ${options.out} (mode 0600)`}`);
  io.out(`repository: ${redactRepository(bundle.repository)}`);
  if (restoring !== null && restored !== null) for (const line of restoring.describeRestored(restored, bundle.notes, bundle.owner)) io.out(line);
  return ExitCode.ok;
}


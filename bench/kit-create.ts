/**
 * The printed kit: `kit create` wall time for n = 5, k = 3 with its self-test (goal: a few seconds), and the
 * characters a restorer types for a full recovery with k = 3 (three shares and the envelope; fewer is better),
 * for a typical Backblaze B2 bundle: owner "Ann Example", an S3-endpoint repository, a 32-character generated
 * restic password, a 25-character key id and a 31-character application key, a short onsite note.
 *
 * The time is taken through the built CLI (`drkit kit create --format pdf`) when the command writes PDFs; until
 * then, in process (createKit + writePdfKit with its self-test), which leaves out node's start-up.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { BundleInput } from '../src/core/bundle.js';
import { createKit, type Kit } from '../src/core/kit.js';
import { deterministicRandom } from '../src/core/random.js';
import { writePdfKit } from '../src/render/kit-pdf.js';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { measure } from './measure.js';

const RUNS = 3;
const CUSTODIANS = ['Ann', 'Ben', 'Cy', 'Dee', 'Eve'];

function generated(random: (n: number) => Uint8Array, length: number, alphabet: string): string {
  return [...random(length)].map((byte) => alphabet[byte % alphabet.length] ?? 'A').join('');
}

/** The typical B2 bundle of the brief, with generated (seeded) secrets of the stated lengths. */
export function typicalBundle(): BundleInput {
  const random = deterministicRandom('bench kit-create', (data) => new Uint8Array(createHash('sha256').update(data).digest()));
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return {
    owner: 'Ann Example',
    repository: 's3:s3.us-west-004.backblazeb2.com/ann-example-backup',
    resticPassword: generated(random, 32, alnum),
    env: { AWS_ACCESS_KEY_ID: `004${generated(random, 22, '0123456789abcdef')}`, AWS_SECRET_ACCESS_KEY: `K004${generated(random, 27, alnum)}` },
    onsite: 'USB disk in the hall cupboard',
  };
}

export interface RecoveryKeystrokes {
  /** the whole typed path: shares, envelope, combiner and the commands of Part 2, as a restorer must type them */
  typed: number;
  /** the shares' data lines without their labels and spaces (the guide says both may be left out) */
  shares: number;
  envelope: number;
  /** the same path with the shares' and the envelope's lines typed as printed, labels and spaces included */
  typedAsPrinted: number;
  sharesAsPrinted: number;
  envelopeAsPrinted: number;
  combiner: number;
  commands: number;
  /** the scan path: the envelope and the combiner read with zbarimg, the shares typed */
  scanned: number;
  scannedCombiner: number;
}

/**
 * Keystrokes of a full recovery with k shares, counted from the printed kit in `dir` as a restorer follows it: what
 * must be typed of each line and one Enter per line, and 3 more per file typed in nano (Ctrl+O, Enter, Ctrl+X). Of the
 * shares' and the envelope's lines that is their data and check characters: the label before the colon and the
 * spaces only keep one's place, and the guide (step 8) and the sheets say they may be left out; `…AsPrinted` counts
 * them typed too. Each line of the guide's listing (the short combiner) is counted with its indentation, each command
 * of Part 2 as printed. The scan path types the zbarimg lines of steps 9 and 10 instead of the envelope and the
 * combiner (the full combiner then comes from the QR codes).
 */
export async function recoveryKeystrokes(dir: string, k: number): Promise<RecoveryKeystrokes> {
  const { pdfTextLayer, readEnvelopeFromFile, readShareFromFile } = await import('../src/adapters/pdf-readback.js');
  const { extractGuideCommands, extractListing } = await import('../src/render/listing.js');
  const { LISTING_PITCH } = await import('../src/render/metrics.js');
  const guide = join(dir, 'guide.pdf');
  const raw = await pdfTextLayer(guide, 'raw');
  const commands = extractGuideCommands(raw);
  const dataLines = (text: string) => text.split('\n').filter((line) => /^\s*\d+:/.test(line)).map((line) => line.trim());
  const typedLines = (lines: readonly string[]) => lines.reduce((sum, line) => sum + line.length + 1, 0);
  const unlabelled = (lines: readonly string[]) => lines.map((line) => line.replace(/^\s*\d+:/, '').replace(/\s+/g, ''));
  const nanoSave = 3;
  let shares = 0;
  let sharesAsPrinted = 0;
  for (let number = 1; number <= k; number++) {
    const lines = dataLines((await readShareFromFile(join(dir, `sheet-${number}.pdf`))).text);
    shares += typedLines(unlabelled(lines)) + nanoSave;
    sharesAsPrinted += typedLines(lines) + nanoSave;
  }
  const envelopeLines = dataLines((await readEnvelopeFromFile(join(dir, 'sheet-1.pdf'))).text);
  const envelope = typedLines(unlabelled(envelopeLines)) + nanoSave;
  const envelopeAsPrinted = typedLines(envelopeLines) + nanoSave;
  const combiner = typedLines(extractListing(await pdfTextLayer(guide, { fixed: LISTING_PITCH })).text.replace(/\n$/, '').split('\n')) + nanoSave;
  const commandKeys = typedLines(commands);
  // the alternatives printed under steps 9 and 10: "or: $ zbarimg …"
  const scans = raw.split('\n').map((line) => line.trim()).filter((line) => /^or: \$ zbarimg /.test(line)).map((line) => line.replace(/^or: \$ /, ''));
  const envelopeScan = scans.find((line) => line.includes('envelope.txt')) ?? '';
  const combinerScan = scans.find((line) => line.includes('combine.py')) ?? '';
  const nanoOf = (file: string) => typedLines([`nano ${file}`]);
  const scanned = shares + commandKeys - nanoOf('envelope.txt') - nanoOf('combine.py') + typedLines([envelopeScan, combinerScan]);
  return {
    typed: shares + envelope + combiner + commandKeys, shares, envelope, combiner, commands: commandKeys,
    typedAsPrinted: sharesAsPrinted + envelopeAsPrinted + combiner + commandKeys, sharesAsPrinted, envelopeAsPrinted, scanned, scannedCombiner: 0,
  };
}

/** Characters typed for k shares and the envelope: payload and check characters (no labels, spaces or comments). */
export function typedCharacters(kit: Kit, k = kit.k): { total: number; shares: number; envelope: number; withLabels: number } {
  const count = (lines: readonly string[], labels: boolean) => lines.reduce((sum, line) => {
    const body = labels ? line : line.replace(/^\s*\d+:/, '');
    return sum + body.replace(/\s+/g, '').length;
  }, 0);
  const shares = kit.shares.slice(0, k).reduce((sum, share) => sum + count(share.dataLines, false), 0);
  const envelope = count(kit.envelope.dataLines, false);
  const withLabels = kit.shares.slice(0, k).reduce((sum, share) => sum + count(share.dataLines, true), 0) + count(kit.envelope.dataLines, true);
  return { total: shares + envelope, shares, envelope, withLabels };
}

async function viaCli(context: BenchContext, bundleFile: string, out: string): Promise<number | null> {
  const result = await measure(context.node, [context.cli, 'kit', 'create', '--no-check', '--bundle', bundleFile, '--custodians', CUSTODIANS.join(','),
    '--threshold', '3', '--out', out, '--format', 'pdf']);
  if (result.exitStatus !== 0 || !existsSync(join(out, 'sheet-5.pdf'))) return null;
  return result.ms;
}

async function inProcess(bundle: BundleInput, out: string): Promise<number> {
  const started = process.hrtime.bigint();
  const { kit, passphrase } = await createKit(bundle, { custodians: CUSTODIANS, threshold: 3, random: (n) => new Uint8Array(randomBytes(n)), now: new Date() });
  await writePdfKit(kit, { outDir: out, paper: 'a4', passphrase });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export const kitCreateBenchmarks: BenchModule = {
  name: 'kit-create',
  async run(context: BenchContext): Promise<BenchFigure[]> {
    const root = join(context.scratch, 'kit-create');
    mkdirSync(root, { recursive: true });
    const bundle = typicalBundle();
    const bundleFile = join(root, 'bundle.json');
    writeFileSync(bundleFile, JSON.stringify(bundle), { mode: 0o600 });

    context.log(`kit create: n = 5, k = 3, with self-test, ${RUNS} runs`);
    const times: number[] = [];
    let how = 'drkit kit create --format pdf';
    for (let run = 0; run < RUNS; run++) {
      const out = join(root, `kit-${run}`);
      const cli = how.startsWith('drkit') ? await viaCli(context, bundleFile, out) : null;
      if (cli !== null) { times.push(cli); continue; }
      how = 'in process: createKit + writePdfKit (the CLI does not write PDFs yet)';
      times.push(await inProcess(bundle, join(root, `kit-${run}-in-process`)));
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    const printed = join(root, 'kit-typing');
    const { kit: printedKit } = await createKit(bundle, { custodians: CUSTODIANS, threshold: 3, random: deterministicRandom('bench typing', (data) => new Uint8Array(createHash('sha256').update(data).digest())), now: new Date('2026-11-27T00:00:00Z') });
    await writePdfKit(printedKit, { outDir: printed, paper: 'a4', selfTest: false });
    const keys = await recoveryKeystrokes(printed, 3);

    const { kit } = await createKit(bundle, { custodians: CUSTODIANS, threshold: 3, random: deterministicRandom('bench typed', (data) => new Uint8Array(createHash('sha256').update(data).digest())), now: new Date('2026-11-27T00:00:00Z') });
    const typed = typedCharacters(kit, 3);
    return [
      {
        name: 'kit create, n = 5, with self-test', value: Math.round(median), unit: 'ms', goal: '≤ 5 s', met: median <= 5000,
        detail: `median of ${RUNS} (${times.map((ms) => ms.toFixed(0)).join(', ')} ms); ${how}`,
      },
      {
        name: 'keystrokes of a full typed recovery, k = 3', value: keys.typed, unit: 'count', goal: '≤ 2,500', met: keys.typed <= 2500,
        detail: `shares ${keys.shares} + envelope ${keys.envelope} + combiner ${keys.combiner} + commands ${keys.commands}, counted from the printed guide and sheets `
          + `(the sheets' lines without their line numbers and spaces, which may be left out); as printed, numbers and spaces typed: ${keys.typedAsPrinted} `
          + `(shares ${keys.sharesAsPrinted} + envelope ${keys.envelopeAsPrinted})`,
      },
      {
        name: 'keystrokes of the scan path (envelope and combiner read with zbarimg), k = 3', value: keys.scanned, unit: 'count',
        goal: 'combiner 0', met: keys.scannedCombiner === 0, detail: `combiner ${keys.scannedCombiner}; shares and commands typed`,
      },
      {
        // no goal: fewer is better (docs/format.md §8 explains where the characters go)
        name: 'characters typed to recover, k = 3', value: typed.total, unit: 'count',
        detail: `3 shares ${typed.shares} + envelope ${typed.envelope} (${kit.envelope.dataLines.length} lines); ${typed.withLabels} with the line labels`,
      },
    ];
  },
};

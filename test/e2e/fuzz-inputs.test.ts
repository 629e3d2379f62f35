/**
 * A bounded fuzz of the files the built CLI reads (issue 8): shares and envelopes (`kit verify`, `recover --from`),
 * sheet PDFs and photos (`kit verify`), bundles (`kit create --bundle`), custodians files (`kit create
 * --custodians-file`), drill certificates (`drill --record`), configs (`status`, `schedule print`) and status files
 * (`status`). Each input is random bytes or a valid file mutated (a character changed, a line dropped,
 * doubled or swapped, the file cut short, bytes or odd characters inserted). No input may give exit 70 (a drkit bug,
 * with a stack trace) or kill the CLI. A seeded generator makes every failure reproducible: the failing input is
 * written next to the message. About a hundred runs, three at a time, so the file stays well under a minute.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { formatCertificate } from '../../src/core/drill-certificate.js';

const SEED = Number(process.env['DRKIT_FUZZ_SEED'] ?? 20261201);
const work = mkdtempSync(join(tmpdir(), 'drkit-fuzz-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** xorshift32: a small seeded generator, so a failing case can be made again from its seed. */
function generator(seed: number): { int: (below: number) => number; bytes: (count: number) => Buffer } {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
  return {
    int: (below) => next() % below,
    bytes: (count) => Buffer.from(Array.from({ length: count }, () => next() & 0xff)),
  };
}

const ODD = ['\u2028', '\u2029', '\u0000', '\r', '\t', '\u00e9', '\ufeff', '\u202e', '#', ':', '=', '"', '\\', 'DK1S', 'DK1E', '9'.repeat(300)];

/** One mutation of a valid file (text or binary). */
function mutate(valid: Buffer, random: ReturnType<typeof generator>): Buffer {
  const text = valid.toString('latin1');
  const lines = text.split('\n');
  const at = random.int(Math.max(1, text.length));
  switch (random.int(8)) {
    case 0: return Buffer.from(text.slice(0, at) + String.fromCharCode(33 + random.int(94)) + text.slice(at + 1), 'latin1');
    case 1: lines.splice(random.int(lines.length), 1); return Buffer.from(lines.join('\n'), 'latin1');
    case 2: { const index = random.int(lines.length); lines.splice(index, 0, lines[index] ?? ''); return Buffer.from(lines.join('\n'), 'latin1'); }
    case 3: { const a = random.int(lines.length); const b = random.int(lines.length); [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? '']; return Buffer.from(lines.join('\n'), 'latin1'); }
    case 4: return valid.subarray(0, at);
    case 5: return Buffer.concat([valid.subarray(0, at), random.bytes(1 + random.int(64)), valid.subarray(at)]);
    case 6: return Buffer.concat([valid.subarray(0, at), Buffer.from(ODD[random.int(ODD.length)] ?? '', 'utf8'), valid.subarray(at)]);
    default: { const copy = Buffer.from(valid); for (let i = 0; i < 1 + random.int(8); i++) copy[random.int(Math.max(1, copy.length))] = random.int(256); return copy; }
  }
}

const OTHER_TYPES: unknown[] = [null, 0, -1, 1e308, '', 'x', '2026-13-45T99:00:00Z', true, [], [null], {}, { version: 1 }];

/** A JSON file with one value (anywhere in the tree) replaced by a value of another type. */
function mutateJson(valid: Buffer, random: ReturnType<typeof generator>): Buffer {
  let tree: unknown;
  try { tree = JSON.parse(valid.toString('utf8')); } catch { return mutate(valid, random); }
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach((child, index) => { slots.push({ parent: node, key: index }); walk(child); });
    else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) { slots.push({ parent: node as Record<string, unknown>, key }); walk(child); }
  };
  walk(tree);
  const slot = slots[random.int(Math.max(1, slots.length))];
  const replacement = OTHER_TYPES[random.int(OTHER_TYPES.length)];
  if (slot === undefined) return Buffer.from(JSON.stringify(replacement));
  (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
  return Buffer.from(JSON.stringify(tree));
}

interface Kind {
  name: string;
  /** file name of the input (its extension chooses how drkit reads it) */
  file: string;
  valid: () => Buffer;
  /** the CLI arguments that read the input at `path` */
  args: (path: string, dir: string) => string[];
  env?: (dir: string) => Record<string, string>;
  /** where the input goes, when not the case's folder (the status file) */
  place?: (dir: string) => string;
  cases: number;
}

const valid: Record<string, Buffer> = {};

before(async () => {
  const bundle = join(work, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Ann Example', repository: 'rest:https://ann:pw@backup.example:8000/ann/', resticPassword: 'fuzz-password-0001', env: { AWS_ACCESS_KEY_ID: 'AKIA' }, notes: 'the notes' }));
  valid['bundle.json'] = readFileSync(bundle);
  const text = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', join(work, 'text')]);
  assert.equal(text.exitStatus, 0, text.stderr);
  valid['share.txt'] = readFileSync(join(work, 'text', 'share-1.txt'));
  valid['envelope.txt'] = readFileSync(join(work, 'text', 'envelope.txt'));
  const pdf = await runCli(['kit', 'create', '--no-check', '--bundle', bundle, '--custodians', 'A,B', '--threshold', '2', '--out', join(work, 'pdf')]);
  assert.equal(pdf.exitStatus, 0, pdf.stderr);
  valid['sheet.pdf'] = readFileSync(join(work, 'pdf', 'sheet-1.pdf'));
  const photo = join(work, 'photo');
  assert.equal((await runProgram('pdftoppm', ['-png', '-r', '100', '-gray', '-f', '1', '-l', '1', '-singlefile', join(work, 'pdf', 'sheet-1.pdf'), photo])).exitStatus, 0);
  valid['photo.png'] = readFileSync(`${photo}.png`);
  mkdirSync(join(work, 'private'), { mode: 0o700 });
  writeFileSync(join(work, 'private', 'secrets.env'), 'RESTIC_PASSWORD=fuzz-password-0001\n', { mode: 0o600 });
  valid['config.yaml'] = Buffer.from([
    'sources: [/etc]', `secrets: ${join(work, 'private', 'secrets.env')}`, 'host: fuzz', 'exclude: ["*.tmp"]',
    'onsite:', `  target: ${join(work, 'usb')}`, '  maxAge: 26h', '  keep: { all: 24h, daily: 30d }',
    'offsite:', `  repository: ${join(work, 'repo')}`, '  keep: { last: 3, daily: 7 }', '  maxAge: 26h', '  retries: 1', '',
  ].join('\n'));
  writeFileSync(join(work, 'config.yaml'), valid['config.yaml']);
  valid['custodians.txt'] = Buffer.from('Ann Example <ann@example.org, +44 20 7946 0000>\nBen\n# a comment\nCy <cy@example.org>\n');
  valid['certificate.txt'] = Buffer.from(`${formatCertificate({
    kitId: 'ABCD-EFGH', kitCreatedOn: '2026-11-30', shares: [{ number: 1, fingerprint: 'GJ9C' }, { number: 3, fingerprint: 'NPY8' }], repository: join(work, 'repo'),
    snapshotId: 'b'.repeat(64), snapshotTime: '2026-11-30T10:00:00.000Z', sample: 10, filesChecked: 10, bytesChecked: 4096, resticVerify: 'passed', resticCheck: 'passed',
    canary: 'matches', verdict: 'passed', findings: [], startedAt: '2026-11-30T12:00:00.000Z', finishedAt: '2026-11-30T12:05:00.000Z', resticVersion: '0.18.0',
    phases: [{ name: 'restore', ms: 1200 }], stuck: '',
  }).join('\n')}\n`);
  valid['status.json'] = Buffer.from(`${JSON.stringify({
    version: 1,
    offsite: { repositoryId: 'a'.repeat(64), repository: join(work, 'repo'), initializedAt: '2026-11-30T10:00:00.000Z' },
    onsite: { markerId: '5e1f0c3a-0000-4000-8000-000000000000', target: join(work, 'usb'), initializedAt: '2026-11-30T10:00:00.000Z' },
    runs: [
      { job: 'offsite', outcome: 'success', startedAt: '2026-11-30T10:00:00.000Z', finishedAt: '2026-11-30T10:01:00.000Z', snapshotId: 'b'.repeat(64), filesTotal: 3, bytesTotal: 1000, bytesAdded: 10, snapshotCount: 2, warnings: [] },
      { job: 'onsite', outcome: 'warning', startedAt: '2026-11-30T10:00:00.000Z', finishedAt: '2026-11-30T10:02:00.000Z', warnings: ['rsync exit 24'] },
      { job: 'offsite', outcome: 'failed', startedAt: '2026-11-30T11:00:00.000Z', finishedAt: '2026-11-30T11:01:00.000Z', warnings: [], error: { code: 'E_RESTIC_UNREACHABLE', message: 'down' } },
    ],
    drills: [{ job: 'offsite', outcome: 'passed', finishedAt: '2026-11-29T10:00:00.000Z' }],
  }, null, 2)}\n`);
});

const statusEnv = (dir: string): Record<string, string> => ({ XDG_STATE_HOME: join(dir, 'state'), XDG_CONFIG_HOME: join(dir, 'config') });
function placeStatus(dir: string): string {
  mkdirSync(join(dir, 'config', 'drkit'), { recursive: true });
  writeFileSync(join(dir, 'config', 'drkit', 'config.yaml'), valid['config.yaml'] ?? '');
  return join(dir, 'state', 'drkit', 'status.json');
}

const kinds: Kind[] = [
  { name: 'share (kit verify)', file: 'share.txt', valid: () => valid['share.txt'] ?? Buffer.alloc(0), args: (path) => ['kit', 'verify', path], cases: 12 },
  { name: 'share (recover --from)', file: 'share.txt', valid: () => valid['share.txt'] ?? Buffer.alloc(0), args: (path, dir) => ['recover', '--from', path, join(work, 'text', 'share-2.txt'), '--envelope', join(work, 'text', 'envelope.txt'), '--out', join(dir, 'out.json')], cases: 8 },
  { name: 'envelope (recover --envelope)', file: 'envelope.txt', valid: () => valid['envelope.txt'] ?? Buffer.alloc(0), args: (path, dir) => ['recover', '--from', join(work, 'text', 'share-1.txt'), join(work, 'text', 'share-3.txt'), '--envelope', path, '--out', join(dir, 'out.json')], cases: 10 },
  { name: 'sheet PDF (kit verify)', file: 'sheet.pdf', valid: () => valid['sheet.pdf'] ?? Buffer.alloc(0), args: (path) => ['kit', 'verify', path], cases: 5 },
  { name: 'photo (kit verify)', file: 'photo.png', valid: () => valid['photo.png'] ?? Buffer.alloc(0), args: (path) => ['kit', 'verify', path], cases: 5 },
  { name: 'bundle (kit create --bundle)', file: 'bundle.json', valid: () => valid['bundle.json'] ?? Buffer.alloc(0), args: (path, dir) => ['kit', 'create', '--no-check', '--format', 'text', '--bundle', path, '--custodians', 'A,B', '--threshold', '2', '--out', join(dir, 'kit')], cases: 10 },
  { name: 'config (status)', file: 'config.yaml', valid: () => valid['config.yaml'] ?? Buffer.alloc(0), args: (path) => ['status', '--config', path], env: (dir) => ({ XDG_STATE_HOME: join(dir, 'state') }), cases: 10 },
  { name: 'config (schedule print)', file: 'config.yaml', valid: () => valid['config.yaml'] ?? Buffer.alloc(0), args: (path) => ['schedule', 'print', '--config', path], env: (dir) => ({ XDG_STATE_HOME: join(dir, 'state') }), cases: 4 },
  { name: 'custodians file (kit create --custodians-file)', file: 'custodians.txt', valid: () => valid['custodians.txt'] ?? Buffer.alloc(0), args: (path, dir) => ['kit', 'create', '--no-check', '--format', 'text', '--bundle', join(work, 'bundle.json'), '--custodians-file', path, '--threshold', '2', '--out', join(dir, 'kit')], cases: 8 },
  { name: 'drill certificate (drill --record)', file: 'certificate.txt', valid: () => valid['certificate.txt'] ?? Buffer.alloc(0), args: (path) => ['drill', '--record', path, '--config', join(work, 'config.yaml')], env: (dir) => ({ XDG_STATE_HOME: join(dir, 'state') }), cases: 8 },
  // the default config ($XDG_CONFIG_HOME/drkit/config.yaml) keeps its status file at $XDG_STATE_HOME/drkit/status.json
  { name: 'status file (status)', file: 'status.json', valid: () => valid['status.json'] ?? Buffer.alloc(0), args: () => ['status'], env: statusEnv, place: placeStatus, cases: 12 },
  { name: 'status file (status --json)', file: 'status.json', valid: () => valid['status.json'] ?? Buffer.alloc(0), args: () => ['status', '--json'], env: statusEnv, place: placeStatus, cases: 6 },
];

/** Runs `jobs` with at most `width` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (job !== undefined) results[index] = await job();
    }
  }));
  return results;
}

test(`no input file makes the CLI fail with exit 70 (seed ${SEED})`, async () => {
  const random = generator(SEED);
  const jobs: (() => Promise<{ label: string; input: string; result: CliResult }>)[] = [];
  let counter = 0;
  for (const kind of kinds) {
    for (let index = 0; index < kind.cases; index++) {
      // a quarter random bytes, the rest mutated valid files (mutations stack: one to three)
      let input = index % 4 === 0 ? random.bytes(random.int(4096)) : kind.valid();
      // JSON files: half of the mutations keep the syntax and change a value's type (what a hand edit does)
      if (index % 4 !== 0) for (let m = 0, count = 1 + random.int(3); m < count; m++) input = kind.file.endsWith('.json') && index % 2 === 1 ? mutateJson(input, random) : mutate(input, random);
      const dir = join(work, 'cases', String(counter++));
      const path = kind.place?.(dir) ?? join(dir, kind.file);
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
      writeFileSync(path, input, { mode: 0o600 });
      const label = `${kind.name} #${index}`;
      jobs.push(async () => ({ label, input: path, result: await runCli(kind.args(path, dir), { env: { ...kind.env?.(dir) } }) }));
    }
  }
  const runs = await pool(jobs, 3);
  if (process.env['DRKIT_FUZZ_VERBOSE'] !== undefined) for (const { label, result } of runs) process.stderr.write(`${label}: ${String(result.exitStatus)} ${result.stderr.split('\n')[0] ?? ''}\n`);
  const bad = runs.filter(({ result }) => result.exitStatus === 70 || result.exitStatus === null || /bug in drkit/.test(result.stderr));
  const keep = join(tmpdir(), `drkit-fuzz-failures-${SEED}`);
  if (bad.length > 0) {
    mkdirSync(keep, { recursive: true });
    for (const [index, { input }] of bad.entries()) writeFileSync(join(keep, `${index}-${input.split('/').pop() ?? 'input'}`), readFileSync(input));
  }
  assert.deepEqual(bad.map(({ label, result }) => `${label}: exit ${String(result.exitStatus)}: ${result.stderr.split('\n').slice(0, 3).join(' | ')}`), [], `failing inputs kept in ${keep}`);
  // the fuzz reached past the first check: some inputs were accepted, some refused with a clear error
  assert.ok(runs.some(({ result }) => result.exitStatus === 0), 'some mutated inputs still pass');
  assert.ok(runs.some(({ result }) => result.exitStatus === 2 || result.exitStatus === 1), 'some inputs are refused');
});

/**
 * drkit recover as a restorer uses it: shares typed line by line (each line checked as it is entered), and a
 * restore of the newest snapshot from a real restic repository with nothing but the kit.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-recover-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const PASSWORD = "restic pass 'with' quotes";
const repository = join(work, 'repo');
const source = join(work, 'data');
const kit = join(work, 'kit');

before(async () => {
  mkdirSync(join(source, 'photos'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(source, 'photos', `p${i}.jpg`), Buffer.alloc(5000 + i, i));
  writeFileSync(join(source, 'notes.txt'), 'the family recipes\n');
  const passwordFile = join(work, 'pw');
  writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
  const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository };
  assert.equal((await runProgram('restic', ['init'], { env })).exitStatus, 0);
  assert.equal((await runProgram('restic', ['backup', source], { env })).exitStatus, 0);
  rmSync(passwordFile);
  const bundle = join(work, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Test Owner', repository, resticPassword: PASSWORD, env: {} }));
  const created = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C,D', '--threshold', '3', '--out', kit]);
  assert.equal(created.exitStatus, 0, created.stderr);
  rmSync(bundle);
});

const share = (n: number) => readFileSync(join(kit, `share-${n}.txt`), 'utf8');
const envelope = () => readFileSync(join(kit, 'envelope.txt'), 'utf8');
const dataLines = (text: string) => text.split('\n').filter((line) => /^\d+:/.test(line));

test('typed shares: each wrong line is named at once and asked again; the kit opens', async () => {
  const s2 = dataLines(share(2));
  const mistyped = (s2[1] ?? '').replace(/^(2: )(.)/, (_, label: string, c: string) => `${label}${c === 'A' ? 'B' : 'A'}`);
  const typed = [
    ...dataLines(share(4)),
    s2[0], mistyped, s2[1], s2[2],
    ...dataLines(share(4)).slice(0, 1), // the same sheet again
    ...dataLines(share(1)),
    '# a comment line, skipped', '',
    ...dataLines(envelope()),
  ].join('\n');
  const out = join(work, 'typed.env');
  const result = await runCli(['recover', '--out', out], { input: `${typed}\n` });
  assert.equal(result.exitStatus, 0, result.stderr);
  assert.match(result.stderr, /sheet 2 line 2: check characters do not match: type it again/);
  assert.match(result.stderr, /share 4 was typed already: type another sheet/);
  assert.match(result.stderr, /the envelope has \d+ lines/);
  assert.match(result.stdout, /opened with shares 4, 2, 1; credentials written to/);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const sourced = await runProgram('bash', ['-c', `set -a; . "${out}"; set +a; printf %s "$RESTIC_PASSWORD"`]);
  assert.equal(sourced.stdout, PASSWORD, 'the .env output is the shell file gpg would print');
  assert.ok(!(result.stdout + result.stderr).includes(PASSWORD));
});

test('typed input that ends early is refused, naming what is missing', async () => {
  const result = await runCli(['recover', '--out', join(work, 'never.json')], { input: `${dataLines(share(1)).join('\n')}\n` });
  assert.equal(result.exitStatus, 2);
  assert.match(result.stderr, /error: the input ended before the kit was complete/);
  assert.throws(() => statSync(join(work, 'never.json')));
});

test('recover --restore-to restores the newest snapshot, byte for byte, without writing the credentials', async () => {
  const target = join(work, 'restored');
  const result = await runCli(['recover', '--from', join(kit, 'share-3.txt'), '--from', join(kit, 'share-1.txt'), '--from', join(kit, 'share-2.txt'), '--envelope', join(kit, 'envelope.txt'), '--restore-to', target]);
  assert.equal(result.exitStatus, 0, result.stderr);
  assert.match(result.stdout, /restored snapshot [0-9a-f]{8} into /);
  const restored = join(target, source);
  assert.deepEqual(readdirSync(join(restored, 'photos')).sort(), readdirSync(join(source, 'photos')).sort());
  for (const name of readdirSync(join(source, 'photos'))) {
    assert.ok(readFileSync(join(restored, 'photos', name)).equals(readFileSync(join(source, 'photos', name))), name);
  }
  assert.equal(readFileSync(join(restored, 'notes.txt'), 'utf8'), 'the family recipes\n');
  assert.ok(!(result.stdout + result.stderr).includes(PASSWORD));
});

test('recover without --out or --restore-to, or with shares but no envelope, is a usage error', async () => {
  const none = await runCli(['recover', '--from', join(kit, 'share-1.txt'), '--envelope', join(kit, 'envelope.txt')]);
  assert.equal(none.exitStatus, 2);
  assert.match(none.stderr, /recover needs --out FILE .* or --restore-to DIR/);
  const half = await runCli(['recover', '--from', join(kit, 'share-1.txt'), '--out', join(work, 'x.json')]);
  assert.equal(half.exitStatus, 2);
  assert.match(half.stderr, /--from needs --envelope FILE/);
});

test('typed recovery into --restore-to without restic on PATH: said before the first share is asked for', async () => {
  const noTools = join(work, 'no-tools');
  mkdirSync(noTools, { recursive: true });
  const target = join(work, 'never-restored');
  const result = await runCli(['recover', '--restore-to', target], { env: { PATH: noTools }, input: `${dataLines(share(1)).join('\n')}\n` });
  assert.equal(result.exitStatus, 2, result.stderr);
  assert.match(result.stderr, /restic is not installed/);
  // nothing was asked: the restorer types no share for a restore that cannot run
  assert.doesNotMatch(result.stdout + result.stderr, /share line/);
  assert.throws(() => statSync(target));
});

/** The one atomic writer (src/adapters/files.ts) and the cleanup registry's sweep (src/adapters/cleanup.ts), on real files. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { registerCleanupPath, removeRegisteredPaths, sweepStale } from '../../src/adapters/cleanup.js';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/adapters/files.js';
import { UserError } from '../../src/errors.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-files-atomic-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('close', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

test('writes 0600 by default, replaces, leaves no temp file; the mode can be given', async () => {
  const file = join(work, 'state.json');
  await writeFileAtomic(file, 'one\n');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  writeFileAtomicSync(file, 'two\n');
  assert.equal(readFileSync(file, 'utf8'), 'two\n');
  await writeFileAtomic(join(work, 'unit.timer'), '[Timer]\n', { mode: 0o644 });
  assert.equal(statSync(join(work, 'unit.timer')).mode & 0o777, 0o644);
  assert.deepEqual(readdirSync(work).sort(), ['state.json', 'unit.timer']);
});

test('overwrite: false refuses an existing file without touching it, sync and async', async () => {
  const file = join(work, 'bundle.json');
  writeFileSync(file, 'keep\n');
  await assert.rejects(writeFileAtomic(file, 'new', { overwrite: false, what: '--out' }), (error: unknown) => error instanceof UserError && error.code === 'E_EXISTS' && /--out .*bundle\.json already exists/.test(error.message));
  assert.throws(() => { writeFileAtomicSync(file, 'new', { overwrite: false }); }, (error: unknown) => error instanceof UserError && error.code === 'E_EXISTS');
  assert.equal(readFileSync(file, 'utf8'), 'keep\n');
  assert.deepEqual(readdirSync(work).filter((name) => name.endsWith('.tmp')), []);
});

test('a folder that does not exist is a UserError naming the file when `what` is given', async () => {
  await assert.rejects(writeFileAtomic(join(work, 'missing', 'x.json'), 'x', { what: '--out' }), (error: unknown) => error instanceof UserError && /--out .*x\.json is in a folder that does not exist/.test(error.message));
});

test('a temp file a killed writer left is swept by the next write in its folder; a live writer\'s is not', async () => {
  const folder = join(work, 'sweep');
  mkdirSync(folder);
  const dead = join(folder, `.status.json.drkit-${await deadPid()}-0badc0de.tmp`);
  const live = join(folder, `.status.json.drkit-${process.pid}-0badc0de.tmp`);
  writeFileSync(dead, 'half a file');
  writeFileSync(live, 'being written');
  await writeFileAtomic(join(folder, 'status.json'), '{}\n');
  assert.ok(!existsSync(dead));
  assert.ok(existsSync(live));
});

test('sweepStale: pid-named leftovers of dead processes go, legacy names only when old', async () => {
  const folder = join(work, 'tmp');
  mkdirSync(folder);
  const deadName = `drkit-qr-${await deadPid()}-0badc0de`;
  mkdirSync(join(folder, deadName));
  mkdirSync(join(folder, `drkit-qr-${process.pid}-0badc0de`));
  mkdirSync(join(folder, 'drkit-qr-AbC123'));
  mkdirSync(join(folder, 'unrelated'));
  const patterns = [{ pattern: /^drkit-qr-(\d+)-[0-9a-f]{8}$/, legacy: /^drkit-qr-[A-Za-z0-9]{6}$/, legacyAgeMs: 60_000 }];
  assert.deepEqual(sweepStale(folder, patterns), [deadName]);
  assert.deepEqual(sweepStale(folder, patterns, Date.now() + 120_000), ['drkit-qr-AbC123'], 'the legacy one once it is old enough');
  assert.deepEqual(readdirSync(folder).sort(), [`drkit-qr-${process.pid}-0badc0de`, 'unrelated']);
});

test('registered paths are removed by removeRegisteredPaths, released ones are not', () => {
  const registered = join(work, 'staging');
  const released = join(work, 'published');
  mkdirSync(registered);
  mkdirSync(released);
  registerCleanupPath(registered);
  registerCleanupPath(released)();
  removeRegisteredPaths();
  assert.ok(!existsSync(registered));
  assert.ok(existsSync(released));
});

test('the kit fingerprint key is written by the atomic writer: a torn key is replaced, a killed writer\'s temp swept', async () => {
  const { ensureFingerprintKey, readFingerprintKey } = await import('../../src/adapters/kit-store.js');
  const dir = join(work, 'key');
  mkdirSync(dir, { mode: 0o700 });
  const file = join(dir, 'kit-fingerprint.key');
  const left = join(dir, `.kit-fingerprint.key.drkit-${await deadPid()}-0badc0de.tmp`);
  writeFileSync(left, 'half a key');
  writeFileSync(file, 'torn');
  const key = await ensureFingerprintKey(file);
  assert.equal(key.length, 32);
  assert.deepEqual(readFingerprintKey(file), key);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['kit-fingerprint.key'], 'the killed writer\'s temp file is gone, and no temp of this write is left');
  assert.deepEqual(await ensureFingerprintKey(file), key, 'made once, then only read');
});

/**
 * Weak cases of issue 8 through the built CLI: each is a clear error (exit 2, the input named, a hint), never a
 * stack trace (exit 70). `--out` of kit create and recover (a file, a dangling link, a read-only folder, a missing
 * folder), checked before any share is read; `recover --from a b c`; and the one rule for restic's own environment
 * variables (docs/config.md), seen in the environment of the real restic processes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProgram, type RunResult } from '../../src/adapters/exec.js';
import { cliCommand, runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-weak-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const bundle = join(work, 'bundle.json');
writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository: '/srv/restic', resticPassword: 'weak-password-4411', env: {} }));
const kit = join(work, 'kit');

before(async () => {
  const created = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C,D', '--threshold', '3', '--out', kit]);
  assert.equal(created.exitStatus, 0, created.stderr);
});

/** The CLI with `readOnly` mounted read-only (bubblewrap): root ignores mode bits, a read-only mount it cannot. */
async function cliWithReadOnly(readOnly: string, args: readonly string[]): Promise<RunResult> {
  const { program, prefix } = cliCommand();
  return runProgram('bwrap', ['--dev-bind', '/', '/', '--ro-bind', readOnly, readOnly, '--', program, ...prefix, ...args], { debianPackage: 'bubblewrap' });
}

function assertClearError(result: RunResult, pattern: RegExp): void {
  assert.equal(result.exitStatus, 2, result.stderrTail);
  assert.match(result.stderrTail, pattern);
  assert.match(result.stderrTail, /^hint: /m);
  assert.doesNotMatch(result.stderrTail, /bug in drkit|^\s+at /m);
}

const createArgs = (out: string) => ['kit', 'create', '--no-check', '--bundle', bundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', out];

describe('kit create --out', () => {
  test('a file', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder\n');
    assertClearError(await runCli(createArgs(file)), /^error: --out .*a-file is a file, not a folder$/m);
    assert.equal(readFileSync(file, 'utf8'), 'not a folder\n');
  });
  test('a dangling symbolic link', async () => {
    const link = join(work, 'dangling');
    symlinkSync(join(work, 'nowhere'), link);
    assertClearError(await runCli(createArgs(link)), /^error: --out .*dangling is a symbolic link to a folder that does not exist$/m);
  });
  test('a folder that cannot be written (read-only), for both formats', async () => {
    const folder = join(work, 'ro-kit');
    mkdirSync(folder);
    assertClearError(await cliWithReadOnly(folder, createArgs(folder)), /^error: --out .*ro-kit is on a read-only file system$/m);
    assertClearError(await cliWithReadOnly(folder, [...createArgs(join(folder, 'sub')), '--format', 'text']), /^error: --out .*ro-kit\/sub is on a read-only file system$/m);
    assert.deepEqual(readdirSync(folder), []);
  });
});

describe('recover --out, checked before any share is read', () => {
  // shares that cannot be read at all: an error about --out proves it was checked first
  const garbage = join(work, 'garbage.txt');
  writeFileSync(garbage, 'not a share\n');
  const recoverArgs = (out: string) => ['recover', '--from', garbage, garbage, '--envelope', garbage, '--out', out];

  test('in a folder that does not exist', async () => {
    assertClearError(await runCli(recoverArgs(join(work, 'missing', 'bundle.json'))), /^error: --out .*missing\/bundle\.json: the folder .*missing does not exist$/m);
  });
  test('a folder', async () => {
    assertClearError(await runCli(recoverArgs(work)), /^error: --out .* is a folder: it must name a file$/m);
  });
  test('in a folder that cannot be written (read-only)', async () => {
    const folder = join(work, 'ro-recover');
    mkdirSync(folder);
    assertClearError(await cliWithReadOnly(folder, recoverArgs(join(folder, 'bundle.json'))), /^error: --out .*bundle\.json is on a read-only file system$/m);
  });
  test('a dangling symbolic link, and an existing file without --force', async () => {
    const link = join(work, 'dangling-out');
    symlinkSync(join(work, 'nowhere-out'), link);
    assertClearError(await runCli(recoverArgs(link)), /^error: --out .*dangling-out is a symbolic link to something that does not exist$/m);
    assertClearError(await runCli(recoverArgs(bundle)), /^error: --out .*bundle\.json already exists$/m);
  });
  test('--restore-to a file', async () => {
    assertClearError(await runCli(['recover', '--from', garbage, '--envelope', garbage, '--restore-to', bundle]), /^error: --restore-to .*bundle\.json is a file, not a folder$/m);
  });
});

test('recover --from takes several files after one --from, and a repeated --from', async () => {
  const several = await runCli(['recover', '--from', join(kit, 'share-1.txt'), join(kit, 'share-2.txt'), join(kit, 'share-4.txt'), '--envelope', join(kit, 'envelope.txt'), '--out', join(work, 'several.json')]);
  assert.equal(several.exitStatus, 0, several.stderrTail);
  assert.match(several.stdout, /opened with shares 1, 2, 4/);
  const mixed = await runCli(['recover', '--from', join(kit, 'share-3.txt'), join(kit, 'share-2.txt'), '--envelope', join(kit, 'envelope.txt'), '--from', join(kit, 'share-1.txt'), '--out', join(work, 'mixed.json')]);
  assert.equal(mixed.exitStatus, 0, mixed.stderrTail);
  assert.match(mixed.stdout, /opened with shares 3, 2, 1/);
});

/** The environments of the restic processes started by `parent`, seen while `stop` is pending (sampled from /proc). */
async function resticEnvironments(parent: number | undefined, stop: Promise<unknown>): Promise<Map<string, string>[]> {
  let running = true;
  void stop.then(() => { running = false; });
  const seen = new Map<string, Map<string, string> | null>();
  while (running) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || seen.has(entry)) continue;
      try {
        // other tests may run restic on this machine at the same time: only drkit's own children count
        if (!new RegExp(`^\\d+ \\(restic\\) \\S+ ${parent ?? -1} `).test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
        // `restic version` opens no repository: it gets the cleared environment without one
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        const variables = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter((line) => line.includes('='));
        // a restic that has just exited (a zombie until drkit reaps it) shows an empty cmdline and environ: not a reading
        if (variables.length === 0) continue;
        const environment = new Map(variables.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
        if (command[1] === 'version') {
          for (const name of ['RESTIC_REPOSITORY', 'RESTIC_PASSWORD', 'AWS_SECRET_ACCESS_KEY']) assert.equal(environment.get(name), undefined, `restic version: ${name} is not inherited`);
          seen.set(entry, null);
        } else {
          seen.set(entry, environment);
        }
      } catch {
        // gone meanwhile
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  return [...seen.values()].filter((environment) => environment !== null);
}

test('restic\'s variables in drkit\'s own environment never reach restic; the secrets file\'s do', async () => {
  const root = join(work, 'env-rule');
  const source = join(root, 'data');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'a.txt'), 'a\n');
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  const secrets = join(root, 'private', 'secrets.env');
  writeFileSync(secrets, 'RESTIC_PASSWORD=env-rule-password-77\nAWS_ACCESS_KEY_ID=from-the-secrets-file\n', { mode: 0o600 });
  const config = join(root, 'config.yaml');
  writeFileSync(config, [`sources: [${source}]`, `secrets: ${secrets}`, 'offsite:', `  repository: ${join(root, 'repo')}`, '  keep: { last: 3 }', ''].join('\n'));
  const env = {
    ...process.env, XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'config'), RESTIC_CACHE_DIR: join(root, 'cache'),
    // what an owner's shell may hold: all of it must be ignored
    RESTIC_PASSWORD: 'inherited-wrong-password', RESTIC_REPOSITORY: join(root, 'other-repo'), RESTIC_PASSWORD_FILE: '/nonexistent',
    AWS_ACCESS_KEY_ID: 'inherited-work-key', AWS_SECRET_ACCESS_KEY: 'inherited-work-secret', B2_ACCOUNT_KEY: 'inherited-b2',
  };
  const { program, prefix } = cliCommand();
  const drkit = (args: string[]) => {
    const child = spawn(program, [...prefix, ...args, '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const done = new Promise<{ status: number | null; stderr: string }>((resolve) => child.on('close', (status) => { resolve({ status, stderr }); }));
    return { pid: child.pid, done };
  };
  const init = drkit(['init', '--yes']);
  const seenAtInit = await resticEnvironments(init.pid, init.done);
  assert.equal((await init.done).status, 0, (await init.done).stderr);
  const backup = drkit(['backup', 'offsite']);
  const seen = [...seenAtInit, ...await resticEnvironments(backup.pid, backup.done)];
  assert.equal((await backup.done).status, 0, (await backup.done).stderr);
  assert.ok(seen.length > 0, 'restic was seen running');
  for (const environment of seen) {
    assert.equal(environment.get('RESTIC_REPOSITORY'), join(root, 'repo'), 'the config\'s repository');
    assert.equal(environment.get('AWS_ACCESS_KEY_ID'), 'from-the-secrets-file');
    for (const name of ['RESTIC_PASSWORD', 'RESTIC_PASSWORD_FILE', 'AWS_SECRET_ACCESS_KEY', 'B2_ACCOUNT_KEY']) assert.equal(environment.get(name), undefined, `${name} is not inherited`);
    assert.equal(environment.get('RESTIC_CACHE_DIR'), join(root, 'cache'), 'a tuning variable is inherited');
  }
  assert.ok(!existsSync(join(root, 'other-repo')));
});

/**
 * Every exit of the built CLI ends in a known state (issue 8, items 1 and 2), driven with real signals sent to the
 * CLI's process group as a terminal's Ctrl-C or a `kill` would, and a real restic killed with it:
 * - SIGINT/SIGTERM during `kit create` leave no staging folder and no rendered QR pages; exit 130;
 * - what a SIGKILLed `kit create` left is removed by the next run (temp names carry the owner's pid);
 * - SIGKILL during `backup offsite` and Ctrl-C during `recover --restore-to` leave no file holding the restic
 *   password anywhere under TMPDIR or XDG_RUNTIME_DIR, and the lock of the killed restic does not block the next run;
 * - a closed stdout (`| head -1`) ends quietly: no stack trace, nothing left behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { cliCommand } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-exits-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const PASSWORD = 'exits-Restic-Password-9c2e71';

interface Started {
  child: ChildProcess;
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The CLI in a process group of its own (as a shell starts a job), so a signal can go to the whole group. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv): Started {
  const { program, prefix } = cliCommand();
  const child = spawn(program, [...prefix, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (status, signal) => { resolve({ status, signal, stdout, stderr }); });
  });
  return { child, done };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  assert.ok(child.pid !== undefined);
  process.kill(-child.pid, signal);
}

/** Polls `probe` until it returns something, or fails the test when the CLI ended first. */
async function waitFor<T>(what: string, started: Started, probe: () => T | undefined): Promise<T> {
  let ended = false;
  void started.done.then(() => { ended = true; });
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (ended) {
      const result = await started.done;
      assert.fail(`the CLI ended before ${what}: ${result.status} ${result.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The pids of running processes whose command is `name` and whose parent is `parent`. */
/** Waits (at most 20 s) until none of `pids` exists any more, zombies included. */
async function waitForGone(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (pids.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

function childrenNamed(parent: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (match?.[1] === name && Number(match[2]) === parent) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Every file under `dirs` whose content holds `secret`. */
function filesHolding(dirs: readonly string[], secret: string): string[] {
  const hits: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const name of names) {
      const path = join(dir, name);
      let info;
      try { info = statSync(path); } catch { continue; }
      if (info.isDirectory()) walk(path);
      else if (info.isFile() && info.size < 1024 * 1024) {
        try { if (readFileSync(path).includes(secret)) hits.push(path); } catch { /* unreadable: not ours */ }
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return hits;
}

/** A pid that certainly belongs to no running process: one of a process that has just ended. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('close', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

function privateEnv(name: string): { env: NodeJS.ProcessEnv; tmp: string; runtime: string } {
  const tmp = join(work, name, 'tmp');
  const runtime = join(work, name, 'runtime');
  mkdirSync(tmp, { recursive: true });
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  return { tmp, runtime, env: { ...process.env, TMPDIR: tmp, XDG_RUNTIME_DIR: runtime, XDG_STATE_HOME: join(work, name, 'state'), XDG_CONFIG_HOME: join(work, name, 'config'), RESTIC_CACHE_DIR: join(work, name, 'cache') } };
}

const bundle = join(work, 'bundle.json');
writeFileSync(bundle, JSON.stringify({ owner: 'Ann Example', repository: 'rest:http://127.0.0.1:1/', resticPassword: 'kit-password-0c71', env: {} }));

describe('kit create on a signal', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} to the process group while the PDFs are staged and read back: exit 130, nothing left`, async () => {
      const { env, tmp } = privateEnv(`kit-${signal}`);
      const parent = join(work, `kit-${signal}`, 'kits');
      mkdirSync(parent);
      const out = join(parent, 'kit');
      const run = startCli(['kit', 'create', '--no-check', '--bundle', bundle, '--custodians', 'Ann,Ben,Cy,Dee,Eve', '--threshold', '3', '--out', out], env);
      // the share QR codes are on the rendered pages: wait until the read-back has some on disk
      await waitFor('QR pages were rendered', run, () => (readdirSync(tmp).some((name) => name.startsWith('drkit-qr-')) ? true : undefined));
      assert.ok(readdirSync(parent).some((name) => name.includes('.drkit-')), 'the kit is being staged');
      signalGroup(run.child, signal);
      const result = await run.done;
      assert.equal(result.status, 130, result.stderr);
      assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
      assert.deepEqual(readdirSync(parent).filter((name) => name !== 'kit'), [], 'no staging folder beside --out');
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], 'no kit file and no staging folder in --out');
      assert.deepEqual(readdirSync(tmp), [], 'no rendered QR pages in TMPDIR');
    });
  }

  test('SIGKILL leaves staging and QR pages; the next run finds and removes them', async () => {
    const { env, tmp } = privateEnv('kit-kill');
    const parent = join(work, 'kit-kill', 'kits');
    mkdirSync(parent);
    const out = join(parent, 'kit');
    const run = startCli(['kit', 'create', '--no-check', '--bundle', bundle, '--custodians', 'Ann,Ben,Cy,Dee,Eve', '--threshold', '3', '--out', out], env);
    await waitFor('QR pages were rendered', run, () => (readdirSync(tmp).some((name) => name.startsWith('drkit-qr-')) ? true : undefined));
    signalGroup(run.child, 'SIGKILL');
    await run.done;
    const leftStaging = readdirSync(parent).filter((name) => name !== 'kit');
    assert.equal(leftStaging.length, 1, 'SIGKILL runs no handler: the staging folder stays');
    assert.match(leftStaging[0] ?? '', new RegExp(`^\\.kit\\.drkit-${run.child.pid}-[0-9a-f]{8}\\.tmp$`), 'named with the owner pid');
    assert.ok(readdirSync(tmp).some((name) => name.startsWith(`drkit-qr-${run.child.pid}-`)));
    // a text kit's staging folder left by another killed run, inside --out
    mkdirSync(out, { recursive: true });
    const leftText = join(out, `.drkit-staging-${await deadPid()}-0badc0de`);
    mkdirSync(leftText);
    writeFileSync(join(leftText, 'share-1.txt'), 'a share\n');

    const next = startCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundle, '--custodians', 'Ann,Ben,Cy', '--threshold', '2', '--out', out], env);
    const result = await next.done;
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /removed 2 staging folders left by an interrupted kit create/);
    assert.deepEqual(readdirSync(parent), ['kit']);
    assert.deepEqual(readdirSync(out).sort(), ['envelope.txt', 'kit.json', 'share-1.txt', 'share-2.txt', 'share-3.txt']);
    assert.deepEqual(readdirSync(tmp), [], 'the QR pages of the killed run are swept too');
  });

  test('a live run\'s staging is never swept', async () => {
    const { env } = privateEnv('kit-live');
    const out = join(work, 'kit-live', 'kit');
    mkdirSync(out, { recursive: true });
    // this test process is alive: its "staging" must stay
    const live = join(out, `.drkit-staging-${process.pid}-0badc0de`);
    mkdirSync(live);
    const result = await startCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundle, '--custodians', 'Ann,Ben', '--threshold', '2', '--out', out], env).done;
    assert.equal(result.status, 0, result.stderr);
    assert.ok(existsSync(live));
  });
});

/** A local repository with a snapshot of `data` big enough that restic runs for a while. */
async function repositoryWithData(name: string, binary: string): Promise<{ repository: string; source: string }> {
  const root = join(work, name);
  const source = join(root, 'data');
  mkdirSync(source, { recursive: true });
  // incompressible data, so restic spends real time on it
  for (let index = 0; index < 6; index++) {
    const bytes = Buffer.alloc(8 * 1024 * 1024);
    let state = 0x9e3779b9 ^ index;
    for (let i = 0; i < bytes.length; i += 4) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      bytes.writeUInt32LE(state >>> 0, i);
    }
    writeFileSync(join(source, `part${index}.bin`), bytes);
  }
  const repository = join(root, 'repo');
  const env = { RESTIC_PASSWORD: PASSWORD, RESTIC_REPOSITORY: repository, RESTIC_CACHE_DIR: join(root, 'cache') };
  assert.equal((await runProgram(binary, ['init'], { env })).exitStatus, 0);
  return { repository, source };
}

for (const restic of resticBinaries()) {
  describe(`restic ${restic.label}: no password file outlives an exit`, () => {
    test('SIGKILL during backup offsite: no password file; the killed restic\'s lock does not block the next backup', async () => {
      const name = `backup-kill-${restic.label}`;
      const { env, tmp, runtime } = privateEnv(name);
      env.PATH = restic.path;
      const { repository, source } = await repositoryWithData(name, restic.binary);
      const secretsDir = join(work, name, 'private');
      mkdirSync(secretsDir, { mode: 0o700 });
      const secrets = join(secretsDir, 'secrets.env');
      writeFileSync(secrets, `RESTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
      const config = join(work, name, 'config.yaml');
      writeFileSync(config, [`sources: [${source}]`, `secrets: ${secrets}`, 'host: exits', 'offsite:', `  repository: ${repository}`, '  keep: { last: 5 }', '  retries: 0', ''].join('\n'));
      const init = await startCli(['init', '--yes', '--config', config], env).done;
      assert.equal(init.status, 0, init.stderr);

      const run = startCli(['backup', 'offsite', '--config', config], env);
      assert.ok(run.child.pid !== undefined);
      const pid = run.child.pid;
      await waitFor('restic started its backup', run, () => (childrenNamed(pid, 'restic').length > 0 && readdirSync(join(repository, 'locks')).some((entry) => /^[0-9a-f]{64}$/.test(entry)) ? true : undefined));
      const killed = childrenNamed(pid, 'restic');
      signalGroup(run.child, 'SIGKILL');
      await run.done;
      // the killed restic is reparented to pid 1, which reaps it in its own time; until then `restic unlock` sees its
      // pid alive (a zombie answers kill 0) and rightly keeps its lock, so wait as a person's next run would
      await waitForGone(killed);
      assert.deepEqual(filesHolding([tmp, runtime], PASSWORD), [], 'no file under TMPDIR or XDG_RUNTIME_DIR holds the password');
      assert.ok(readdirSync(join(repository, 'locks')).some((entry) => /^[0-9a-f]{64}$/.test(entry)), 'the killed restic left its lock');

      const next = await startCli(['backup', 'offsite', '--config', config], env).done;
      assert.equal(next.status, 0, `a stale lock is no reason to fail: ${next.stderr}`);
      // the repository check locks the repository exclusively: the killed restic's stale lock is met, and removed
      const check = await startCli(['check', '--config', config], env).done;
      assert.equal(check.status, 0, `a stale lock is removed, not a reason to fail: ${check.stderr}`);
      // restic's local backend writes a lock as NAME-tmp-RANDOM, then renames it: a SIGKILL between the two leaves
      // that temp file, which no restic command reads or removes. Only real locks count.
      assert.deepEqual(readdirSync(join(repository, 'locks')).filter((name) => !/-tmp-\d+$/.test(name)), [], `the killed restic's lock is gone after the next backup: ${next.stderr}`);
      assert.deepEqual(filesHolding([tmp, runtime], PASSWORD), []);
    });

    test('Ctrl-C during recover --restore-to: exit 130, no password file, restic stopped and its lock gone', async () => {
      const name = `recover-int-${restic.label}`;
      const { env, tmp, runtime } = privateEnv(name);
      env.PATH = restic.path;
      const { repository, source } = await repositoryWithData(name, restic.binary);
      const resticEnv = { RESTIC_PASSWORD: PASSWORD, RESTIC_REPOSITORY: repository, RESTIC_CACHE_DIR: join(work, name, 'cache') };
      assert.equal((await runProgram(restic.binary, ['backup', source], { env: resticEnv })).exitStatus, 0);
      const kitBundle = join(work, name, 'bundle.json');
      writeFileSync(kitBundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: PASSWORD, env: {} }));
      const kit = join(work, name, 'kit');
      const created = await startCli(['kit', 'create', '--format', 'text', '--bundle', kitBundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', kit], env).done;
      assert.equal(created.status, 0, created.stderr);
      rmSync(kitBundle);

      const target = join(work, name, 'restored');
      const run = startCli(['recover', '--from', join(kit, 'share-1.txt'), join(kit, 'share-3.txt'), '--envelope', join(kit, 'envelope.txt'), '--restore-to', target], env);
      assert.ok(run.child.pid !== undefined);
      const pid = run.child.pid;
      // restic restore creates the target folder as it starts writing (after `restic snapshots` has run)
      await waitFor('restic started restoring', run, () => (childrenNamed(pid, 'restic').length > 0 && existsSync(target) ? true : undefined));
      signalGroup(run.child, 'SIGINT');
      const result = await run.done;
      assert.equal(result.status, 130, result.stderr);
      assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
      assert.deepEqual(childrenNamed(pid, 'restic'), [], 'restic has exited');
      assert.deepEqual(filesHolding([tmp, runtime], PASSWORD), [], 'no file under TMPDIR or XDG_RUNTIME_DIR holds the password');
      const locks = await runProgram(restic.binary, ['list', 'locks', '--no-lock'], { env: resticEnv });
      assert.equal(locks.stdout.trim(), '', 'restic removed its lock on the interrupt');
    });
  });
}

describe('a closed stdout', () => {
  const { program, prefix } = cliCommand();
  const quote = (word: string): string => `'${word.replace(/'/g, "'\\''")}'`;
  const cli = [program, ...prefix].map(quote).join(' ');
  const STACK = /EPIPE|^\s+at /m;

  test('kit create … | head -1, and into a reader that is already gone: quiet, the kit complete, nothing left', async () => {
    const { env, tmp } = privateEnv('epipe-kit');
    for (const [index, reader] of ['head -1', 'true'].entries()) {
      const out = join(work, 'epipe-kit', `kit${index}`);
      const run = await runProgram('bash', ['-c', `${cli} kit create --no-check --bundle ${quote(bundle)} --custodians Ann,Ben,Cy --threshold 2 --out ${quote(out)} | ${reader}; echo "drkit=\${PIPESTATUS[0]}" >&2`], { env });
      assert.doesNotMatch(run.stderrTail, STACK, `${reader}: ${run.stderrTail}`);
      assert.match(run.stderrTail, /drkit=(0|141)$/m, `${reader}: exit 0, or 141 when a line met the closed pipe`);
      assert.deepEqual(readdirSync(out).sort(), ['checklist.pdf', 'guide.pdf', 'kit.json', 'sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf'], 'the kit was published before anything was printed');
    }
    assert.deepEqual(readdirSync(join(work, 'epipe-kit')).filter((name) => name.startsWith('.')), []);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('status | head -1, and into a reader that is already gone: quiet', async () => {
    const { env } = privateEnv('epipe-status');
    const root = join(work, 'epipe-status');
    const config = join(root, 'config.yaml');
    mkdirSync(join(root, 'private'), { mode: 0o700 });
    writeFileSync(join(root, 'private', 's.env'), `RESTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(config, ['sources: [/etc/hostname]', `secrets: ${join(root, 'private', 's.env')}`, 'offsite:', `  repository: ${join(root, 'repo')}`, '  keep: { last: 5 }', 'onsite:', `  target: ${join(root, 'usb')}`, ''].join('\n'));
    for (const reader of ['head -1', 'true']) {
      const run = await runProgram('bash', ['-c', `${cli} status --config ${quote(config)} | ${reader}; echo "drkit=\${PIPESTATUS[0]}" >&2`], { env });
      assert.doesNotMatch(run.stderrTail, STACK, `${reader}: ${run.stderrTail}`);
      assert.match(run.stderrTail, /drkit=(5|141)$/m, `${reader}: the stale status (nothing backed up), or 141 for the closed pipe`);
    }
  });
});

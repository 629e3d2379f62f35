/**
 * An interrupted live drill leaves no restored files: SIGTERM while it restores into a `--restore-to` folder it
 * made, and SIGINT while it restores into its scratch folder under $TMPDIR, both remove what the restore wrote
 * (src/adapters/cleanup.ts) and exit 130. Against a slow `rclone serve restic` (--bwlimit) on 127.0.0.1, so the
 * restore is still running when the signal comes; with each restic version of the suite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { cliCommand, runCli } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-live-interrupt-'));
const PASSWORD = 'live interrupt password';
let server: RunningServer;
const kit = join(work, 'kit');

before(async () => {
  const source = join(work, 'home', 'ann');
  mkdirSync(source, { recursive: true });
  // incompressible, so the slow server takes seconds to hand it over
  writeFileSync(join(source, 'video.bin'), randomBytes(12 * 1024 * 1024));
  writeFileSync(join(source, 'note.txt'), 'a note\n');
  server = await startRcloneRestServer({ dataDir: join(work, 'served') });
  const repository = `${server.repository}repo`;
  const passwordFile = join(work, 'pw');
  writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
  const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository, HOME: work };
  for (const args of [['init'], ['backup', '--host', 'laptop', source]]) assert.equal((await runProgram('restic', args, { env })).exitStatus, 0, args.join(' '));
  rmSync(passwordFile);
  // from now on the server is slow: about 2 MB a second
  await server.stop();
  server = await startRcloneRestServer({ dataDir: join(work, 'served'), port: server.port, extraArgs: ['--bwlimit', '2M'] });
  const bundle = join(work, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: PASSWORD, env: {} }));
  const created = await runCli(['kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B', '--threshold', '2', '--out', kit]);
  assert.equal(created.exitStatus, 0, created.stderr);
  rmSync(bundle);
});
after(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const versions = resticBinaries();
const cases = [
  { signal: 'SIGTERM' as const, named: true },
  { signal: 'SIGINT' as const, named: false },
];
for (const [index, { signal, named }] of cases.entries()) {
  const restic = versions[index % versions.length];
  if (restic === undefined) continue;
  test(`${signal} while restic ${restic.label} restores ${named ? 'into --restore-to' : 'into the scratch folder'}: the restored files are removed, exit 130`, async () => {
    const temp = join(work, `tmp-${signal}`);
    mkdirSync(temp);
    const target = join(work, `restore-${signal}`);
    const out = join(work, `certificate-${signal}`);
    mkdirSync(out);
    const { program, prefix } = cliCommand();
    const args = ['drill', '--live', '--from', join(kit, 'share-1.txt'), '--from', join(kit, 'share-2.txt'), '--envelope', join(kit, 'envelope.txt'), '--sample', 'all', '--out', out,
      ...(named ? ['--restore-to', target] : [])];
    const child = spawn(program, [...prefix, ...args], { env: { PATH: restic.path, HOME: work, TMPDIR: temp }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.resume();
    const done = new Promise<{ status: number | null }>((resolve) => { child.on('close', (status) => { resolve({ status }); }); });
    let ended = false;
    void done.then(() => { ended = true; });
    // the restore has begun once it says so and restic made its first folder in the target
    const scratch = (): string | undefined => readdirSync(temp).find((name) => name.startsWith('drkit-live-drill-'));
    for (;;) {
      const where = named ? target : (() => { const name = scratch(); return name === undefined ? undefined : join(temp, name); })();
      if (/restoring every file/.test(stderr) && where !== undefined && existsSync(where) && readdirSync(where).length > 0) break;
      if (ended) assert.fail(`the drill ended before the restore was under way:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(child.pid !== undefined);
    process.kill(-child.pid, signal);
    const result = await done;
    assert.equal(result.status, 130, stderr);
    assert.match(stderr, new RegExp(`interrupted by ${signal}`));
    if (named) assert.equal(existsSync(target), false, 'the --restore-to folder the drill made is gone');
    assert.deepEqual(readdirSync(temp).filter((name) => name.startsWith('drkit-')), [], 'nothing of the drill is left in $TMPDIR');
    assert.deepEqual(readdirSync(out), [], 'no certificate of an interrupted drill');
  });
}

/**
 * `drkit demo` end to end with the built CLI: the real rclone, restic, rsync, gpg, python3 and bwrap, on a fresh
 * folder. It must end with a passing drill, leave nothing running and, without --keep, nothing on disk.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { expectDemoGolden } from '../json/demo-golden.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'drkit-e2e-demo-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function runDemo(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'demo', ...args], { env: { ...env, TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** rclone processes serving a folder under `folder` (the demo's server must be gone at its end) */
function serversUnder(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('rclone') && cmdline.includes(folder)) pids.push(Number(entry));
    } catch { /* the process ended meanwhile */ }
  }
  return pids;
}

test('drkit demo --json --dir: two backups, a 3-of-5 kit and a drill by both paths, all real, then the server stops', { timeout: 300_000 }, async () => {
  const dir = join(scratch, 'kept');
  const result = await runDemo(['--dir', dir, '--json']);
  assert.equal(result.status, 0, `demo failed:\n${result.stderr}\n${result.stdout}`);
  const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { message_type: string; verdict: string; kept: boolean; steps: { name: string; exitCode: number; messages: { message_type?: string; verdict?: string }[] }[] };
  assert.equal(summary.message_type, 'demo');
  assert.equal(summary.verdict, 'ok');
  assert.equal(summary.kept, true);
  assert.deepEqual(summary.steps.map((s) => s.exitCode), summary.steps.map(() => 0));
  const drill = summary.steps.flatMap((s) => s.messages).filter((m) => m.message_type === 'drill');
  assert.ok(drill.length >= 1, 'the drill reported');
  for (const report of drill) {
    assert.equal(report.verdict, 'passed');
    assert.equal((report as { canary?: string }).canary, 'checked', 'the first backup after the kit carries its canary, and the drill found it');
  }
  for (const name of ['guide.pdf', 'checklist.pdf', 'sheet-1.pdf', 'sheet-5.pdf']) assert.ok(existsSync(join(dir, 'kit', name)), `${name} kept`);
  assert.equal(statSync(join(dir, 'config', 'drkit', 'secrets', 'secrets.env')).mode & 0o777, 0o600);
  assert.deepEqual(serversUnder(dir), [], 'the demo stopped its rclone server');
  // the JSON summary, normalised, is fixtures/golden/json/demo.json (DRKIT_UPDATE_GOLDEN=1 rewrites it)
  expectDemoGolden(result.stdout, scratch);

  // a new kit made after the last backup: the repository's canary still names the old kit, and the drill says so
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'cache') };
  const config = join(dir, 'config', 'drkit', 'config.yaml');
  const server = spawn('rclone', ['serve', 'restic', '--config', '/dev/null', '--addr', new URL(readFileSync(config, 'utf8').match(/rest:(http:\/\/[^"\s]+)/)?.[1] ?? 'http://127.0.0.1:1/').host, join(dir, 'offsite-server')], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cli = (args: string[]) => new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      child.once('close', (status) => resolve({ status, stdout }));
    });
    const remade = await cli(['kit', 'create', '--config', config, '--custodians', 'Ann,Ben,Cy', '--threshold', '2', '--out', join(dir, 'kit2')]);
    assert.equal(remade.status, 0);
    const stale = await cli(['drill', '--config', config, '--kit', join(dir, 'kit2'), '--via', 'tool', '--json']);
    assert.equal(stale.status, 1);
    const report = JSON.parse(stale.stdout.trim().split('\n').pop() ?? '{}') as { findings: { code: string }[] };
    assert.ok(report.findings.some((finding) => finding.code === 'E_DRILL_CANARY_WRONG'), JSON.stringify(report.findings));
  } finally {
    server.kill('SIGKILL');
  }
});

test('drkit demo without --keep removes its folder and stops its server', { timeout: 300_000 }, async () => {
  const before = new Set(readdirSync(scratch));
  const result = await runDemo([]);
  assert.equal(result.status, 0, `demo failed:\n${result.stderr}`);
  assert.match(result.stdout, /demo finished in [\d.]+ s/);
  const left = readdirSync(scratch).filter((name) => !before.has(name) && name.startsWith('drkit-demo-'));
  assert.deepEqual(left, [], 'no demo folder left behind');
  assert.deepEqual(serversUnder(join(scratch, 'drkit-demo-')), []);
});

test('drkit demo --dir refuses a folder that is not empty, and touches nothing in it', async () => {
  const dir = join(scratch, 'busy');
  mkdirSync(dir);
  writeFileSync(join(dir, 'mine.txt'), 'keep me\n');
  const result = await runDemo(['--dir', dir]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--dir .* is not empty/);
  assert.deepEqual(readdirSync(dir), ['mine.txt']);
});

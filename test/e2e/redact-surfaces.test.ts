/**
 * One redaction rule on every surface (issue 8, item 4): a repository URL whose password holds an '@'
 * (`rest:http://ann:Url@Pass-…@127.0.0.1:PORT/`: Go splits the user info at the LAST '@') against a real
 * `rclone serve restic` with basic auth. Neither the password nor any part of it after the first '@' reaches init's
 * output, the status file, status, backup's text and JSON events, error messages, kit.json, the sheets, the guide,
 * the checklist, or recover's output; and restic still opens the repository with it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { runCli } from '../helpers/cli.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

const URL_PASSWORD = 'Url@Pass-7f3c91';
const RESTIC_PASSWORD = 'redact-restic-password-5d2a';
const work = mkdtempSync(join(tmpdir(), 'drkit-redact-e2e-'));
let server: RunningServer;
let repository: string;
let config: string;
let env: Record<string, string | undefined>;

before(async () => {
  server = await startRcloneRestServer({ dataDir: join(work, 'rest-data'), auth: { user: 'ann', pass: URL_PASSWORD } });
  repository = `rest:http://ann:${URL_PASSWORD}@127.0.0.1:${server.port}/`;
  const source = join(work, 'data');
  mkdirSync(source);
  writeFileSync(join(source, 'letter.txt'), 'dear Ben\n');
  mkdirSync(join(work, 'private'), { mode: 0o700 });
  writeFileSync(join(work, 'private', 'secrets.env'), `RESTIC_PASSWORD=${RESTIC_PASSWORD}\n`, { mode: 0o600 });
  config = join(work, 'config.yaml');
  writeFileSync(config, [`sources: [${source}]`, `secrets: ${join(work, 'private', 'secrets.env')}`, 'host: redact',
    'offsite:', `  repository: "${repository}"`, '  keep: { last: 5 }', '  retries: 0', '  giveUpAfter: 5s', ''].join('\n'));
  env = { XDG_STATE_HOME: join(work, 'state'), XDG_CONFIG_HOME: join(work, 'config'), RESTIC_CACHE_DIR: join(work, 'cache') };
});
after(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

/** No part of the URL password: the whole, and the piece after its '@' that a first-'@' split would leave. */
function assertHidden(surface: string, text: string): void {
  assert.ok(!text.includes(URL_PASSWORD), `${surface} holds the URL password`);
  assert.ok(!text.includes('Pass-7f3c91'), `${surface} holds the part of the URL password after its '@'`);
  assert.ok(!text.includes(RESTIC_PASSWORD), `${surface} holds the restic password`);
}

const shown = () => `rest:http://ann:…@127.0.0.1:${server.port}/`;

test('init, backup, status and the status file show the repository without its password', async () => {
  const init = await runCli(['init', '--yes', '--config', config], { env });
  assert.equal(init.exitStatus, 0, init.stderr);
  assertHidden('init output', init.stdout + init.stderr);
  assert.ok((init.stdout + init.stderr).includes(shown()), 'the repository is named, redacted');
  const initJson = await runCli(['init', '--yes', '--json', '--config', config], { env });
  assert.equal(initJson.exitStatus, 0, initJson.stderr);
  assertHidden('init --json', initJson.stdout + initJson.stderr);

  const backup = await runCli(['backup', 'offsite', '--config', config], { env });
  assert.equal(backup.exitStatus, 0, backup.stderr);
  assertHidden('backup output', backup.stdout + backup.stderr);
  const events = await runCli(['backup', 'offsite', '--json', '--config', config], { env });
  assert.equal(events.exitStatus, 0, events.stderr);
  assertHidden('backup JSON events', events.stdout + events.stderr);
  assert.ok(events.stdout.includes(shown()), 'the start event names the target, redacted');

  const stateDir = join(work, 'state', 'drkit');
  // a config whose repository URL holds a password is never cached (src/config/cache.ts): no file of the state
  // folder holds it, the config cache included
  for (const name of readdirSync(stateDir, { recursive: true }) as string[]) {
    try { assertHidden(`state file ${name}`, readFileSync(join(stateDir, name), 'utf8')); } catch (error) { if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error; }
  }
  const statusFiles = (readdirSync(stateDir, { recursive: true }) as string[]).filter((entry) => entry.endsWith('status.json'));
  assert.ok(statusFiles.length > 0, 'a status file was written');
  assert.ok(statusFiles.some((entry) => readFileSync(join(stateDir, entry), 'utf8').includes(shown())), 'the status file records the repository, redacted');
  const status = await runCli(['status', '--config', config], { env });
  assertHidden('status', status.stdout + status.stderr);
  const statusJson = await runCli(['status', '--json', '--config', config], { env });
  assertHidden('status --json', statusJson.stdout + statusJson.stderr);
});

test('error messages name the repository without its password', async () => {
  await server.stop();
  try {
    const failed = await runCli(['backup', 'offsite', '--json', '--config', config], { env });
    assert.notEqual(failed.exitStatus, 0);
    assert.notEqual(failed.exitStatus, 70, failed.stderr);
    assertHidden('unreachable server error', failed.stdout + failed.stderr);
    const status = await runCli(['status', '--json', '--config', config], { env });
    assertHidden('status after a failure', status.stdout + status.stderr);
  } finally {
    await server.start();
  }
});

test('kit create (kit.json, sheets, guide, checklist) and recover show it without its password', async () => {
  const bundle = join(work, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: RESTIC_PASSWORD, env: {} }));
  const kit = join(work, 'kit');
  const created = await runCli(['kit', 'create', '--no-check', '--bundle', bundle, '--custodians', 'Ann,Ben,Cy', '--threshold', '2', '--out', kit, '--json'], { env });
  assert.equal(created.exitStatus, 0, created.stderr);
  assertHidden('kit create output', created.stdout + created.stderr);
  assertHidden('kit.json', readFileSync(join(kit, 'kit.json'), 'utf8'));
  for (const pdf of ['sheet-1.pdf', 'sheet-2.pdf', 'guide.pdf', 'checklist.pdf']) {
    const text = await runProgram('pdftotext', ['-raw', join(kit, pdf), '-']);
    assert.equal(text.exitStatus, 0);
    assertHidden(pdf, text.stdout);
  }
  const guide = await runProgram('pdftotext', ['-raw', join(kit, 'guide.pdf'), '-']);
  assert.ok(guide.stdout.includes(shown()), 'the guide names the repository, redacted');

  const out = join(work, 'recovered.json');
  const recovered = await runCli(['recover', '--from', join(kit, 'sheet-1.pdf'), join(kit, 'sheet-3.pdf'), '--envelope', join(kit, 'sheet-1.pdf'), '--out', out, '--restore-to', join(work, 'restored')], { env });
  assert.equal(recovered.exitStatus, 0, recovered.stderr);
  assertHidden('recover output', recovered.stdout + recovered.stderr);
  assert.match(recovered.stdout, /repository: rest:http:\/\/ann:…@127\.0\.0\.1/);
  assert.match(recovered.stdout, /restored snapshot [0-9a-f]{8}/, 'restic opened the repository with the password that holds an @');
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { repository: string }).repository, repository, 'the credentials file itself keeps the whole URL');
  const json = await runCli(['recover', '--from', join(kit, 'sheet-2.pdf'), join(kit, 'sheet-3.pdf'), '--envelope', join(kit, 'sheet-2.pdf'), '--out', join(work, 'again.json'), '--json'], { env });
  assert.equal(json.exitStatus, 0, json.stderr);
  assertHidden('recover --json', json.stdout + json.stderr);
});

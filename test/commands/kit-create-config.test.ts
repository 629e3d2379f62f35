// `kit create --config`: the bundle built from the config and its secrets, checked against the real repository
// (real restic, `rclone serve restic` and a local repository) before anything is sealed; the kit recorded in the
// status file with a keyed fingerprint; "kit outdated" and "kit due for re-check" in `drkit status`; the canary.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openResticRepository } from '../../src/adapters/restic/index.js';
import { readState, updateState } from '../../src/adapters/state.js';
import { canaryFile, canaryRestoredPath, expectedCanary } from '../../src/adapters/kit-store.js';
import { run as kitCreate } from '../../src/commands/kit-create.js';
import { run as status } from '../../src/commands/status.js';
import { parseBundleText } from '../../src/core/bundle.js';
import { openEnvelope } from '../../src/core/envelope.js';
import { combineKit } from '../../src/core/kit.js';
import { DrkitError, ExitCode } from '../../src/errors.js';
import { runOffsiteBackup } from '../../src/jobs/offsite.js';
import { silentReporter } from '../../src/jobs/types.js';
import { runCli } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';
import { captureIO, makeSandbox, type Sandbox } from './backup-io.js';

const GOOD = 'spring-2024-garden';
const previousTmpdir = process.env.TMPDIR;

/** password files and temporary homes in the sandbox: another drkit's sweep of a shared /tmp cannot touch them */
function privateTmp(box: Sandbox): void {
  mkdirSync(join(box.root, 'tmp'), { recursive: true });
  process.env.TMPDIR = join(box.root, 'tmp');
}

function restoreTmp(): void {
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;
}
const MISTYPED = 'spring-2O24-garden';

function writeSecrets(box: Sandbox, password: string): void {
  writeFileSync(box.secrets, `RESTIC_PASSWORD=${password}\n`, { mode: 0o600 });
}

function configText(box: Sandbox, repository: string, kit = 'kit:\n  owner: Ann Example\n  notes: the NAS is in the attic\n'): string {
  return `sources: [${box.source}]\nsecrets: ${box.secrets}\nonsite:\n  target: ${box.target}\noffsite:\n  repository: ${repository}\n${kit}`;
}

const createOptions = (box: Sandbox, out: string, extra: Record<string, unknown> = {}) => ({
  config: box.config, custodians: 'Ann,Ben,Cy', threshold: 2, out, format: 'text' as const, paper: 'a4' as const, force: false, json: false, check: true, ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<DrkitError> {
  return promise.then(() => assert.fail('kit create sealed a kit it should have refused'), (error: unknown) => {
    assert.ok(error instanceof DrkitError, String(error));
    return error;
  });
}

describe('kit create --config against rclone serve restic', () => {
  let box: Sandbox;
  let server: RunningServer;
  let repositoryId: string;
  before(async () => {
    box = makeSandbox();
    privateTmp(box);
    server = await startRcloneRestServer();
    repositoryId = (await (await openResticRepository({ repository: server.repository, password: { value: GOOD } })).init()).repositoryId;
    writeSecrets(box, GOOD);
    box.writeConfig(configText(box, server.repository));
    // what `drkit init` records
    await updateState(box.stateDir, (state) => { state.offsite = { repositoryId, repository: server.repository, initializedAt: new Date().toISOString() }; });
  });
  after(async () => {
    await server.stop();
    restoreTmp();
    box.cleanup();
  });

  // through the built CLI, one process per restic version (PATH finds that restic first), as an owner runs it
  for (const bin of resticBinaries()) {
    const createCli = (out: string) => runCli(['kit', 'create', '--config', box.config, '--format', 'text', '--custodians', 'Ann,Ben,Cy', '--threshold', '2', '--out', out],
      { env: { ...box.env, PATH: bin.path, TMPDIR: join(box.root, 'tmp') } });

    test(`a mistyped password (2O24 for 2024) is refused, nothing written (restic ${bin.label})`, async () => {
      try {
        writeSecrets(box, MISTYPED);
        const out = join(box.root, `never-${bin.label}`);
        const result = await createCli(out);
        assert.equal(result.exitStatus, ExitCode.userError, result.stderr);
        assert.match(result.stderr, /^error: kit check: wrong password: the bundle's restic password does not open rest:http:\/\/127\.0\.0\.1:\d+\/$/m);
        assert.match(result.stderr, /nothing was written/);
        assert.ok(!(result.stdout + result.stderr).includes(MISTYPED), 'no secret in the output');
        assert.equal(existsSync(out), false, 'no kit folder');
        assert.equal(readState(box.stateDir).kit, undefined, 'no kit recorded');
        assert.equal(existsSync(canaryFile(box.stateDir)), false, 'no canary');
      } finally {
        writeSecrets(box, GOOD);
      }
    });

    test(`a wrong repository URL is refused, nothing written (restic ${bin.label})`, async () => {
      try {
        box.writeConfig(configText(box, `${server.repository}wrong-repo/`));
        const out = join(box.root, `never-url-${bin.label}`);
        const result = await createCli(out);
        assert.equal(result.exitStatus, ExitCode.userError, result.stderr);
        assert.match(result.stderr, /^error: kit check: repository not found: there is no restic repository at rest:http:\/\/127\.0\.0\.1:\d+\/wrong-repo\/$/m);
        assert.equal(existsSync(out), false);
        assert.equal(readState(box.stateDir).kit, undefined);
      } finally {
        box.writeConfig(configText(box, server.repository));
      }
    });
  }

  test('the kit holds the setup\'s credentials, is recorded with a keyed fingerprint, and names the canary', async () => {
    const out = join(box.root, 'kit');
    const io = captureIO();
    assert.equal(await kitCreate(createOptions(box, out), io), ExitCode.ok);
    assert.ok(io.noteLines.some((line) => line.startsWith(`checked: the bundle opens ${repositoryId.slice(0, 8)} with restic `)), io.noteLines.join('\n'));
    assert.ok(!readdirSync(out).some((name) => /bundle/.test(name)), 'no plaintext bundle file');

    // what a restorer decrypts is exactly the setup: repository, password, recorded id, owner, notes, onsite
    const shares = [1, 2].map((number) => ({ name: `share-${number}.txt`, text: readFileSync(join(out, `share-${number}.txt`), 'utf8') }));
    const combined = await combineKit(shares, { name: 'envelope.txt', text: readFileSync(join(out, 'envelope.txt'), 'utf8') });
    const bundle = parseBundleText(await openEnvelope(combined.openpgp, combined.passphrase));
    assert.equal(bundle.repository, server.repository);
    assert.equal(bundle.resticPassword, GOOD);
    assert.equal(bundle.repositoryId, repositoryId.slice(0, 8));
    assert.equal(bundle.owner, 'Ann Example');
    assert.equal(bundle.notes, 'the NAS is in the attic');
    assert.match(bundle.onsite ?? '', new RegExp(`on ${box.target}`));

    const kit = readState(box.stateDir).kit;
    assert.ok(kit !== undefined);
    assert.equal(kit.kitId, bundle.kitId.replace(/^(.{4})/, '$1-'));
    assert.deepEqual([kit.n, kit.k, kit.custodians, kit.verified], [3, 2, ['Ann', 'Ben', 'Cy'], true]);
    assert.match(kit.fingerprint, /^hmac-sha256:[0-9a-f]{64}$/);
    const statusText = readFileSync(join(box.stateDir, 'status.json'), 'utf8');
    assert.ok(!statusText.includes(GOOD), 'no password in the status file');
    const keyFile = join(box.secrets, '..', 'kit-fingerprint.key');
    assert.equal(readFileSync(keyFile).length, 32);

    const canary = expectedCanary(box.stateDir);
    assert.ok(canary !== null);
    assert.equal(readFileSync(canary.path, 'utf8'), canary.text);
    assert.ok(canary.text.includes(kit.kitId) && canary.text.includes(kit.createdOn));

    const fresh = captureIO();
    await status({ config: box.config }, fresh);
    assert.ok(fresh.outLines.includes('kit: ok'), fresh.outLines.join('\n'));

    // a year and a day later: due for re-check (kit.maxAge defaults to 365d)
    const late = captureIO(true);
    assert.equal(await status({ config: box.config, now: new Date(Date.now() + 366 * 86_400_000) }, late), ExitCode.stale);
    assert.equal((late.jsonValues[0]?.kit as { state: string }).state, 'due');

    // the password changed since: the kit is outdated
    writeSecrets(box, 'autumn-2025-orchard');
    try {
      const changed = captureIO();
      assert.equal(await status({ config: box.config }, changed), ExitCode.stale);
      assert.ok(changed.outLines.some((line) => /^kit: OUTDATED — kit outdated: the repository or its credentials changed/.test(line)), changed.outLines.join('\n'));
    } finally {
      writeSecrets(box, GOOD);
    }

    // the next offsite backup carries the canary; a restore shows it where expectedCanary says
    const backup = await runOffsiteBackup({ repository: server.repository, password: { value: GOOD }, sources: [box.source], canary: canary.path }, silentReporter);
    assert.equal(backup.outcome, 'success', JSON.stringify(backup.error));
    const restic = await openResticRepository({ repository: server.repository, password: { value: GOOD } });
    const target = join(box.root, 'restored');
    await restic.restore({ snapshot: 'latest', target });
    assert.equal(readFileSync(canaryRestoredPath(target, canary.path), 'utf8'), canary.text);
  });
});

describe('kit create --config with offsite.passwordCommand', () => {
  let box: Sandbox;
  before(async () => {
    box = makeSandbox();
    privateTmp(box);
    await (await openResticRepository({ repository: box.repository, password: { value: GOOD } })).init();
  });
  after(() => { restoreTmp(); box.cleanup(); });

  test('the command\'s output (trimmed, as restic reads it) is the sealed password; it wins over the secrets file', async () => {
    const passwordFile = join(box.root, 'password-store');
    writeFileSync(passwordFile, `  ${GOOD}\n`, { mode: 0o600 });
    writeSecrets(box, MISTYPED);
    box.writeConfig(`sources: [${box.source}]\nsecrets: ${box.secrets}\noffsite:\n  repository: ${box.repository}\n  passwordCommand: cat ${passwordFile}\nkit:\n  owner: Ann\n`);
    const out = join(box.root, 'kit');
    assert.equal(await kitCreate(createOptions(box, out), captureIO()), ExitCode.ok);
    const shares = [1, 3].map((number) => ({ name: `share-${number}.txt`, text: readFileSync(join(out, `share-${number}.txt`), 'utf8') }));
    const combined = await combineKit(shares, { name: 'envelope.txt', text: readFileSync(join(out, 'envelope.txt'), 'utf8') });
    assert.equal(parseBundleText(await openEnvelope(combined.openpgp, combined.passphrase)).resticPassword, GOOD);
    // the key lives beside the secrets file, 0600
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(box.secrets, '..', 'kit-fingerprint.key')).mode & 0o777, 0o600);
  });
});

describe('kit create --bundle against a local repository', () => {
  let box: Sandbox;
  let repositoryId: string;
  before(async () => {
    box = makeSandbox();
    privateTmp(box);
    repositoryId = (await (await openResticRepository({ repository: box.repository, password: { value: GOOD } })).init()).repositoryId;
  });
  after(() => { restoreTmp(); box.cleanup(); });

  const bundleFile = (fields: Record<string, unknown>): string => {
    const file = join(box.root, `bundle-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ owner: 'Ann', repository: box.repository, resticPassword: GOOD, env: {}, ...fields }), { mode: 0o600 });
    return file;
  };
  const options = (bundle: string, out: string, extra: Record<string, unknown> = {}) => ({ ...createOptions(box, out, extra), config: undefined, bundle });

  test('a mistyped password is refused', async () => {
    const out = join(box.root, 'never-1');
    const error = await refusal(kitCreate(options(bundleFile({ resticPassword: MISTYPED }), out), captureIO()));
    assert.equal(error.code, 'E_KIT_CHECK_PASSWORD');
    assert.equal(existsSync(out), false);
  });

  test('a repository path with nothing there is refused', async () => {
    const out = join(box.root, 'never-2');
    const error = await refusal(kitCreate(options(bundleFile({ repository: join(box.root, 'no-repo-here') }), out), captureIO()));
    assert.equal(error.code, 'E_KIT_CHECK_REPOSITORY');
    assert.equal(existsSync(out), false);
  });

  test('another repository than the bundle\'s repositoryId is refused', async () => {
    const out = join(box.root, 'never-3');
    const error = await refusal(kitCreate(options(bundleFile({ repositoryId: 'deadbeef' }), out), captureIO()));
    assert.equal(error.code, 'E_KIT_CHECK_REPOSITORY_ID');
    assert.match(error.message, new RegExp(`has id ${repositoryId.slice(0, 8)}, but the bundle's repositoryId says deadbeef`));
    assert.equal(existsSync(out), false);
  });

  test('the right bundle is checked and sealed; a --bundle kit is not recorded as the setup\'s kit', async () => {
    const out = join(box.root, 'kit');
    const io = captureIO(true);
    assert.equal(await kitCreate(options(bundleFile({ repositoryId }), out), io), ExitCode.ok);
    assert.equal(io.jsonValues[0]?.credentialsVerified, true);
    assert.equal(readState(box.stateDir).kit, undefined);
  });

  test('--no-check seals without trying, says so loudly, and the checklist says "credentials NOT verified"', async () => {
    const out = join(box.root, 'unchecked');
    const io = captureIO(true);
    assert.equal(await kitCreate(options(bundleFile({ resticPassword: MISTYPED }), out, { check: false, format: 'pdf' }), io), ExitCode.ok);
    assert.ok(io.noteLines.some((line) => /^WARNING: --no-check: the credentials were NOT tried/.test(line)), io.noteLines.join('\n'));
    assert.equal(io.jsonValues[0]?.credentialsVerified, false);
    const { runProgram } = await import('../../src/adapters/exec.js');
    const text = await runProgram('pdftotext', ['-layout', join(out, 'checklist.pdf'), '-']);
    assert.match(text.stdout.replace(/\s+/g, ' '), /Credentials NOT verified/);
  });
});

// The restic adapter's pure parts: argument building, JSON line parsing, exit-code mapping, version gates,
// backoff. No restic runs here; the fixtures are real 0.14 output and documented newer output.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ToolError, UserError } from '../../src/errors.js';
import { buildResticArgs, keepPolicyArgs, resticEnvironment } from '../../src/adapters/restic/args.js';
import { classifyResticRun, lastResticMessage, type FinishedRun } from '../../src/adapters/restic/errors.js';
import { redactText } from '../../src/core/redact.js';
import {
  errorValueMessage, parseBackupLine, parseCheckLine, parseForgetOutput, parseInitOutput, parseRepositoryConfig,
  parseRestoreLine, parseSnapshots, parseStats, parseStderrLine,
} from '../../src/adapters/restic/json.js';
import { assertSupportedVersion, parseResticVersion, resticFeatures, type ResticVersion } from '../../src/adapters/restic/version.js';
import { backoffDelay, secretValuesOf } from '../../src/adapters/restic/index.js';

const fixtures = join(process.cwd(), 'fixtures', 'restic');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const lines = (name: string) => fixture(name).split('\n').filter((line) => line !== '');

const v014 = parseResticVersion('restic 0.14.0 compiled with go1.19.8 on linux/amd64') as ResticVersion;
const v017 = parseResticVersion('restic 0.17.3 compiled with go1.23.1 on linux/amd64') as ResticVersion;
const old = resticFeatures(v014);
const current = resticFeatures(v017);

describe('restic version', () => {
  test('reads the version line and gates features on it', () => {
    assert.deepEqual({ ...v014, text: '' }, { major: 0, minor: 14, patch: 0, text: '' });
    assert.equal(old.retryLock, false);
    assert.equal(old.exitCodeWrongPassword, false);
    assert.equal(current.retryLock, true);
    assert.equal(current.exitCodesRepositoryAndLock, true);
    assert.equal(current.exitCodeWrongPassword, true);
    assert.equal(resticFeatures(parseResticVersion('restic 0.17.0') as ResticVersion).exitCodeWrongPassword, false);
    assert.equal(resticFeatures(parseResticVersion('restic 0.16.0') as ResticVersion).retryLock, true);
  });
  test('refuses what is not restic, and restic older than 0.14', () => {
    assert.equal(parseResticVersion('rclone v1.60.1'), null);
    assert.throws(() => assertSupportedVersion(parseResticVersion('restic 0.13.1') as ResticVersion),
      (error: unknown) => error instanceof UserError && error.code === 'E_RESTIC_TOO_OLD' && error.hints.length > 0);
    assert.doesNotThrow(() => assertSupportedVersion(v014));
    assert.doesNotThrow(() => assertSupportedVersion(parseResticVersion('restic 1.2.3') as ResticVersion));
  });
});

describe('restic arguments', () => {
  test('backup: --json, excludes, host, tags, then -- and the paths; no secret, no repository in argv', () => {
    const argv = buildResticArgs({ command: 'backup', args: { paths: ['/home/a', 'b c'], excludes: ['*.tmp', '/home/a/cache'], host: 'pc', tags: ['drkit', 'daily'] } }, {}, old);
    assert.deepEqual(argv, ['backup', '--json', '--exclude', '*.tmp', '--exclude', '/home/a/cache', '--host', 'pc', '--tag', 'drkit', '--tag', 'daily', '--', '/home/a', 'b c']);
  });
  test('global options come before the command; --retry-lock only where restic has it', () => {
    const options = { cacert: '/ca.pem', cacheDir: '/cache', retryLock: '2m', limitUploadKiBs: 500 };
    assert.deepEqual(buildResticArgs({ command: 'snapshots', args: {} }, options, old),
      ['--cacert', '/ca.pem', '--cache-dir', '/cache', '--limit-upload', '500', 'snapshots', '--json']);
    assert.deepEqual(buildResticArgs({ command: 'snapshots', args: {} }, options, current),
      ['--cacert', '/ca.pem', '--cache-dir', '/cache', '--limit-upload', '500', '--retry-lock', '2m', 'snapshots', '--json']);
    // commands that take no lock do not get it
    assert.ok(!buildResticArgs({ command: 'cat-config' }, options, current).includes('--retry-lock'));
    assert.throws(() => buildResticArgs({ command: 'prune' }, { retryLock: 'soon' }, current), /retryLock is "soon"/);
  });
  test('forget: keep policy, scope, prune', () => {
    assert.deepEqual(buildResticArgs({ command: 'forget', args: { keep: { daily: 7, weekly: 4, monthly: 12, within: '1y6m' }, host: 'pc', tags: ['drkit'], prune: true } }, {}, old),
      ['forget', '--json', '--host', 'pc', '--tag', 'drkit', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '12', '--keep-within', '1y6m', '--prune']);
    assert.deepEqual(keepPolicyArgs({ last: 3, yearly: 0 }), ['--keep-last', '3']);
  });
  test('a keep policy that keeps nothing or is malformed is refused, naming the key', () => {
    assert.throws(() => keepPolicyArgs({}), (error: unknown) => error instanceof UserError && /keeps nothing/.test(error.message) && error.hints.length > 0);
    assert.throws(() => keepPolicyArgs({ daily: 0 }), /keeps nothing/);
    assert.throws(() => keepPolicyArgs({ daily: 1.5 }), /keep\.daily is 1\.5/);
    assert.throws(() => keepPolicyArgs({ within: '2 weeks' }), /keep\.within is "2 weeks"/);
  });
  test('check: --read-data-subset validated; restore: include filters and target', () => {
    assert.deepEqual(buildResticArgs({ command: 'check', args: { readDataSubset: '10%' } }, {}, old), ['check', '--json', '--read-data-subset', '10%']);
    assert.deepEqual(buildResticArgs({ command: 'check', args: { readDataSubset: '1/5' } }, {}, old), ['check', '--json', '--read-data-subset', '1/5']);
    // the drill's check beside its rooms: restic's lock left out (and with it --retry-lock, which only waits for one)
    assert.deepEqual(buildResticArgs({ command: 'check', args: { noLock: true } }, {}, old), ['--no-lock', 'check', '--json']);
    assert.throws(() => buildResticArgs({ command: 'check', args: { readDataSubset: 'half' } }, {}, old), /readDataSubset is "half"/);
    assert.throws(() => buildResticArgs({ command: 'check', args: { readData: true, readDataSubset: '1/2' } }, {}, old), /exclude each other/);
    assert.deepEqual(buildResticArgs({ command: 'restore', args: { snapshot: 'latest', target: '/r', include: ['/src/a'], host: 'pc' } }, {}, old),
      ['restore', '--json', '--target', '/r', '--include', '/src/a', '--host', 'pc', 'latest']);
    assert.deepEqual(buildResticArgs({ command: 'stats', args: { mode: 'raw-data' } }, {}, old), ['stats', '--json', '--mode', 'raw-data']);
    assert.deepEqual(buildResticArgs({ command: 'init' }, {}, old), ['init', '--json']);
    assert.deepEqual(buildResticArgs({ command: 'cat-config' }, {}, old), ['cat', 'config', '--json']);
  });
  test('a path or snapshot that looks like an option, and an empty source list, are refused', () => {
    assert.throws(() => buildResticArgs({ command: 'backup', args: { paths: ['--password=x'] } }, {}, old), /source path "--password=x" starts with "-"/);
    assert.throws(() => buildResticArgs({ command: 'backup', args: { paths: [] } }, {}, old), /no source paths/);
    assert.throws(() => buildResticArgs({ command: 'restore', args: { snapshot: '-x', target: '/r' } }, {}, old), /snapshot "-x"/);
  });
  test('environment: repository and password file in env; inherited RESTIC_PASSWORD removed', () => {
    const env = resticEnvironment({ repository: 'rest:https://u:p@host/', password: { file: '/tmp/x/password' }, backendEnv: { AWS_ACCESS_KEY_ID: 'id' } });
    assert.equal(env.RESTIC_REPOSITORY, 'rest:https://u:p@host/');
    assert.equal(env.RESTIC_PASSWORD_FILE, '/tmp/x/password');
    assert.ok('RESTIC_PASSWORD' in env && env.RESTIC_PASSWORD === undefined);
    assert.ok('RESTIC_PASSWORD_COMMAND' in env && env.RESTIC_PASSWORD_COMMAND === undefined);
    assert.equal(env.AWS_ACCESS_KEY_ID, 'id');
    const byCommand = resticEnvironment({ repository: '/r', password: { command: 'pass show backup' } });
    assert.equal(byCommand.RESTIC_PASSWORD_COMMAND, 'pass show backup');
    assert.ok('RESTIC_PASSWORD_FILE' in byCommand && byCommand.RESTIC_PASSWORD_FILE === undefined);
  });
});

describe('restic JSON lines', () => {
  test('0.14 backup: status and summary (short snapshot id)', () => {
    const messages = lines('0.14/backup.stdout.jsonl').map(parseBackupLine);
    assert.equal(messages[0]?.type, 'status');
    const summary = messages.find((message) => message.type === 'summary');
    assert.ok(summary && summary.type === 'summary');
    assert.match(summary.snapshotId ?? '', /^[0-9a-f]{8}$/);
    assert.equal(summary.totalFilesProcessed, 3);
    assert.equal(summary.totalBytesProcessed, 300000);
    assert.ok((summary.dataAdded ?? 0) > 0);
  });
  test('newer backup: unknown types, unknown fields and non-JSON lines are tolerated', () => {
    const messages = lines('0.17/backup.stdout.jsonl').map(parseBackupLine);
    assert.deepEqual(messages.map((message) => message.type), ['status', 'text', 'verbose_status', 'unknown', 'summary']);
    assert.deepEqual(messages[0], { type: 'status', secondsElapsed: 1, percentDone: 0.25, totalFiles: 4, filesDone: 1, totalBytes: 400, bytesDone: 100, currentFiles: ['/home/owner/src/b'] });
    assert.deepEqual(messages[3], { type: 'unknown', messageType: 'a_type_from_the_future' });
    const summary = messages[4];
    assert.ok(summary?.type === 'summary');
    assert.equal(summary.snapshotId?.length, 64);
    assert.equal(summary.dataAddedPacked, 300);
    // wrong types read as absent; arrays and nulls are not objects
    assert.deepEqual(parseBackupLine('{"message_type":"status","percent_done":"half","total_files":null}'), { type: 'status' });
    assert.deepEqual(parseBackupLine('[1,2]'), { type: 'text', text: '[1,2]' });
    assert.deepEqual(parseBackupLine('{"no_type":1}'), { type: 'unknown', messageType: '' });
    assert.deepEqual(parseBackupLine('{broken'), { type: 'text', text: '{broken' });
  });
  test('item errors: 0.14 Go error objects and newer {message} read alike', () => {
    const old014 = parseStderrLine(lines('0.14/backup-partial.stderr.txt')[0] ?? '');
    assert.deepEqual(old014, { type: 'error', message: 'read /proc/4242/mem: input/output error', during: 'archival', item: '/proc/4242/mem' });
    const [newer, exit] = lines('0.17/backup-partial.stderr.txt').map(parseStderrLine);
    assert.deepEqual(newer, { type: 'error', message: 'open /home/owner/src/locked: permission denied', during: 'archival', item: '/home/owner/src/locked' });
    assert.deepEqual(exit, { type: 'exit_error', code: 3, message: 'Warning: at least one source file could not be read' });
    assert.equal(errorValueMessage({ Op: 'open', Path: '/x', Err: 13 }), 'open /x: permission denied');
    assert.equal(errorValueMessage(null), 'unknown error');
  });
  test('restore and check lines (newer restic)', () => {
    const restore = lines('0.17/restore.stdout.jsonl').map(parseRestoreLine);
    assert.deepEqual(restore.map((message) => message.type), ['restore_status', 'verbose_status', 'restore_summary']);
    const summary = restore[2];
    assert.ok(summary?.type === 'restore_summary');
    assert.equal(summary.filesRestored, 4);
    assert.equal(summary.bytesRestored, 400);
    // 0.14 prints which snapshot it resolved as text: the restore reads the short id from it (no separate listing)
    assert.deepEqual(parseRestoreLine('restoring <Snapshot a12808b5 of [/tmp/rx/src]> to /r'), { type: 'restore_start', snapshotShortId: 'a12808b5' });
    assert.deepEqual(parseRestoreLine('some other line'), { type: 'text', text: 'some other line' });
    const check = parseCheckLine(lines('0.17/check.stdout.jsonl')[0] ?? '');
    assert.ok(check.type === 'check_summary');
    assert.equal(check.numErrors, 1);
    assert.equal(check.brokenPacks?.length, 1);
  });
  test('single documents: init, cat config, snapshots, forget (with 0.14 prune text), stats', () => {
    assert.deepEqual(parseInitOutput(fixture('0.14/init.stdout.txt'))?.type, 'initialized');
    assert.match(parseInitOutput(fixture('0.14/init.stdout.txt'))?.id ?? '', /^[0-9a-f]{10}$/);
    assert.equal(parseInitOutput(fixture('0.17/init.stdout.jsonl'))?.id?.length, 64);
    assert.equal(parseRepositoryConfig(fixture('0.14/cat-config.stdout.json'))?.id.length, 64);
    assert.equal(parseRepositoryConfig('{"id":"short"}'), null);
    const snapshots = parseSnapshots(fixture('0.14/snapshots.stdout.json'));
    assert.equal(snapshots?.length, 1);
    assert.equal(snapshots?.[0]?.paths[0], '/home/owner/src');
    assert.deepEqual(snapshots?.[0]?.tags, []);
    assert.deepEqual(parseSnapshots('null'), null);
    assert.deepEqual(parseSnapshots(''), []);
    const groups = parseForgetOutput(fixture('0.14/forget-prune.stdout.txt'));
    assert.ok(groups !== null && groups.length >= 1);
    assert.equal(groups.reduce((sum, group) => sum + group.keep.length, 0), groups.length);
    assert.deepEqual(parseStats('{"total_size":300000,"total_file_count":4,"snapshots_count":1}'), { totalSize: 300000, totalFileCount: 4, snapshotsCount: 1 });
    assert.equal(parseStats('{}'), null);
  });
});

describe('restic exit codes and messages', () => {
  const run = (exitStatus: number | null, stderrTail: string, extra: Partial<FinishedRun> = {}): FinishedRun =>
    ({ command: 'backup', repository: '/repo', exitStatus, signal: null, stderrTail, ...extra });
  const errorOf = (outcome: ReturnType<typeof classifyResticRun>) => {
    assert.equal(outcome.kind, 'error');
    return outcome.kind === 'error' ? outcome : assert.fail('not an error');
  };

  test('0 is ok; 3 from backup is a partial snapshot, not an error', () => {
    assert.deepEqual(classifyResticRun(run(0, ''), old), { kind: 'ok' });
    assert.deepEqual(classifyResticRun(run(3, fixture('0.14/backup-partial.stderr.txt')), old), { kind: 'partial' });
    assert.equal(fixture('0.14/backup-partial.exit').trim(), '3');
  });
  test('wrong password: 0.14 text with exit 1 and 0.17 exit 12 are the same typed UserError with hints', () => {
    for (const [status, text, features] of [[1, fixture('0.14/wrong-password.stderr.txt'), old], [12, fixture('0.17/wrong-password.stderr.txt'), current], [12, '', current]] as const) {
      const { error, transient } = errorOf(classifyResticRun(run(status, text), features));
      assert.ok(error instanceof UserError);
      assert.equal(error.code, 'E_RESTIC_WRONG_PASSWORD');
      assert.equal(transient, false);
      assert.ok(error.hints.length > 0);
      assert.match(error.message, /wrong password for the repository \/repo/);
    }
  });
  test('missing repository: 0.14 text and exit 10; a server that is down is not "missing"', () => {
    const missing014 = errorOf(classifyResticRun(run(1, fixture('0.14/repo-missing.stderr.txt')), old));
    assert.equal(missing014.error.code, 'E_RESTIC_REPO_MISSING');
    assert.equal(missing014.transient, false);
    assert.equal(errorOf(classifyResticRun(run(10, fixture('0.17/repo-missing.stderr.txt')), current)).error.code, 'E_RESTIC_REPO_MISSING');
    const down = errorOf(classifyResticRun(run(1, fixture('0.14/unreachable.stderr.txt'), { repository: 'rest:http://127.0.0.1:1/' }), old));
    assert.equal(down.error.code, 'E_RESTIC_UNREACHABLE');
    assert.equal(down.transient, true);
    assert.match(down.error.message, /cannot reach the repository rest:http:\/\/127\.0\.0\.1:1\/ \(connection refused\)/);
  });
  test('lock held: exit 11 (≥ 0.17) or 0.14 text; transient, exit code "locked"', () => {
    const locked = errorOf(classifyResticRun(run(11, fixture('0.17/locked.stderr.txt')), current));
    assert.equal(locked.error.code, 'E_RESTIC_LOCKED');
    assert.equal(locked.transient, true);
    const locked014 = errorOf(classifyResticRun(run(1, 'Fatal: unable to create lock in backend: repository is already locked by PID 12 on pc by root'), old));
    assert.equal(locked014.error.code, 'E_RESTIC_LOCKED');
  });
  test('codes 10/11/12 from a restic that does not have them are not trusted as such', () => {
    const outcome = errorOf(classifyResticRun(run(12, 'something else'), old));
    assert.equal(outcome.error.code, 'E_RESTIC_UNKNOWN_EXIT');
  });
  test('unknown and other codes are failures (ToolError); 130 and signals are interruptions', () => {
    const unknown = errorOf(classifyResticRun(run(42, 'Fatal: new thing'), current));
    assert.ok(unknown.error instanceof ToolError);
    assert.equal(unknown.error.code, 'E_RESTIC_UNKNOWN_EXIT');
    assert.match(unknown.error.message, /exited with code 42/);
    assert.equal(errorOf(classifyResticRun(run(2, 'panic: runtime error'), current)).error.code, 'E_RESTIC_CRASHED');
    assert.equal(errorOf(classifyResticRun(run(1, 'Fatal: something odd'), current)).error.code, 'E_RESTIC_FAILED');
    assert.equal(errorOf(classifyResticRun(run(130, ''), current)).error.code, 'E_RESTIC_INTERRUPTED');
    assert.equal(errorOf(classifyResticRun(run(null, '', { signal: 'SIGTERM' }), current)).error.code, 'E_RESTIC_INTERRUPTED');
    // 3 from anything but backup is just an unknown failure
    assert.equal(errorOf(classifyResticRun(run(3, '', { command: 'check' }), current)).error.code, 'E_RESTIC_UNKNOWN_EXIT');
  });
  test('init on an existing repository, TLS and credential problems are user errors', () => {
    assert.equal(errorOf(classifyResticRun(run(1, fixture('0.14/init-exists.stderr.txt'), { command: 'init' }), old)).error.code, 'E_RESTIC_REPO_EXISTS');
    assert.equal(errorOf(classifyResticRun(run(1, 'Fatal: unable to open repository: Get "https://127.0.0.1:9/b/?location=": x509: certificate signed by unknown authority'), old)).error.code, 'E_RESTIC_TLS');
    assert.equal(errorOf(classifyResticRun(run(1, 'Fatal: unable to open config file: Stat: The Access Key Id you provided does not exist in our records. InvalidAccessKeyId'), old)).error.code, 'E_RESTIC_BACKEND_AUTH');
  });
  test('network words are read as Go prints them, not in file names', () => {
    assert.equal(errorOf(classifyResticRun(run(1, 'Fatal: unable to save snapshot: Post "http://h/x": context deadline exceeded'), old)).error.code, 'E_RESTIC_UNREACHABLE');
    assert.equal(errorOf(classifyResticRun(run(1, 'Fatal: read /home/owner/timeout-notes.txt: bad things'), old)).error.code, 'E_RESTIC_FAILED');
  });
  test('a backup whose sources are all missing is a user error naming the config key', () => {
    const outcome = errorOf(classifyResticRun(run(1, 'Fatal: all target directories/files do not exist'), old));
    assert.equal(outcome.error.code, 'E_RESTIC_SOURCES_MISSING');
    assert.ok(outcome.error.hints.some((hint) => hint.includes('sources')));
  });
  test('drkit giving up on a dead backend is a transient "unreachable"', () => {
    const outcome = errorOf(classifyResticRun(run(null, 'Save(<data/1234>) returned error, retrying after 1.2s: dial tcp 127.0.0.1:9: connect: connection refused', { signal: 'SIGTERM', gaveUpOnBackend: true }), old));
    assert.equal(outcome.error.code, 'E_RESTIC_UNREACHABLE');
    assert.equal(outcome.transient, true);
    assert.match(outcome.error.message, /stayed unreachable \(connection refused\)/);
  });
  test('secrets never survive into messages', () => {
    assert.equal(redactText('open rest:https://alice:s3cr3t@host/repo failed, key s3cr3tkey', ['s3cr3tkey']), 'open rest:https://alice:…@host/repo failed, key …');
    assert.equal(redactText('a b', ['a']), 'a b');
    assert.deepEqual(secretValuesOf({ password: { value: 'pw-1234' }, env: { AWS_SECRET_ACCESS_KEY: 'sk', AWS_DEFAULT_REGION: 'eu' } }), ['pw-1234', 'sk']);
    assert.equal(lastResticMessage('x\nFatal: wrong password or no key found\n'), 'wrong password or no key found');
    assert.equal(lastResticMessage('unable to create lock\ngithub.com/restic/restic/internal/x.go:12\n\tmain.main()\n'), 'unable to create lock');
  });
  test('backoff grows by the factor and is capped', () => {
    const policy = { attempts: 5, initialDelayMs: 1000, factor: 3, maxDelayMs: 5000 };
    assert.deepEqual([1, 2, 3, 4].map((retry) => backoffDelay(policy, retry)), [1000, 3000, 5000, 5000]);
  });
});

describe('restic 0.18: faults it handles differently', () => {
  const base = { command: 'cat config', repository: 's3:https://127.0.0.1:9000/b', signal: null } as const;
  test('a TLS retry that drkit stopped is the untrusted certificate, not an interruption', () => {
    const line = 'Stat(<config/>) returned error, retrying after 612ms: Stat: Head "https://127.0.0.1:9000/b/config": tls: failed to verify certificate: x509: certificate signed by unknown authority';
    const outcome = classifyResticRun({ ...base, exitStatus: null, signal: 'SIGTERM', stderrTail: line, stoppedOnPermanentFault: true }, current);
    assert.equal(outcome.kind === 'error' ? outcome.error.code : outcome.kind, 'E_RESTIC_TLS');
  });
  test('a run the caller aborted is interrupted even when restic caught the signal and exited 1', () => {
    const outcome = classifyResticRun({ ...base, command: 'backup', exitStatus: 1, stderrTail: 'signal terminated received, cleaning up\nFatal: context canceled', abortedByCaller: true }, current);
    assert.equal(outcome.kind === 'error' ? outcome.error.code : outcome.kind, 'E_RESTIC_INTERRUPTED');
  });
  test('check errors on stderr carry a top-level message', () => {
    assert.deepEqual(parseStderrLine('{"message_type":"error","message":"pack f6b6e3c2: does not exist\\n"}'), { type: 'error', message: 'pack f6b6e3c2: does not exist' });
  });
});

/**
 * The typed live drill as a person sees it, in a real terminal: `drkit drill --live` runs in tmux (its own server
 * socket), the test types the shares line by line (one line mistyped, named and asked again), picks a snapshot
 * from the list recover shows (the older one), sees the restore's progress bar, then answers the "where did you
 * get stuck" question, and reads the certificate it wrote. Against `rclone serve restic`, with each restic version.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { parseCertificate } from '../../src/core/drill-certificate.js';
import { cliCommand, runCli } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { shellQuote, tmuxServer } from '../helpers/tmux.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-live-tmux-'));
const socket = `drkit-live-test-${process.pid}`;
const { tmux, waitFor, keys } = tmuxServer(socket);
after(async () => {
  await tmux(['kill-server']);
  rmSync(work, { recursive: true, force: true });
});

const quote = shellQuote;




const PASSWORD = 'tmux live drill password';
const restic = resticBinaries()[0];
if (restic === undefined) throw new Error('no restic installed');
const kit = join(work, 'kit');
const out = join(work, 'certificate');
let server: RunningServer;
/** the two snapshots, oldest first */
const snapshotIds: string[] = [];

before(async () => {
  const source = join(work, 'home', 'ann');
  mkdirSync(join(source, 'Docs'), { recursive: true });
  writeFileSync(join(source, 'Docs', 'diary.txt'), 'dear diary\n');
  const passwordFile = join(work, 'pw');
  writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
  server = await startRcloneRestServer({ dataDir: join(work, 'served') });
  const repository = `${server.repository}repo`;
  const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository };
  for (const args of [['init'], ['backup', '--host', 'laptop', source]]) assert.equal((await runProgram(restic.binary, args, { env })).exitStatus, 0, args.join(' '));
  // a newer snapshot with one more file: the drill below picks the older one from the list
  writeFileSync(join(source, 'Docs', 'later.txt'), 'written after the first backup\n');
  assert.equal((await runProgram(restic.binary, ['backup', '--host', 'laptop', source], { env })).exitStatus, 0, 'second backup');
  const listed = await runProgram(restic.binary, ['snapshots', '--json'], { env });
  snapshotIds.push(...(JSON.parse(listed.stdout) as { id: string; time: string }[]).sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).map((snapshot) => snapshot.id));
  rmSync(passwordFile);
  const bundle = join(work, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: PASSWORD, env: {} }));
  const created = await runCli(['kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', kit]);
  assert.equal(created.exitStatus, 0, created.stderr);
  rmSync(bundle);
  mkdirSync(out);
});
after(async () => { await server.stop(); });

for (const version of resticBinaries()) test(`typed live drill in a terminal, restic ${version.label}: a mistyped line asked again, the snapshot list and a pick, the progress bar, the stuck question, a certificate`, async () => {
  const session = `live-${version.label.replace(/\W/g, '')}`;
  const { program, prefix } = cliCommand();
  const certificates = join(out, session);
  mkdirSync(certificates);
  const line = `cd ${quote(process.cwd())} && PATH=${quote(version.path)} ${[program, ...prefix, 'drill', '--live', '--out', certificates].map(quote).join(' ')}; echo EXIT=$?; sleep 600`;
  assert.equal((await tmux(['new-session', '-d', '-s', session, '-x', '200', '-y', '50', line])).exitStatus, 0);
  const lines = (name: string) => readFileSync(join(kit, name), 'utf8').split('\n').filter((text) => /^\d+:/.test(text));
  const [first = '', ...rest] = lines('share-1.txt');
  await waitFor(session, /sheet 1, share line 1: $/m, 'the first question');
  // one character changed: the line's check names it, and the same line is asked again
  await keys(session, first.slice(0, -1) + (first.endsWith('A') ? 'B' : 'A'));
  await waitFor(session, /type it again/, 'the mistyped line refused');
  for (const text of [first, ...rest, ...lines('share-3.txt'), ...lines('envelope.txt')]) await keys(session, text);
  // recover's list: two snapshots, newest first, with the advice; row 2 is the older one
  const list = await waitFor(session, /which one\? type its number \(Enter: 1, the newest\): $/m, 'the snapshot question');
  assert.match(list, /#\s+id\s+date\s+host\s+size\s+folders/);
  assert.match(list, new RegExp(`1\\s+${(snapshotIds[1] ?? '').slice(0, 8)}\\s.*laptop.*\\(newest\\)`));
  assert.match(list, new RegExp(`2\\s+${(snapshotIds[0] ?? '').slice(0, 8)}\\s.*laptop`));
  assert.match(list, /after ransomware or a mistaken delete, pick one from before it happened/);
  await keys(session, '3');
  await waitFor(session, /there is no row 3: type a number from 1 to 2/, 'a row that is not there refused');
  await keys(session, '2');
  const restoring = await waitFor(session, /where did you get stuck, if anywhere\?/, 'the stuck question');
  assert.match(restoring, new RegExp(`restoring 1 random file \\(11 B\\) of snapshot ${(snapshotIds[0] ?? '').slice(0, 8)} into a scratch folder`));
  assert.match(restoring, /restoring \|#+\| 100 %/, 'the progress bar recover shows');
  await keys(session, 'envelope line 3 was smudged');
  const done = await waitFor(session, /EXIT=\d+/, 'the end');
  assert.match(done, /EXIT=0/, done);
  assert.match(done, /live drill PASSED — kit [0-9A-Z]{4}-[0-9A-Z]{4}/);
  assert.ok(!done.includes(PASSWORD));
  const kitId = /kit ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(done)?.[1] ?? '';
  const certificate = parseCertificate('tmux', readFileSync(join(certificates, `drill-certificate-${kitId}.txt`), 'utf8'));
  assert.equal(certificate.stuck, 'envelope line 3 was smudged');
  assert.deepEqual(certificate.shares.map((share) => share.number), [1, 3]);
  assert.equal(certificate.canary, 'none', 'a kit made with --bundle puts no canary in the backup');
  assert.equal(certificate.filesChecked, 1, 'the older snapshot holds one file');
  assert.equal(certificate.snapshotId, snapshotIds[0]);
});

test('a kit whose repository holds no snapshot: the drill fails with a certificate that says so', async () => {
  const repository = join(work, 'empty-repo');
  const passwordFile = join(work, 'pw-empty');
  writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
  assert.equal((await runProgram(restic.binary, ['init'], { env: { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository } })).exitStatus, 0);
  rmSync(passwordFile);
  const bundle = join(work, 'bundle-empty.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: PASSWORD, env: {} }));
  const emptyKit = join(work, 'kit-empty');
  const created = await runCli(['kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B', '--threshold', '2', '--out', emptyKit]);
  assert.equal(created.exitStatus, 0, created.stderr);
  rmSync(bundle);
  const emptyOut = join(work, 'certificate-empty');
  mkdirSync(emptyOut);
  const result = await runCli(['drill', '--live', '--from', join(emptyKit, 'share-1.txt'), '--from', join(emptyKit, 'share-2.txt'), '--envelope', join(emptyKit, 'envelope.txt'), '--out', emptyOut],
    { env: { PATH: restic.path } });
  assert.equal(result.exitStatus, 1, result.stderr);
  assert.match(result.stdout, /live drill FAILED/);
  assert.match(result.stdout, /E_RESTORE_EMPTY: the repository at .* holds no snapshot/);
  const kitId = /kit ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(result.stdout)?.[1] ?? '';
  const certificate = parseCertificate('empty', readFileSync(join(emptyOut, `drill-certificate-${kitId}.txt`), 'utf8'));
  assert.equal(certificate.verdict, 'failed');
  assert.equal(certificate.resticCheck, 'not-run');
  assert.equal(certificate.snapshotId, 'none');
});

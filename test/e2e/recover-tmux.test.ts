/**
 * The interactive restore as a person sees it, in a real terminal: `drkit recover` runs in tmux (its own server
 * socket), the test types with send-keys and reads the screen with capture-pane. The list of snapshots, a wrong
 * answer named and asked again, the older snapshot picked by its row; and the whole typed path (shares line by
 * line, then Enter for the newest). Against restic 0.14 and 0.18.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { writeTargetMarker } from '../../src/adapters/onsite-target.js';
import { runOnsiteSnapshot } from '../../src/jobs/onsite.js';
import { treeHashes } from '../helpers/files.js';
import { cliCommand, runCli } from '../helpers/cli.js';
import { resticBinaries } from '../helpers/restic-versions.js';
import { shellQuote, tmuxServer } from '../helpers/tmux.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-restore-tmux-'));
const socket = `drkit-restore-test-${process.pid}`;
const { tmux, waitFor, keys } = tmuxServer(socket);
after(async () => {
  await tmux(['kill-server']);
  rmSync(work, { recursive: true, force: true });
});

const quote = shellQuote;
const tree = (root: string): Record<string, string> => treeHashes(root);





/** Starts `drkit ARGS` in a new tmux session; the shell prints EXIT=<status> when it ends. */
async function start(session: string, args: string[], path: string): Promise<void> {
  const { program, prefix } = cliCommand();
  const line = `cd ${quote(process.cwd())} && PATH=${quote(path)} ${[program, ...prefix, ...args].map(quote).join(' ')}; echo EXIT=$?; sleep 600`;
  const started = await tmux(['new-session', '-d', '-s', session, '-x', '200', '-y', '50', line]);
  assert.equal(started.exitStatus, 0, started.stderrTail);
}

const PASSWORD = 'tmux restore password';

for (const restic of resticBinaries()) {
  describe(`the interactive pick, restic ${restic.label}`, () => {
    const base = join(work, restic.label);
    const source = join(base, 'home', 'ann');
    let v1: Record<string, string> = {};
    let v2: Record<string, string> = {};
    const kit = join(base, 'kit');

    before(async () => {
      mkdirSync(join(source, 'Docs'), { recursive: true });
      const passwordFile = join(base, 'pw');
      writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
      const repository = join(base, 'repo');
      const env = { RESTIC_PASSWORD_FILE: passwordFile, RESTIC_REPOSITORY: repository };
      const run = async (args: string[]) => assert.equal((await runProgram(restic.binary, args, { env })).exitStatus, 0, args.join(' '));
      await run(['init']);
      writeFileSync(join(source, 'Docs', 'diary.txt'), 'before the ransomware\n');
      v1 = tree(source);
      await run(['backup', '--host', 'laptop', source]);
      await run(['backup', '--host', 'laptop', source]);
      writeFileSync(join(source, 'Docs', 'diary.txt'), 'ENCRYPTED BY RANSOMWARE\n');
      v2 = tree(source);
      await run(['backup', '--host', 'laptop', source]);
      rmSync(passwordFile);
      const bundle = join(base, 'bundle.json');
      writeFileSync(bundle, JSON.stringify({ owner: 'Ann', repository, resticPassword: PASSWORD, env: {}, notes: 'Photos are the priority' }));
      const created = await runCli(['kit', 'create', '--format', 'text', '--bundle', bundle, '--custodians', 'A,B,C', '--threshold', '2', '--out', kit]);
      assert.equal(created.exitStatus, 0, created.stderr);
      rmSync(bundle);
    });

    test('the list on a terminal; a wrong answer is named and asked again; row 3 restores the oldest', async () => {
      const session = `pick-${restic.label.replace('.', '')}`;
      const target = join(base, 'restored-pick');
      await start(session, ['recover', '--from', join(kit, 'share-2.txt'), '--from', join(kit, 'share-3.txt'), '--envelope', join(kit, 'envelope.txt'), '--restore-to', target], restic.path);
      const list = await waitFor(session, /which one\? type its number \(Enter: 1, the newest\): $/m, 'the question');
      const rows = list.split('\n').filter((line) => /^ {2}\d {2}[0-9a-f]{8} {2}/.test(line));
      assert.equal(rows.length, 3, list);
      assert.match(rows[0] ?? '', /laptop .*\/home\/ann {3}\(newest\)$/);
      assert.match(list, /\d{4}-\d\d-\d\d \d\d:\d\d \S+ {2}laptop/, 'local time with the zone');
      assert.match(list, /after ransomware or a mistaken delete, pick one from before it happened/);
      await keys(session, 'nine');
      await waitFor(session, /"nine" is not a row number or a snapshot id/, 'the wrong answer named');
      await keys(session, '3');
      const done = await waitFor(session, /EXIT=\d+/, 'the end');
      assert.match(done, /EXIT=0/, done);
      assert.match(done, /restoring \|#+\| 100 %/, 'a progress bar on the terminal');
      assert.match(done, /your files are in:\n {2}\S+\/home\/ann\/Docs/);
      assert.match(done, /notes from Ann:\n {2}Photos are the priority/);
      assert.deepEqual(tree(join(target, source)), v1, 'the snapshot from before the damage');
      assert.ok(!done.includes(PASSWORD));
    });

    test('typed shares, then Enter: the newest snapshot', async () => {
      const session = `typed-${restic.label.replace('.', '')}`;
      const target = join(base, 'restored-typed');
      await start(session, ['recover', '--restore-to', target], restic.path);
      const lines = (name: string) => readFileSync(join(kit, name), 'utf8').split('\n').filter((line) => /^\d+:/.test(line));
      for (const line of [...lines('share-1.txt'), ...lines('share-3.txt'), ...lines('envelope.txt')]) {
        await keys(session, line);
      }
      await waitFor(session, /which one\? type its number/, 'the question after the typed kit');
      await keys(session, '');
      const done = await waitFor(session, /EXIT=\d+/, 'the end');
      assert.match(done, /EXIT=0/, done);
      assert.deepEqual(tree(join(target, source)), v2);
    });
  });
}

test('recover --onsite on a terminal: the disk\'s snapshots listed, row 2 copies the older one', async () => {
  const disk = join(work, 'disk');
  const home = join(work, 'onsite', 'home', 'ann');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'list.txt'), 'the good version\n');
  const v1 = tree(home);
  const uuid = '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f';
  await writeTargetMarker(disk, uuid);
  let time = Date.parse('2026-11-27T08:15:00Z');
  const options = { target: disk, expectedMarker: uuid, host: 'laptop', sources: [home], excludes: [], progressIntervalMs: 0, clock: () => new Date(time) };
  await runOnsiteSnapshot(options, { event: () => undefined });
  writeFileSync(join(home, 'list.txt'), 'deleted by mistake\n');
  time += 86_400_000;
  await runOnsiteSnapshot(options, { event: () => undefined });
  const session = 'onsite-pick';
  const target = join(work, 'onsite-restored');
  await start(session, ['recover', '--onsite', disk, '--restore-to', target], process.env['PATH'] ?? '/usr/bin:/bin');
  const list = await waitFor(session, /which one\? type its number/, 'the question');
  assert.match(list, /snapshots on .*disk:/);
  assert.match(list, /1 {2}2026-11-28T081500Z .* laptop .*\/home\/ann {3}\(newest\)/);
  assert.match(list, /2 {2}2026-11-27T081500Z/);
  await keys(session, '2');
  const done = await waitFor(session, /EXIT=\d+/, 'the end');
  assert.match(done, /EXIT=0/, done);
  assert.match(done, /copying \|#+\| 100 %/);
  assert.deepEqual(tree(join(target, home)), v1);
});

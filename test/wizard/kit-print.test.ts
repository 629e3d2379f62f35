/**
 * `drkit kit print` against a real CUPS scheduler (a private cupsd with a raw queue and a file backend): the
 * sheets, guide copies and checklist reach the queue byte for byte, a photo of a printed page (the printer's output
 * rendered by pdftoppm) is checked by kit verify's code, and the share files are deleted only after that.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { ExitCode } from '../../src/errors.js';
import { run, parsePrinters, parseRequestId, PRINT_ADVICE } from '../../src/commands/kit-print.js';
import { typicalB2Bundle } from '../helpers/kit-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { keepKitCopy } from '../../src/adapters/kit-store.js';
import { captureIO } from '../commands/backup-io.js';
import { cupsInstalled, printedJobs, startPrivateCups, type PrivateCups } from './cups.js';
import { scriptedPrompter } from './scripted-prompter.js';

const skip = cupsInstalled() ? false : 'CUPS is not installed (scripts/install-system-deps.sh installs cups, cups-bsd)';
const work = mkdtempSync(join(tmpdir(), 'drkit-kit-print-'));
let cups: PrivateCups | undefined;
const savedServer = process.env.CUPS_SERVER;

before(async () => {
  if (skip !== false) return;
  cups = await startPrivateCups();
  process.env.CUPS_SERVER = cups.socket;
});
after(async () => {
  if (savedServer === undefined) delete process.env.CUPS_SERVER;
  else process.env.CUPS_SERVER = savedServer;
  await cups?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A kit of the example bundle, whose B2 repository is not reachable from here: sealed with --no-check. */
async function makeKit(name: string): Promise<string> {
  const bundle = join(work, 'bundle.json');
  writeFileSync(bundle, JSON.stringify(typicalB2Bundle));
  const dir = join(work, name);
  const made = await runCli(['kit', 'create', '--no-check', '--bundle', bundle, '--custodians', 'Ann,Ben,Cy', '--threshold', '2', '--out', dir]);
  assert.equal(made.exitStatus, 0, made.stderr);
  return dir;
}

test('lpstat and lp output are read', () => {
  assert.deepEqual(parsePrinters('home\noffice\n', 'system default destination: home\n'), { names: ['home', 'office'], defaultName: 'home' });
  assert.deepEqual(parsePrinters('', 'no system default destination\n'), { names: [], defaultName: null });
  assert.equal(parseRequestId('request id is home-12 (1 file(s))\n'), 'home-12');
});

test('kit print on a terminal: advice first, every file to the chosen printer, a photo of a printed sheet checked, then the shares deleted', { skip }, async () => {
  assert.ok(cups !== undefined);
  const dir = await makeKit('kit-tty');
  const expected = ['sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf', 'guide.pdf', 'checklist.pdf'];
  const made = expected.map((name) => readFileSync(join(dir, name)));
  const before = printedJobs(cups.out).length;
  const photo = join(work, 'photo');
  const prompter = scriptedPrompter([
    { ask: /which printer/, answer: cups.printer },
    { ask: /send 3 sheets, 4 copies of the guide and the checklist to drkit-home\?/, answer: true },
    {
      ask: /photo of a printed sheet/, answer: async () => {
        // the owner photographs what came out of the printer: sheet 2's job, rendered as an image
        const jobs = printedJobs(cups?.out ?? '').slice(before);
        const sheet2 = jobs[1];
        assert.ok(sheet2 !== undefined);
        const rendered = await runProgram('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', sheet2.file, photo]);
        assert.equal(rendered.exitStatus, 0, rendered.stderrTail);
        return `${photo}.png`;
      },
    },
    { ask: /delete the 3 files holding shares/, answer: true },
  ]);
  const io = captureIO();
  assert.equal(await run({ dir }, io, { prompter }), ExitCode.ok);
  assert.deepEqual(prompter.remaining(), []);
  assert.equal(prompter.said[0], PRINT_ADVICE, 'the advice comes first');
  const jobs = printedJobs(cups.out).slice(before);
  assert.equal(jobs.length, 5, 'three sheets, the guide and the checklist');
  jobs.forEach((job, index) => assert.deepEqual(readFileSync(job.file), made[index], `${expected[index] ?? ''} reached the printer byte for byte`));
  assert.deepEqual(jobs.map((job) => readFileSync(job.meta, 'utf8').trim()), ['1 drkit sheet-1', '1 drkit sheet-2', '1 drkit sheet-3', '4 drkit restore guide', '1 drkit owner checklist']);
  assert.match(io.outLines.join('\n'), /^valid share 2 of 3 of kit [0-9A-Z]{4}-[0-9A-Z]{4} /m);
  assert.deepEqual(readdirSync(dir).sort(), ['checklist.pdf', 'guide.pdf', 'kit.json'], 'only the files holding shares are gone');
});

test('kit print --yes: the printer named, bytes as made; --delete waits for a verified photo; a wrong photo fails the check', { skip }, async () => {
  assert.ok(cups !== undefined);
  const dir = await makeKit('kit-yes');
  const sheets = ['sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf'].map((name) => readFileSync(join(dir, name)));
  const before = printedJobs(cups.out).length;
  const env = { CUPS_SERVER: cups.socket };
  const first = await runCli(['kit', 'print', dir, '--yes', '--printer', cups.printer, '--guide-copies', '2', '--delete'], { env });
  assert.equal(first.exitStatus, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`^${PRINT_ADVICE}\n`));
  assert.match(first.stderr, /--delete: kept the files, because no photo of a printed sheet was checked/);
  const jobs = printedJobs(cups.out).slice(before);
  assert.equal(jobs.length, 5);
  jobs.slice(0, 3).forEach((job, index) => assert.deepEqual(readFileSync(job.file), sheets[index], `sheet ${index + 1} reached the printer as made`));
  assert.equal(readFileSync(jobs[3]?.meta ?? '', 'utf8').trim(), '2 drkit restore guide');

  const wrongPhoto = join(work, 'guide-page');
  await runProgram('pdftoppm', ['-png', '-r', '100', '-f', '1', '-l', '1', '-singlefile', jobs[3]?.file ?? '', wrongPhoto]);
  const wrong = await runCli(['kit', 'print', dir, '--yes', '--printer', cups.printer, '--photo', `${wrongPhoto}.png`, '--delete'], { env });
  assert.equal(wrong.exitStatus, ExitCode.checkFailed, wrong.stderr);
  assert.match(wrong.stderr, /the photo did not verify: /);
  assert.ok(readdirSync(dir).includes('sheet-1.pdf'), 'nothing deleted after a failed check');

  const photo = join(work, 'sheet-photo');
  await runProgram('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', jobs[0]?.file ?? '', photo]);
  // this setup's monthly drill keeps a copy of the kit (as kit create --config does with drill.schedule: monthly)
  const state = join(work, 'state', 'drkit');
  const kitId = (JSON.parse(readFileSync(join(dir, 'kit.json'), 'utf8')) as { kitId: string }).kitId;
  const copy = keepKitCopy(state, kitId, dir);
  const setupEnv = { ...env, XDG_STATE_HOME: join(work, 'state'), XDG_CONFIG_HOME: join(work, 'config') };
  const good = await runCli(['kit', 'print', dir, '--yes', '--printer', cups.printer, '--guide-copies', '0', '--photo', `${photo}.png`, '--delete'], { env: setupEnv });
  assert.equal(good.exitStatus, 0, good.stderr);
  assert.match(good.stdout, /^valid share 1 of 3 of kit /m);
  assert.deepEqual(readdirSync(dir).sort(), ['checklist.pdf', 'guide.pdf', 'kit.json']);
  // the output folder's copies are gone; the drill's is named, and stays
  assert.match(good.stderr, new RegExp(`the monthly drill's copy of the sheets stays in ${copy} \\(private to you, left out of the backups\\)`));
  assert.deepEqual(readdirSync(copy).sort(), ['guide.pdf', 'sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf']);

  const none = await runCli(['kit', 'print', dir, '--yes', '--printer', cups.printer], { env });
  assert.equal(none.exitStatus, 2);
  assert.match(none.stderr, /holds no sheet PDFs/);
  const unknown = await runCli(['kit', 'print', await makeKit('kit-other'), '--yes', '--printer', 'office'], { env });
  assert.equal(unknown.exitStatus, 2);
  assert.match(unknown.stderr, /--printer office is not a printer here \(lpstat lists drkit-home\)/);
});

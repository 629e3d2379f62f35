/**
 * The wizard in a real pseudo-terminal: the built CLI runs in a detached tmux session of 80×24, keys are sent
 * with send-keys and the screen is read with capture-pane, as a person would see it. Every prompt is answered,
 * against a real `rclone serve restic` on 127.0.0.1 and a folder as the onsite disk; then the files written,
 * their modes and the first backup are checked. Ctrl-C and a closed terminal are tried too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { parseSecrets } from '../../src/adapters/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { cliCommand } from '../helpers/cli.js';
import { freePort, startRcloneRestServer } from '../helpers/servers.js';
import { cupsInstalled, printedJobs, startPrivateCups } from './cups.js';

const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

interface Terminal {
  /** keys as tmux send-keys takes them: literal text is sent with -l, names (Enter, Down, C-c) as keys */
  type(text: string): Promise<void>;
  key(...names: string[]): Promise<void>;
  /** the visible 80×24 screen */
  screen(): Promise<string>;
  /** waits until the screen and its scrollback show `pattern`; returns the text */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  pid(): number;
  close(): Promise<void>;
}

async function tmux(socket: string, args: string[]): Promise<string> {
  const result = await runProgram('tmux', ['-L', socket, ...args], { debianPackage: 'tmux' });
  if (result.exitStatus !== 0) throw new Error(`tmux ${args[0] ?? ''} failed: ${result.stderrTail}`);
  return result.stdout;
}

async function openTerminal(root: string, args: string[], env: Record<string, string>): Promise<Terminal> {
  const socket = `drkit-wizard-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const { program, prefix } = cliCommand();
  const pidFile = join(root, 'cli.pid');
  const exitFile = join(root, 'cli.exit');
  const exports = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`).join(' ');
  // the shell records node's pid and exit status, then keeps the pane open so the last screen can be read
  const line = `echo $$ > ${shellQuote(pidFile)}; env ${exports} ${[program, ...prefix, ...args].map(shellQuote).join(' ')}; echo $? > ${shellQuote(exitFile)}; echo EXIT=$(cat ${shellQuote(exitFile)}); sleep 300`;
  await tmux(socket, ['new-session', '-d', '-s', 'w', '-x', '80', '-y', '24', line]);
  await tmux(socket, ['set-option', '-t', 'w', 'history-limit', '5000']);
  const capture = (history: boolean): Promise<string> => tmux(socket, ['capture-pane', '-p', '-t', 'w', ...(history ? ['-S', '-5000'] : [])]);
  return {
    type: async (text) => { await tmux(socket, ['send-keys', '-t', 'w', '-l', text]); },
    key: async (...names) => { for (const name of names) await tmux(socket, ['send-keys', '-t', 'w', name]); },
    screen: () => capture(false),
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let text = '';
      while (Date.now() < deadline) {
        text = await capture(true);
        if (pattern.test(text)) return text;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the screen never showed ${String(pattern)}; it shows:\n${await capture(false)}`);
    },
    pid: () => Number(readFileSync(pidFile, 'utf8').trim()),
    async close() { await runProgram('tmux', ['-L', socket, 'kill-server']); },
  };
}

function setup(): { root: string; source: string; usb: string; env: Record<string, string>; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'drkit-wizard-tty-'));
  const source = join(root, 'data');
  mkdirSync(join(source, 'docs'), { recursive: true });
  writeFileSync(join(source, 'docs', 'letter.txt'), 'dear custodian\n');
  writeFileSync(join(source, 'photo.raw'), Buffer.alloc(48 * 1024, 3));
  const usb = join(root, 'usb');
  mkdirSync(usb);
  const home = join(root, 'home');
  mkdirSync(home);
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state'), XDG_CACHE_HOME: join(home, '.cache'), TERM: 'xterm-256color' };
  return { root, source, usb, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

test('drkit init in a pseudo-terminal: every prompt answered, files written with their modes, a first backup, the kit made and printed', async () => {
  const box = setup();
  const server = await startRcloneRestServer();
  const cups = cupsInstalled() ? await startPrivateCups() : null;
  const term = await openTerminal(box.root, ['init'], { ...box.env, ...(cups === null ? {} : { CUPS_SERVER: cups.socket }) });
  try {
    const target = join(box.usb, 'drkit');
    await term.waitFor(/\? a folder or file to back up/);
    await term.type(join(box.root, 'nope'));
    await term.key('Enter');
    await term.waitFor(/> .*nope does not exist/);
    await term.key('C-u');
    await term.type(box.source);
    await term.key('Enter');
    await term.waitFor(/data: 48\.0 KiB in 2 files/);
    await term.key('Enter');
    await term.waitFor(/\? keep these 5\?/);
    await term.key('Enter');
    await term.waitFor(/\? where should the onsite copy go\?/);
    await term.key('Enter');
    await term.waitFor(/\? onsite target/);
    await term.type(target);
    await term.key('Enter');
    await term.waitFor(/will be created, .* free/);
    await term.waitFor(/\? where is the onsite copy kept/);
    await term.type('USB disk in the hall cupboard');
    await term.key('Enter');
    await term.waitFor(/\? where should the offsite copy go\?/);
    await term.key('Down', 'Down', 'Down', 'Enter');
    await term.waitFor(/\? restic repository\s*$/m);
    await term.type(server.repository);
    await term.key('Enter');
    await term.waitFor(/\? restic repository password/);
    await term.key('Enter');
    const shown = await term.waitFor(/your new restic password: {2}(\S+)/);
    const password = /your new restic password: {2}(\S+)/.exec(shown)?.[1] ?? '';
    await term.waitFor(/\? saved it in your password manager\?/);
    await term.key('Enter');
    await term.waitFor(/\? create it now \(restic init\)\?/);
    await term.key('Enter');
    await term.waitFor(/created the repository: id [0-9a-f]{8}/);
    await term.waitFor(/\? how often should the onsite copy run\?/);
    await term.key('Enter');
    await term.waitFor(/\? when should the offsite copy run\?/);
    await term.key('Enter');
    await term.waitFor(/\? run a restore drill every month\?/);
    await term.key('Enter');
    await term.waitFor(/\? your name, as the custodians know you/);
    await term.type('Ann Owner');
    await term.key('Enter');
    for (const [index, [name, contact]] of [['Ann', 'phone 0101'], ['Ben', 'ben@example.org'], ['Cy', ''], ['Dee', ''], ['Eve', '']].entries()) {
      await term.waitFor(new RegExp(`\\? custodian ${index + 1}: name`));
      await term.type(name ?? '');
      await term.key('Enter');
      await term.waitFor(new RegExp(`\\? how to reach ${name ?? ''}`));
      if (contact !== '') await term.type(contact ?? '');
      await term.key('Enter');
    }
    await term.waitFor(/\? custodian 6: name/);
    await term.key('Enter');
    await term.waitFor(/\? how many sheets should it take to open the kit\? \(3\)/);
    await term.key('Enter');
    const summary = await term.waitFor(/\? write this setup\?/);
    assert.match(summary, /== Summary/);
    assert.match(summary, /kit: {9}Ann Owner's kit, any 3 of 5 sheets open it/);
    assert.equal(summary.split(password).length, 2, 'the password is on the screen once, where it was shown');
    assert.ok(!(await term.screen()).includes(password), 'and has scrolled off the summary');
    await term.key('Enter');
    await term.waitFor(/\? install the timers/);
    await term.type('n');
    await term.key('Enter');
    await term.waitFor(/\? run the first backup now\?/);
    await term.key('Enter');
    await term.waitFor(/offsite: done, snapshot [0-9a-f]{8}/, 120_000);
    // the kit, from the config just written; then the paper, on a real CUPS queue
    await term.waitFor(/\? create the printed kit now/);
    await term.key('Enter');
    await term.waitFor(/\? folder for the kit's PDFs/);
    await term.key('Enter');
    await term.waitFor(/\? run a restore drill of the new kit now/, 120_000);
    await term.type('n');
    await term.key('Enter');
    await term.waitFor(/\? print the kit now\?/);
    if (cups === null) {
      // without CUPS here (scripts/install-system-deps.sh installs it) the kit stays unprinted
      await term.type('n');
      await term.key('Enter');
      const end = await term.waitFor(/EXIT=\d+/, 120_000);
      assert.match(end, /EXIT=0/, end);
    } else {
      await term.key('Enter');
      await term.waitFor(/\? which printer\?/);
      await term.key('Enter');
      await term.waitFor(/\? send 5 sheets, 6 copies of the guide and the checklist to drkit-home\?/);
      await term.key('Enter');
      await term.waitFor(/\? photo of a printed sheet/, 120_000);
      const printed = printedJobs(cups.out);
      assert.equal(printed.length, 7);
      const photo = join(box.root, 'photo-of-sheet-4');
      const rendered = await runProgram('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', printed[3]?.file ?? '', photo]);
      assert.equal(rendered.exitStatus, 0);
      await term.type(`${photo}.png`);
      await term.key('Enter');
      await term.waitFor(/valid share 4 of 5 of kit/, 60_000);
      await term.waitFor(/\? delete the 5 files holding shares/);
      await term.key('Enter');
      // the monthly drill (chosen above) keeps its copy of the sheets: named, and turned off here
      await term.waitFor(/\? keep that copy for the monthly drill\?/);
      await term.type('n');
      await term.key('Enter');
      const end = await term.waitFor(/EXIT=\d+/, 120_000);
      assert.match(end, /EXIT=0/, end);
      assert.match(end, /turned\s+the\s+monthly\s+drill\s+off/);
      assert.deepEqual(readdirSync(join(box.env.HOME ?? '', 'drkit-kit')).sort(), ['checklist.pdf', 'guide.pdf', 'kit.json']);
      assert.equal(existsSync(join(box.env.XDG_STATE_HOME ?? '', 'drkit', 'kit')), false, 'the drill\'s copy is deleted too');
      const drillOff = parseConfig(readFileSync(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'config.yaml'), 'utf8'), 'config.yaml');
      assert.equal(drillOff.drill?.schedule, 'none');
    }
    for (const line of (await term.screen()).split('\n')) assert.ok(line.length <= 80);

    const configFile = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'config.yaml');
    const secretsFile = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'secrets', 'secrets.env');
    assert.equal(mode(configFile), '600');
    assert.equal(mode(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'secrets')), '700');
    assert.equal(mode(secretsFile), '600');
    assert.equal(parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile).RESTIC_PASSWORD, password);
    const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
    assert.equal(config.onsite?.target, target);
    assert.equal(config.offsite?.repository, server.repository);
    assert.ok(existsSync(join(target, '.drkit-target')));
    const status = JSON.parse(readFileSync(join(box.env.XDG_STATE_HOME ?? '', 'drkit', 'status.json'), 'utf8')) as { runs: { job: string; outcome: string }[] };
    assert.deepEqual(status.runs.map((run) => `${run.job}:${run.outcome}`), ['onsite:success', 'offsite:success', 'offsite:success'], 'the first backup, then offsite again after the kit (its canary)');
    const secretsFolder = readdirSync(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'secrets'));
    assert.deepEqual(secretsFolder.filter((name) => name.endsWith('.tmp')), [], 'no temporary file beside the secrets');
    for (const name of secretsFolder) assert.equal(mode(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'secrets', name)), '600');
  } finally {
    await term.close();
    await server.stop();
    await cups?.stop();
    box.cleanup();
  }
});

test('Ctrl-C at a prompt or during the connection check, and a closed terminal: exit 130 or gone, nothing written', async () => {
  const box = setup();
  try {
    const term = await openTerminal(box.root, ['init'], box.env);
    try {
      await term.waitFor(/\? a folder or file to back up/);
      await term.type(box.source);
      await term.key('Enter');
      await term.waitFor(/\? a folder or file to back up[^\n]*\n?\s*$/);
      await term.key('C-c');
      const text = await term.waitFor(/EXIT=\d+/);
      assert.match(text, /error: setup interrupted: nothing was written\nhint: run drkit init again to start over\nEXIT=130/);
    } finally {
      await term.close();
    }
    assert.ok(!existsSync(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit')), 'nothing written');

    // Ctrl-C while restic checks the repository (no prompt is open: the terminal sends SIGINT to both)
    const temp = join(box.root, 'tmp');
    mkdirSync(temp);
    const dead = `rest:http://127.0.0.1:${await freePort()}/`;
    const checking = await openTerminal(box.root, ['init', '--source', box.source, '--exclude', '*.tmp', '--onsite', 'none', '--offsite', 'url', '--repository', dead, '--password-mode', 'existing'], { ...box.env, TMPDIR: temp });
    try {
      await checking.waitFor(/\? repository password/);
      await checking.type('a long enough password');
      await checking.key('Enter');
      await checking.waitFor(/checking rest:http/);
      await checking.key('C-c');
      const text = await checking.waitFor(/EXIT=\d+/);
      // restic is stopped by drkit's process-wide handler (src/cli.ts), or the check already ended and the prompt took it
      assert.match(text, /(drkit: interrupted by SIGINT: stopping|error: setup interrupted: nothing was written\nhint: .*)\nEXIT=130/);
    } finally {
      await checking.close();
    }
    assert.deepEqual(readdirSync(temp), [], 'restic\'s private password file is gone');
    assert.ok(!existsSync(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit')), 'nothing written');

    const closing = await openTerminal(box.root, ['init'], box.env);
    await closing.waitFor(/\? a folder or file to back up/);
    const shell = closing.pid();
    const children = await runProgram('pgrep', ['-P', String(shell)]);
    const node = Number(children.stdout.trim().split('\n')[0]);
    assert.ok(node > 0, 'the CLI runs under the pane\'s shell');
    await closing.close();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && existsSync(`/proc/${node}`)) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(!existsSync(`/proc/${node}`), 'the CLI ends when its terminal closes');
    assert.ok(!existsSync(join(box.env.XDG_CONFIG_HOME ?? '', 'drkit')), 'nothing written');
  } finally {
    box.cleanup();
  }
});

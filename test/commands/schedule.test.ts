import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { run } from '../../src/commands/schedule.js';
import { run as runStatus } from '../../src/commands/status.js';
import { lingerEnabled, ownerName } from '../../src/adapters/schedule-files.js';
import { captureIO, makeSandbox } from './backup-io.js';

test('schedule print: a service and a persistent timer per configured job and the repository check, and the enable command', async () => {
  const box = makeSandbox();
  try {
    const io = captureIO();
    assert.equal(await run({ action: 'print', config: box.config }, io), ExitCode.ok);
    const text = io.outLines.join('\n');
    assert.match(text, new RegExp(`^# ${box.env.XDG_CONFIG_HOME}/systemd/user/drkit-backup-onsite\\.service$`, 'm'));
    assert.equal(text.match(/^Persistent=true$/gm)?.length, 3);
    assert.match(text, new RegExp(`^ExecStart="${process.execPath}" ".*/cli\\.js" "backup" "offsite" "--config" "${box.config}"$`, 'm'));
    // the repository check: its own service and weekly timer (default: Monday 04:00, after the nightly backup)
    assert.match(text, new RegExp(`^ExecStart="${process.execPath}" ".*/cli\\.js" "check" "--config" "${box.config}"$`, 'm'));
    assert.match(text, /^# .*\/drkit-check\.timer\n(?:.*\n)*?OnCalendar=Mon \*-\*-\* 04:00:00$/m);
    assert.equal(io.outLines.at(-1), '# enable with: systemctl --user daemon-reload && systemctl --user enable --now drkit-backup-onsite.timer drkit-backup-offsite.timer drkit-check.timer');
  } finally {
    box.cleanup();
  }
});

test('schedule install writes the units and prints the one command that enables them', async () => {
  const box = makeSandbox();
  try {
    const io = captureIO();
    assert.equal(await run({ action: 'install', config: box.config }, io), ExitCode.ok);
    const folder = join(box.env.XDG_CONFIG_HOME ?? '', 'systemd', 'user');
    assert.deepEqual(readdirSync(folder).sort(), ['drkit-backup-offsite.service', 'drkit-backup-offsite.timer', 'drkit-backup-onsite.service', 'drkit-backup-onsite.timer', 'drkit-check.service', 'drkit-check.timer']);
    assert.match(readFileSync(join(folder, 'drkit-backup-offsite.timer'), 'utf8'), /^OnCalendar=\*-\*-\* 03:00:00$/m);
    assert.deepEqual(io.outLines, ['systemctl --user daemon-reload && systemctl --user enable --now drkit-backup-onsite.timer drkit-backup-offsite.timer drkit-check.timer']);
    // no system targets in user units: a user manager cannot order against network-online.target
    for (const name of readdirSync(folder)) {
      const directives = readFileSync(join(folder, name), 'utf8').replace(/^#.*\n/gm, '');
      assert.doesNotMatch(directives, /network-online|^(?:Wants|After|Requires|BindsTo)=/m, name);
    }
    // and the units that need the network say how a run before it is up is handled
    assert.match(readFileSync(join(folder, 'drkit-backup-offsite.service'), 'utf8'), /^# restic itself and by drkit \(offsite\.retries, offsite\.giveUpAfter\)/m);
  } finally {
    box.cleanup();
  }
});

test('schedule --cron: print and install crontab lines', async () => {
  const box = makeSandbox();
  try {
    box.writeConfig(`sources: [${box.source}]\nonsite:\n  target: ${box.target}\n  schedule: weekly at 22:15\n`);
    const io = captureIO();
    assert.equal(await run({ action: 'print', config: box.config, cron: true }, io), ExitCode.ok);
    assert.deepEqual(io.outLines, [`15 22 * * 1 ${process.execPath} ${io.outLines[0]?.split(' ')[6] ?? ''} backup onsite --config ${box.config} # drkit-backup-onsite`]);
    const install = captureIO(true);
    assert.equal(await run({ action: 'install', config: box.config, cron: true, json: true }, install), ExitCode.ok);
    const result = install.jsonValues[0] as { written: string[]; enable: string };
    assert.equal(readFileSync(result.written[0] ?? '', 'utf8'), `${io.outLines[0] ?? ''}\n`);
    assert.match(result.enable, /\| crontab -$/);
  } finally {
    box.cleanup();
  }
});

test('schedule --cron: the repository check gets its own line, on its own schedule; check: false drops it', async () => {
  const box = makeSandbox();
  try {
    box.writeConfig(`sources: [${box.source}]\nsecrets: ${box.secrets}\noffsite:\n  repository: ${box.repository}\n  check: { schedule: "weekly at 05:30", readDataSubset: "5%" }\n`);
    const io = captureIO();
    assert.equal(await run({ action: 'print', config: box.config, cron: true }, io), ExitCode.ok);
    assert.equal(io.outLines.length, 2);
    assert.match(io.outLines[1] ?? '', new RegExp(`^30 5 \\* \\* 1 ${process.execPath} \\S+/cli\\.js check --config ${box.config} # drkit-check$`));
    const install = captureIO(true);
    assert.equal(await run({ action: 'install', config: box.config, cron: true, json: true }, install), ExitCode.ok);
    // reinstalling replaces the old check line too
    assert.match((install.jsonValues[0] as { enable: string }).enable, /grep -v -E '# drkit-\(backup-\(onsite\|offsite\|drill\)\|check\)\$'/);
    box.writeConfig(`sources: [${box.source}]\nsecrets: ${box.secrets}\noffsite:\n  repository: ${box.repository}\n  check: false\n`);
    const off = captureIO();
    assert.equal(await run({ action: 'print', config: box.config, cron: true }, off), ExitCode.ok);
    assert.equal(off.outLines.length, 1);
    // match the subcommand and the line's tag, not the word: the checkout's own path may hold "check"
    assert.doesNotMatch(off.outLines[0] ?? '', / check --config |# drkit-check$/);
  } finally {
    box.cleanup();
  }
});

test('schedule install says when linger is off, with the exact command to turn it on', async () => {
  const box = makeSandbox();
  try {
    const user = ownerName();
    const linger = await lingerEnabled(user);
    const io = captureIO();
    assert.equal(await run({ action: 'install', config: box.config }, io), ExitCode.ok);
    if (linger) {
      assert.ok(!io.noteLines.some((line) => line.includes('linger')), 'no linger warning when linger is on');
    } else {
      assert.ok(io.noteLines.includes(`linger is off for ${user}: these user timers stop when ${user} logs out, and no backup runs until the next login`), io.noteLines.join('\n'));
      assert.ok(io.noteLines.includes(`to keep them running without a login, run once: loginctl enable-linger ${user}`));
    }
    const json = captureIO(true);
    assert.equal(await run({ action: 'install', config: box.config, json: true }, json), ExitCode.ok);
    const result = json.jsonValues[0] as { linger: boolean; enableLinger?: string };
    assert.equal(result.linger, linger);
    assert.equal(result.enableLinger, linger ? undefined : `loginctl enable-linger ${user}`);
  } finally {
    box.cleanup();
  }
});

test('linger: logind\'s answer when it gives one, else the file logind keeps in /var/lib/systemd/linger', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-linger-'));
  try {
    const missing = join(dir, 'no-such-loginctl');
    assert.equal(await lingerEnabled('ann', { loginctl: missing, lingerDir: dir }), false);
    writeFileSync(join(dir, 'ann'), '');
    assert.equal(await lingerEnabled('ann', { loginctl: missing, lingerDir: dir }), true);
    // a loginctl that answers is believed over the file
    const loginctl = join(dir, 'loginctl');
    writeFileSync(loginctl, '#!/bin/sh\necho Linger=no\n', { mode: 0o755 });
    assert.equal(await lingerEnabled('ann', { loginctl, lingerDir: dir }), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schedule uninstall removes exactly the units drkit wrote and prints the disable command', async () => {
  const box = makeSandbox();
  try {
    assert.equal(await run({ action: 'install', config: box.config }, captureIO()), ExitCode.ok);
    const folder = join(box.env.XDG_CONFIG_HOME ?? '', 'systemd', 'user');
    // the owner's own units stay: another unit, and one under a drkit name that drkit did not write
    writeFileSync(join(folder, 'mine.service'), '[Service]\nExecStart=/bin/true\n');
    rmSync(join(folder, 'drkit-check.timer'));
    writeFileSync(join(folder, 'drkit-check.timer'), '[Timer]\nOnCalendar=daily\n');
    mkdirSync(join(folder, 'timers.target.wants'));
    const status = captureIO(true);
    assert.equal(await runStatus({ config: box.config, json: true }, status), ExitCode.stale);
    assert.deepEqual((status.jsonValues[0] as { schedule: { state: string; units: string[] } }).schedule.units.length, 5);
    const io = captureIO();
    assert.equal(await run({ action: 'uninstall' }, io), ExitCode.ok);
    assert.deepEqual(readdirSync(folder).sort(), ['drkit-check.timer', 'mine.service', 'timers.target.wants']);
    assert.equal(readFileSync(join(folder, 'drkit-check.timer'), 'utf8'), '[Timer]\nOnCalendar=daily\n');
    assert.deepEqual(io.outLines, ['systemctl --user disable --now drkit-backup-offsite.timer drkit-backup-onsite.timer; systemctl --user daemon-reload']);
    assert.equal(io.noteLines.filter((line) => line.startsWith('removed ')).length, 5);
    // a second uninstall finds nothing of drkit's and says so
    const again = captureIO(true);
    assert.equal(await run({ action: 'uninstall', json: true }, again), ExitCode.ok);
    assert.deepEqual(again.jsonValues[0], { message_type: 'schedule_uninstall', kind: 'systemd', folder, removed: [], disable: null });
  } finally {
    box.cleanup();
  }
});

test('schedule uninstall --cron removes drkit\'s crontab file and prints the command that drops only drkit\'s lines', async () => {
  const box = makeSandbox();
  try {
    assert.equal(await run({ action: 'install', config: box.config, cron: true }, captureIO()), ExitCode.ok);
    const file = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'crontab');
    const lines = readFileSync(file, 'utf8');
    const io = captureIO();
    assert.equal(await run({ action: 'uninstall', cron: true }, io), ExitCode.ok);
    assert.equal(existsSync(file), false);
    assert.deepEqual(io.noteLines[0], `removed ${file}`);
    const command = io.outLines[0] ?? '';
    assert.match(command, /\| crontab -$/);
    // the command's filter, run on a crontab of the owner's lines and drkit's: only drkit's lines go
    const own = '0 1 * * * /usr/local/bin/my-job # drkit-like but mine\n15 2 * * * echo "# drkit-check is in the middle"\n';
    const filter = command.replace(/^crontab -l 2>\/dev\/null \| /, '').replace(/ \| crontab -$/, '');
    const kept = execFileSync('/bin/sh', ['-c', filter], { input: own + lines, encoding: 'utf8' });
    assert.equal(kept, own);
  } finally {
    box.cleanup();
  }
});

test('status says in one line, and in its JSON, whether the schedule is installed', async () => {
  const box = makeSandbox();
  try {
    const before = captureIO();
    await runStatus({ config: box.config }, before);
    assert.equal(before.outLines.filter((line) => line.startsWith('schedule: ')).length, 1);
    assert.ok(before.outLines.includes('schedule: not installed (drkit schedule install)'), before.outLines.join('\n'));
    assert.equal(await run({ action: 'install', config: box.config }, captureIO()), ExitCode.ok);
    const after = captureIO();
    await runStatus({ config: box.config }, after);
    const folder = join(box.env.XDG_CONFIG_HOME ?? '', 'systemd', 'user');
    assert.ok(after.outLines.includes(`schedule: systemd user timers installed (3 timers in ${folder})`), after.outLines.join('\n'));
    const json = captureIO(true);
    await runStatus({ config: box.config, json: true }, json);
    const schedule = (json.jsonValues[0] as { schedule: Record<string, unknown> }).schedule;
    assert.equal(schedule.state, 'systemd');
    assert.equal((schedule.units as string[]).length, 6);
    assert.equal(schedule.cronFile, null);
  } finally {
    box.cleanup();
  }
});

test('systemd-analyze verify accepts the generated units', async (t) => {
  const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));
  if (analyze === undefined) {
    t.skip('systemd-analyze is not installed on this machine');
    return;
  }
  const box = makeSandbox();
  try {
    box.writeConfig(`sources: [${box.source}]\nsecrets: ${box.secrets}\nonsite:\n  target: ${box.target}\noffsite:\n  repository: ${box.repository}\ndrill:\n  kit: ${box.root}\n`);
    assert.equal(await run({ action: 'install', config: box.config }, captureIO()), ExitCode.ok);
    const folder = join(box.env.XDG_CONFIG_HOME ?? '', 'systemd', 'user');
    const units = readdirSync(folder).map((name) => join(folder, name));
    assert.equal(units.length, 8);
    // a user manager needs a runtime folder; a private one keeps the check off the real session
    const runtime = join(box.root, 'run');
    mkdirSync(runtime, { mode: 0o700 });
    const result = spawnSync(analyze, ['--user', 'verify', ...units], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.equal(result.stderr.trim(), '', result.stderr);
  } finally {
    box.cleanup();
  }
});

test('status after schedule install --cron: the lines are written; whether they are in the crontab is said as found', async () => {
  const box = makeSandbox();
  try {
    assert.equal(await run({ action: 'install', config: box.config, cron: true }, captureIO()), ExitCode.ok);
    const file = join(box.env.XDG_CONFIG_HOME ?? '', 'drkit', 'crontab');
    const io = captureIO();
    await runStatus({ config: box.config }, io);
    const line = io.outLines.find((text) => text.startsWith('schedule: ')) ?? '';
    const json = captureIO(true);
    await runStatus({ config: box.config, json: true }, json);
    const schedule = (json.jsonValues[0] as { schedule: { state: string; cronFile: string; crontabLines: number | null } }).schedule;
    assert.equal(schedule.cronFile, file);
    if (schedule.crontabLines === null) {
      // no crontab program here (or it cannot be read): said so, not guessed
      assert.equal(schedule.state, 'written');
      assert.equal(line, `schedule: crontab lines written to ${file}; your crontab could not be read to see whether they are in it`);
    } else if (schedule.crontabLines === 0) {
      assert.equal(schedule.state, 'written');
      assert.equal(line, `schedule: crontab lines written to ${file} but not in your crontab (drkit schedule install --cron prints the command)`);
    } else {
      assert.equal(schedule.state, 'cron');
    }
  } finally {
    box.cleanup();
  }
});

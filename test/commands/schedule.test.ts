import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { run } from '../../src/commands/schedule.js';
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
    assert.match((install.jsonValues[0] as { enable: string }).enable, /grep -v -E '# drkit-\(backup-\|check\$\)'/);
    box.writeConfig(`sources: [${box.source}]\nsecrets: ${box.secrets}\noffsite:\n  repository: ${box.repository}\n  check: false\n`);
    const off = captureIO();
    assert.equal(await run({ action: 'print', config: box.config, cron: true }, off), ExitCode.ok);
    assert.equal(off.outLines.length, 1);
    assert.doesNotMatch(off.outLines[0] ?? '', /check/);
  } finally {
    box.cleanup();
  }
});

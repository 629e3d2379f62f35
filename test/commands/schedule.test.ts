import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { run } from '../../src/commands/schedule.js';
import { captureIO, makeSandbox } from './backup-io.js';

test('schedule print: a service and a persistent timer per configured job, and the enable command', async () => {
  const box = makeSandbox();
  try {
    const io = captureIO();
    assert.equal(await run({ action: 'print', config: box.config }, io), ExitCode.ok);
    const text = io.outLines.join('\n');
    assert.match(text, new RegExp(`^# ${box.env.XDG_CONFIG_HOME}/systemd/user/drkit-backup-onsite\\.service$`, 'm'));
    assert.equal(text.match(/^Persistent=true$/gm)?.length, 2);
    assert.match(text, new RegExp(`^ExecStart="${process.execPath}" ".*/cli\\.js" "backup" "offsite" "--config" "${box.config}"$`, 'm'));
    assert.equal(io.outLines.at(-1), '# enable with: systemctl --user daemon-reload && systemctl --user enable --now drkit-backup-onsite.timer drkit-backup-offsite.timer');
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
    assert.deepEqual(readdirSync(folder).sort(), ['drkit-backup-offsite.service', 'drkit-backup-offsite.timer', 'drkit-backup-onsite.service', 'drkit-backup-onsite.timer']);
    assert.match(readFileSync(join(folder, 'drkit-backup-offsite.timer'), 'utf8'), /^OnCalendar=\*-\*-\* 03:00:00$/m);
    assert.deepEqual(io.outLines, ['systemctl --user daemon-reload && systemctl --user enable --now drkit-backup-onsite.timer drkit-backup-offsite.timer']);
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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crontabLines, cronTime, enableCommand, onCalendar, systemdUnits, type ScheduleInput } from '../../src/core/schedule.js';

const input: ScheduleInput = {
  node: '/usr/bin/node',
  cli: '/opt/drkit/dist/src/cli.js',
  config: '/home/me/.config/drkit/my config%.yaml',
  jobs: [{ job: 'onsite', every: 'hourly' }, { job: 'offsite', every: 'daily', at: '02:30' }],
};

test('systemd units: a oneshot service and a persistent timer per job', () => {
  const units = systemdUnits(input);
  assert.deepEqual(units.map((unit) => unit.name), ['drkit-backup-onsite.service', 'drkit-backup-onsite.timer', 'drkit-backup-offsite.service', 'drkit-backup-offsite.timer']);
  const service = units[2]?.text ?? '';
  assert.match(service, /^Type=oneshot$/m);
  assert.match(service, /^ExecStart="\/usr\/bin\/node" "\/opt\/drkit\/dist\/src\/cli\.js" "backup" "offsite" "--config" "\/home\/me\/\.config\/drkit\/my config%%\.yaml"$/m);
  assert.match(service, /^After=network-online\.target$/m);
  const timer = units[3]?.text ?? '';
  assert.match(timer, /^OnCalendar=\*-\*-\* 02:30:00$/m);
  assert.match(timer, /^Persistent=true$/m);
  assert.match(timer, /^WantedBy=timers\.target$/m);
  assert.match(units[1]?.text ?? '', /^OnCalendar=hourly$/m);
  assert.doesNotMatch(units[0]?.text ?? '', /network-online/);
});

test('calendar expressions', () => {
  assert.equal(onCalendar({ job: 'onsite', every: 'weekly' }), 'Mon *-*-* 03:00:00');
  assert.equal(cronTime({ job: 'onsite', every: 'weekly', at: '23:05' }), '5 23 * * 1');
  assert.equal(cronTime({ job: 'onsite', every: 'daily' }), '0 3 * * *');
  assert.equal(cronTime({ job: 'onsite', every: 'hourly' }), '0 * * * *');
});

test('the enable command names every timer', () => {
  assert.equal(enableCommand(input.jobs), 'systemctl --user daemon-reload && systemctl --user enable --now drkit-backup-onsite.timer drkit-backup-offsite.timer');
});

test('crontab lines quote for the shell and escape % for cron', () => {
  assert.deepEqual(crontabLines(input), [
    "0 * * * * /usr/bin/node /opt/drkit/dist/src/cli.js backup onsite --config '/home/me/.config/drkit/my config\\%.yaml' # drkit-backup-onsite",
    "30 2 * * * /usr/bin/node /opt/drkit/dist/src/cli.js backup offsite --config '/home/me/.config/drkit/my config\\%.yaml' # drkit-backup-offsite",
  ]);
});

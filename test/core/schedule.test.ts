import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allUnitNames, CRON_TAG, crontabCommand, crontabLines, cronTime, disableCommand, enableCommand, isDrkitUnit, onCalendar, systemdUnits, type ScheduleInput } from '../../src/core/schedule.js';

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
  // a user manager cannot order against system targets: no network-online.target in user units
  assert.doesNotMatch(service.replace(/^#.*\n/gm, ''), /network-online|^(?:Wants|After)=/m);
  assert.match(service, /^# no network-online\.target: a user unit cannot wait for it/m);
  assert.doesNotMatch(units[0]?.text ?? '', /network/, 'the onsite job needs no network note');
  assert.match(service, /^# written by drkit schedule install/);
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

test('uninstall recognises only drkit\'s own units, and its crontab filter keeps every other line', () => {
  for (const unit of systemdUnits({ ...input, jobs: [...input.jobs, { job: 'check', every: 'weekly' }, { job: 'drill', every: 'monthly' }] })) {
    assert.ok(isDrkitUnit(unit.text), unit.name);
    assert.ok(allUnitNames().includes(unit.name), unit.name);
  }
  assert.equal(isDrkitUnit('[Timer]\nOnCalendar=daily\n# written by drkit schedule install\n'), false);
  assert.equal(disableCommand(['drkit-check.timer']), 'systemctl --user disable --now drkit-check.timer; systemctl --user daemon-reload');
  for (const line of crontabLines(input)) assert.match(line, CRON_TAG);
  assert.doesNotMatch('0 1 * * * my-job # drkit-backup-onsite-copy', CRON_TAG);
  assert.equal(crontabCommand("/home/me/it's/crontab"), "(crontab -l 2>/dev/null | grep -v -E '# drkit-(backup-(onsite|offsite|drill)|check)$'; cat '/home/me/it'\\''s/crontab') | crontab -");
});

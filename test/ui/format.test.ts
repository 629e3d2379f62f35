import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { formatLocalTime, plural } from '../../src/ui/format.js';

test('plural: one word for one, the plural for any other count, never "(s)"', () => {
  assert.equal(plural(1, 'file'), '1 file');
  assert.equal(plural(0, 'file'), '0 files');
  assert.equal(plural(2, 'snapshot'), '2 snapshots');
  assert.equal(plural(3, 'entry', 'entries'), '3 entries');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
});

test('formatLocalTime: the time in the given zone, with the zone named', () => {
  const iso = '2026-07-01T10:05:30.000Z';
  assert.equal(formatLocalTime(iso, 'UTC'), '2026-07-01 10:05 UTC');
  assert.equal(formatLocalTime(iso, 'America/New_York'), '2026-07-01 06:05 EDT');
  assert.equal(formatLocalTime('2026-12-01T23:30:00Z', 'Asia/Tokyo'), '2026-12-02 08:30 GMT+9');
  // midnight is 00, not 24 (hourCycle h23)
  assert.equal(formatLocalTime('2026-12-01T00:00:00Z', 'UTC'), '2026-12-01 00:00 UTC');
  assert.equal(formatLocalTime('not a time'), 'not a time');
});

/** instants a status line may show: both halves of the year (summer time), midnight and the last minute of a day */
const INSTANTS = ['2026-01-15T12:00:00.000Z', '2026-07-15T12:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-03-29T23:59:59.999Z', '2025-10-26T00:30:00.000Z'];

/** what formatLocalTime printed before it had a quick path: Intl in the process's default zone */
function viaIntl(iso: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((item) => item.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}

/** formatLocalTime in the process's zone (its quick path without Intl, where it takes one) against Intl in that zone */
function compareEveryZone(zones: readonly string[]): string[] {
  const saved = process.env['TZ'];
  const differences: string[] = [];
  try {
    for (const zone of zones) {
      process.env['TZ'] = zone;
      for (const iso of INSTANTS) {
        const local = formatLocalTime(iso);
        const reference = viaIntl(iso);
        if (local !== reference) differences.push(`${zone} ${iso}: "${local}", Intl says "${reference}"`);
      }
    }
  } finally {
    if (saved === undefined) delete process.env['TZ'];
    else process.env['TZ'] = saved;
  }
  return differences;
}

test('formatLocalTime without a zone prints what Intl prints, in every zone (the quick path for UTC included)', () => {
  const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Europe/London', 'Africa/Abidjan', 'EST5EDT', 'UTC0', 'Nowhere/Unknown', ''];
  assert.ok(zones.length > 300);
  assert.deepEqual(compareEveryZone(zones), []);
});

test('formatLocalTime without a zone, in a locale that names zones in another language, still prints en-US zone names', () => {
  const module = new URL('../../src/ui/format.js', import.meta.url).href;
  const script = `import { formatLocalTime } from ${JSON.stringify(module)};
    const out = ['UTC', 'Europe/London', 'America/New_York', 'Europe/Berlin'].map((zone) => { process.env.TZ = zone; return formatLocalTime('2026-01-15T12:00:00.000Z') + ' / ' + formatLocalTime('2026-01-15T12:00:00.000Z', zone); });
    process.stdout.write(JSON.stringify(out));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, LC_ALL: 'de_DE.UTF-8', LANG: 'de_DE.UTF-8' }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), [
    '2026-01-15 12:00 UTC / 2026-01-15 12:00 UTC', '2026-01-15 12:00 GMT / 2026-01-15 12:00 GMT',
    '2026-01-15 07:00 EST / 2026-01-15 07:00 EST', '2026-01-15 13:00 GMT+1 / 2026-01-15 13:00 GMT+1',
  ]);
});

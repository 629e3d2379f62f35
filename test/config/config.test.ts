import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.js';
import { formatAge, parseDuration } from '../../src/config/duration.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

const FILE = '/home/me/.config/drkit/config.yaml';

function mistakeOf(text: string): string {
  try {
    parseConfig(text, FILE, 'box');
  } catch (error) {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.code, 'E_CONFIG');
    return error.message;
  }
  assert.fail('config was accepted');
}

const GOOD = `# my backups
sources:
  - ~/Documents
  - photos
exclude: ["*.tmp", .cache]
secrets: secrets/secrets.env
onsite:
  target: /media/usb/backups
  keep: { all: 24h, daily: 30d }
  maxAge: 26h
offsite:
  repository: rest:http://127.0.0.1:8000/repo
  keep: { daily: 7, within: 1y6m }
  maxAge: 8d
  healthcheck: https://hc-ping.com/abc
`;

test('a good config is resolved: absolute paths, durations in ms, defaults filled in', () => {
  const config = parseConfig(GOOD, FILE, 'box');
  assert.equal(config.host, 'box');
  assert.ok(config.sources[0]?.endsWith('/Documents') && config.sources[0].startsWith('/'));
  assert.equal(config.sources[1], '/home/me/.config/drkit/photos');
  assert.deepEqual(config.exclude, ['*.tmp', '.cache']);
  assert.equal(config.secrets, '/home/me/.config/drkit/secrets/secrets.env');
  assert.equal(config.onsite?.target, '/media/usb/backups');
  assert.deepEqual(config.onsite?.keep, { all: 24 * 3600e3, daily: 30 * 86400e3, weekly: 52 * 7 * 86400e3, monthly: null });
  assert.equal(config.onsite?.maxAge, 26 * 3600e3);
  assert.deepEqual(config.onsite?.schedule, { every: 'hourly' });
  assert.equal(config.offsite?.repository, 'rest:http://127.0.0.1:8000/repo');
  assert.deepEqual(config.offsite?.keep, { daily: 7, within: '1y6m' });
  assert.equal(config.offsite?.maxAge, 8 * 86400e3);
  assert.deepEqual(config.offsite?.healthcheck, { start: 'https://hc-ping.com/abc/start', success: 'https://hc-ping.com/abc', fail: 'https://hc-ping.com/abc/fail' });
});

test('remote onsite targets and local repository paths', () => {
  const config = parseConfig('sources: [/data]\nonsite:\n  target: me@nas:/volume1/backups\n  ssh: { port: 2222 }\noffsite:\n  repository: ../repo\n', FILE, 'box');
  assert.equal(config.onsite?.target, 'me@nas:/volume1/backups');
  assert.deepEqual(config.onsite?.ssh, { port: 2222 });
  assert.equal(config.offsite?.repository, '/home/me/.config/repo');
});

test('an unknown key is named with its line', () => {
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  maxage: 3d\n'), 'config.yaml:4: onsite.maxage: unknown key "maxage"');
  assert.equal(mistakeOf('source: [/a]\nonsite:\n  target: /b\n'), 'config.yaml has 2 mistakes:\n  config.yaml:1: sources: is required\n  config.yaml:1: source: unknown key "source" (did you mean "sources"?)');
});

test('a wrong value is named with its line and the rule', () => {
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n\n  maxAge: 26 hours\n'),
    'config.yaml:5: onsite.maxAge: must be a duration such as "26h", "8d" or "2w" (units s, m, h, d, w, y)');
  assert.equal(mistakeOf('sources:\n  - /a\n  - 7\nonsite: { target: /b }\n'), 'config.yaml:3: sources[1]: must be a path');
  assert.equal(mistakeOf('sources: [/a]\noffsite:\n  repository: ftp://host/x\n'),
    'config.yaml:3: offsite.repository: must be a path or a restic repository URL (local:, sftp:, rest:, s3:, b2:, azure:, gs:, swift:, rclone:)');
  assert.equal(mistakeOf('sources: [/a]\noffsite:\n  repository: /r\n  keep:\n    daily: 0\n'), 'config.yaml:5: offsite.keep.daily: must be at least 1');
  assert.equal(mistakeOf('sources: [/a]\noffsite:\n  repository: /r\n  keep: {}\n'),
    'config.yaml:4: offsite.keep: must name at least one keep rule, or restic would forget every snapshot');
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  healthcheck: ftp://x\n'),
    'config.yaml:4: onsite.healthcheck: must be an http:// or https:// URL');
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  schedule: sometimes\n'),
    'config.yaml:4: onsite.schedule: must be "hourly", "daily", "weekly", "daily at HH:MM", "weekly at HH:MM" or "HH:MM"');
});

test('a missing key is reported at the map that should hold it', () => {
  assert.equal(mistakeOf('sources: [/a]\n\noffsite:\n  keep: { daily: 3 }\n'), 'config.yaml:3: offsite.repository: is required');
  assert.equal(mistakeOf('sources: [/a]\n'), 'config.yaml:1: must configure at least one job: onsite or offsite');
  assert.equal(mistakeOf(''), 'config.yaml:1: sources: is required');
  assert.equal(mistakeOf('- a\n- b\n'), 'config.yaml:1: must be a map of settings (sources, onsite, offsite, ...)');
});

test('YAML syntax errors and duplicate keys carry their line', () => {
  assert.match(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  target: /c\n'), /^config\.yaml:4: not valid YAML: map keys must be unique/);
  assert.match(mistakeOf('sources: [/a\nonsite: x\n'), /^config\.yaml(:\d+| has)/);
});

test('all mistakes are listed in line order, with structured details', () => {
  try {
    parseConfig('sources: [/a]\nonsite:\n  target: /b\n  keep:\n    daily: often\n  colour: red\n', FILE, 'box');
    assert.fail('accepted');
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.deepEqual((error.details as { mistakes: unknown }).mistakes, [
      { line: 5, path: 'onsite.keep.daily', message: 'must be a duration such as "26h", "8d" or "2w" (units s, m, h, d, w, y)' },
      { line: 6, path: 'onsite.colour', message: 'unknown key "colour"' },
    ]);
    assert.deepEqual(error.hints, [`fix ${FILE} (every key is described in docs/config.md)`]);
  }
});

test('a missing config file says where it looked and how to fix it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-config-'));
  try {
    assert.throws(() => loadConfig(join(dir, 'nope.yaml')), (error: unknown) =>
      error instanceof UserError && error.code === 'E_CONFIG_MISSING' && error.message === `config file ${join(dir, 'nope.yaml')} does not exist`);
    writeFileSync(join(dir, 'config.yaml'), 'sources: [data]\noffsite: { repository: repo }\n');
    const config = loadConfig(join(dir, 'config.yaml'));
    assert.deepEqual(config.sources, [join(dir, 'data')]);
    assert.equal(config.offsite?.repository, join(dir, 'repo'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('durations', () => {
  assert.equal(parseDuration('26h'), 26 * 3600e3);
  assert.equal(parseDuration('1d12h'), 36 * 3600e3);
  assert.equal(parseDuration('2w'), 14 * 86400e3);
  assert.equal(parseDuration('30m'), 30 * 60e3);
  assert.equal(parseDuration('90s'), 90e3);
  for (const bad of ['', '5', '26 hours', '1mo', '0h', '-1d']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(formatAge(45_000), '45s');
  assert.equal(formatAge(3 * 3600e3 + 12 * 60e3), '3h 12m');
  assert.equal(formatAge(50 * 3600e3), '2d 2h');
});

test('the kit: section: owner, notes, onsite and maxAge (default 365d); mistakes named with their line', () => {
  const config = parseConfig('sources: [/data]\noffsite:\n  repository: /repo\nkit:\n  owner: Ann Example\n  notes: |\n    the NAS is in the attic\n  maxAge: 180d\n', FILE, 'box');
  assert.deepEqual(config.kit, { owner: 'Ann Example', notes: 'the NAS is in the attic\n', maxAge: 180 * 86_400_000, maxAgeText: '180d' });
  assert.equal(parseConfig('sources: [/data]\noffsite:\n  repository: /repo\nkit:\n  owner: Ann\n', FILE, 'box').kit?.maxAgeText, '365d');
  assert.equal(parseConfig('sources: [/data]\noffsite:\n  repository: /repo\n', FILE, 'box').kit, undefined);
  assert.equal(mistakeOf('sources: [/data]\noffsite:\n  repository: /repo\nkit:\n  owner: Ann\n  maxAge: yearly\n'),
    'config.yaml:6: kit.maxAge: must be a duration such as "26h", "8d" or "2w" (units s, m, h, d, w, y)');
  assert.match(mistakeOf('sources: [/data]\noffsite:\n  repository: /repo\nkit:\n  ownr: Ann\n'), /^config\.yaml:5: kit\.ownr: unknown key "ownr"/);
});

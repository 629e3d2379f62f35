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

test('onsite.target: the config accepts exactly what the target adapter can open (one grammar)', async () => {
  const { parseTarget } = await import('../../src/adapters/onsite-target.js');
  for (const target of ['/media/usb/backups', './a:b', '~/backups', 'nas_box:/volume1', 'backup@nas.local:/volume1/b', 'nas:', 'me@[::1]:b k',
    '-oProxyCommand=x:/b', 'a b:/c', '@host:/x', 'host!:/x', 'ann@:/x']) {
    let adapter = true;
    try {
      parseTarget(target);
    } catch {
      adapter = false;
    }
    let config = true;
    try {
      parseConfig(`sources: [/data]\nonsite:\n  target: ${JSON.stringify(target)}\n`, FILE, 'box');
    } catch {
      config = false;
    }
    assert.equal(config, adapter, `${target}: config ${config ? 'accepts' : 'refuses'} it, the adapter ${adapter ? 'opens' : 'refuses'} it`);
  }
  assert.equal(parseConfig('sources: [/data]\nonsite:\n  target: nas_box:/volume1\n', FILE, 'box').onsite?.target, 'nas_box:/volume1', 'a remote target is kept as written');
});

test('onsite.keep: the keys left out take the one set of defaults (src/core/retention.ts)', async () => {
  const { DEFAULT_RETENTION } = await import('../../src/core/retention.js');
  assert.deepEqual(parseConfig('sources: [/data]\nonsite:\n  target: /media/usb\n', FILE, 'box').onsite?.keep, DEFAULT_RETENTION);
  assert.deepEqual(parseConfig('sources: [/data]\nonsite:\n  target: /media/usb\n  keep: { daily: 7d }\n', FILE, 'box').onsite?.keep,
    { ...DEFAULT_RETENTION, daily: 7 * 86_400_000 });
});

test('offsite.check: a weekly restic check by default; a read-data share; false turns it off; mistakes have lines', () => {
  const base = 'sources: [/data]\noffsite:\n  repository: /srv/repo\n';
  assert.deepEqual(parseConfig(base, FILE, 'box').offsite?.check, { schedule: { every: 'weekly', at: '04:00' }, maxAge: 8 * 86_400_000, maxAgeText: '8d' });
  assert.deepEqual(parseConfig(`${base}  check: { readDataSubset: "5%", schedule: daily, maxAge: 2d }\n`, FILE, 'box').offsite?.check,
    { schedule: { every: 'daily' }, readDataSubset: '5%', maxAge: 2 * 86_400_000, maxAgeText: '2d' });
  assert.equal(parseConfig(`${base}  check: false\n`, FILE, 'box').offsite?.check, undefined);
  assert.equal(mistakeOf(`${base}  check: { readDataSubset: lots }\n`), 'config.yaml:4: offsite.check.readDataSubset: must be a share of the data such as "5%", "1/10" or "500M"');
  assert.equal(mistakeOf(`${base}  check: true\n`), 'config.yaml:4: offsite.check: must be false (no repository check) or a map with schedule, readDataSubset, maxAge and hooks');
});

test('onsite.removable: true is the target itself; a path must hold the target; remote targets cannot be removable', () => {
  const config = (extra: string, target = '/media/usb/backups'): string => `sources: [/data]\nonsite:\n  target: ${target}\n${extra}`;
  assert.equal(parseConfig(config('  removable: true\n'), FILE, 'box').onsite?.removable, '/media/usb/backups');
  assert.equal(parseConfig(config('  removable: /media/usb\n'), FILE, 'box').onsite?.removable, '/media/usb');
  assert.equal(parseConfig(config('  removable: false\n'), FILE, 'box').onsite?.removable, false, 'false: the owner says it is an internal disk');
  assert.match(mistakeOf(config('  removable: /mnt/other\n')), /onsite.removable: the target \/media\/usb\/backups is not under the mount point \/mnt\/other/);
  assert.match(mistakeOf(config('  removable: true\n', 'nas:/b')), /onsite.removable: applies to a local target only/);
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

test('hooks: before/after/failure lists of commands and a timeout, per job and for the check', () => {
  const config = parseConfig([
    'sources: [/data]',
    'onsite:',
    '  target: /mnt/usb',
    '  hooks:',
    '    before: ["mountpoint -q /mnt/usb || mount /mnt/usb"]',
    '    after: [umount /mnt/usb]',
    'offsite:',
    '  repository: /repo',
    '  hooks: { failure: ["notify-send drkit failed"], timeout: 30s }',
    '  check:',
    '    hooks: { before: ["true"] }',
  ].join('\n'), FILE, 'box');
  assert.deepEqual(config.onsite?.hooks, { before: ['mountpoint -q /mnt/usb || mount /mnt/usb'], after: ['umount /mnt/usb'], failure: [], timeout: 300_000, timeoutText: '5m' });
  assert.deepEqual(config.offsite?.hooks, { before: [], after: [], failure: ['notify-send drkit failed'], timeout: 30_000, timeoutText: '30s' });
  assert.deepEqual(config.offsite?.check?.hooks?.before, ['true']);
  assert.equal(parseConfig('sources: [/data]\nonsite:\n  target: /b\n', FILE, 'box').onsite?.hooks, undefined);
});

test('hooks: mistakes are named with their line and the rule', () => {
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  hooks:\n    before: "mount /b"\n'), 'config.yaml:5: onsite.hooks.before: must be a list of shell commands');
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  hooks:\n    after:\n      - umount /b\n      - ""\n'), 'config.yaml:7: onsite.hooks.after[1]: must be a shell command (run with /bin/sh -c)');
  assert.equal(mistakeOf('sources: [/a]\noffsite:\n  repository: /r\n  hooks:\n    timeout: soon\n'), 'config.yaml:5: offsite.hooks.timeout: must be a duration such as "26h", "8d" or "2w" (units s, m, h, d, w, y)');
  assert.equal(mistakeOf('sources: [/a]\noffsite:\n  repository: /r\n  check:\n    hooks:\n      onfail: [x]\n'), 'config.yaml:6: offsite.check.hooks.onfail: unknown key "onfail"');
  assert.equal(mistakeOf('sources: [/a]\nonsite:\n  target: /b\n  hooks: [mount /b]\n'), 'config.yaml:4: onsite.hooks: must be a map with before, after and failure (lists of shell commands) and timeout');
});

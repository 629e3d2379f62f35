import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canaryText, judgeKit, type KitRecord } from '../../src/core/kit-record.js';
import { kitFingerprint } from '../../src/core/kit-fingerprint.js';

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);
const BUNDLE = { repository: 's3:https://s3.example/bucket', resticPassword: 'spring-2024', env: { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' }, repositoryId: 'a1b2c3d4' };
const NOW = new Date('2027-01-10T12:00:00Z');
const DAY = 86_400_000;

const record = (extra: Partial<KitRecord> = {}): KitRecord => ({
  kitId: '7QF2-9KXA', createdOn: '2026-12-01', createdAt: '2026-12-01T10:00:00.000Z', custodians: ['Ann', 'Ben', 'Cy'], n: 3, k: 2,
  fingerprint: kitFingerprint(BUNDLE, KEY), verified: true, ...extra,
});

test('fingerprint: keyed, stable, and changes with every credential but not with the order of env', () => {
  const fingerprint = kitFingerprint(BUNDLE, KEY);
  assert.match(fingerprint, /^hmac-sha256:[0-9a-f]{64}$/);
  assert.equal(kitFingerprint({ ...BUNDLE, env: { AWS_SECRET_ACCESS_KEY: 'secret', AWS_ACCESS_KEY_ID: 'id' } }, KEY), fingerprint);
  assert.notEqual(kitFingerprint(BUNDLE, OTHER_KEY), fingerprint, 'another key gives another fingerprint: it cannot be recomputed without the key');
  const changes = [
    { ...BUNDLE, resticPassword: 'spring-2O24' },
    { ...BUNDLE, repository: 's3:https://s3.example/other' },
    { ...BUNDLE, env: { ...BUNDLE.env, AWS_SECRET_ACCESS_KEY: 'rotated' } },
    { ...BUNDLE, repositoryId: 'ffffffff' },
    { ...BUNDLE, repositoryId: undefined },
  ];
  for (const changed of changes) assert.notEqual(kitFingerprint(changed, KEY), fingerprint, JSON.stringify(changed));
  assert.ok(!fingerprint.includes('spring'), 'nothing of the password in it');
});

test('judgeKit: ok, outdated before due, due after maxAge, unverified, unknown, none', () => {
  const current = { fingerprint: kitFingerprint(BUNDLE, KEY) };
  const year = 365 * DAY;
  assert.deepEqual([judgeKit(record(), current, year, '365d', NOW).state, judgeKit(record(), current, year, '365d', NOW).stale], ['ok', false]);

  const outdated = judgeKit(record({ createdAt: '2025-01-01T00:00:00Z' }), { fingerprint: kitFingerprint({ ...BUNDLE, resticPassword: 'new' }, KEY) }, year, '365d', NOW);
  assert.equal(outdated.state, 'outdated', 'a changed password wins over an old kit');
  assert.equal(outdated.stale, true);
  assert.match(outdated.problem ?? '', /^kit outdated: .*--supersedes 7QF2-9KXA/);

  const due = judgeKit(record(), current, 30 * DAY, '30d', NOW, (ms) => `${Math.round(ms / DAY)}d`);
  assert.equal(due.state, 'due');
  assert.equal(due.stale, true);
  assert.equal(due.problem, 'kit due for re-check: kit 7QF2-9KXA is 40d old, more than kit.maxAge 30d; ask the holders about their sheets and run a drill');

  assert.equal(judgeKit(record({ verified: false }), current, year, '365d', NOW).state, 'unverified');
  const unknown = judgeKit(record(), { unknown: 'offsite.passwordCommand failed' }, year, '365d', NOW);
  assert.deepEqual([unknown.state, unknown.stale], ['unknown', false]);
  assert.deepEqual([judgeKit(undefined, current, year, '365d', NOW).state, judgeKit(undefined, current, year, '365d', NOW).stale], ['none', false]);
});

test('canary text names the kit and its date', () => {
  assert.equal(canaryText('7QF2-9KXA', '2026-12-01'), 'drkit canary: this backup belongs with recovery kit 7QF2-9KXA made on 2026-12-01\n');
});

test('the guide gets canary, canaryPath and canaryText as values (and safe empty ones without a canary)', async () => {
  const { makeKit } = await import('../render/helpers.js');
  const { guideValues } = await import('../../src/render/guide.js');
  const { readPackageText } = await import('../../src/render/assets.js');
  const { kit } = await makeKit();
  // the real combiner: the guide prints its seal, so it must be sealed (templates/recover/combine.py)
  const combiner = readPackageText('templates/recover/combine.py');
  const path = '/home/ann/.local/state/drkit/canary/drkit-canary.txt';
  const values = guideValues(kit, combiner, { path, text: canaryText(kit.kitIdDisplay, kit.createdOn) });
  assert.equal(values.canary, true);
  assert.equal(values.canaryPath, path);
  assert.equal(values.canaryText, `drkit canary: this backup belongs with recovery kit ${kit.kitIdDisplay} made on ${kit.createdOn}`);
  const without = guideValues(kit, combiner);
  assert.deepEqual([without.canary, 'canaryPath' in without, without.canaryPath], [false, true, undefined]);
});

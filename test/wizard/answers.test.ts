/** The wizard's pure rules: repository URLs both ways, the threshold advice, failure causes, mounts, the texts it writes. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { parseSecrets } from '../../src/adapters/secrets.js';
import { deterministicRandom } from '../../src/core/random.js';
import { configText, draftFromFlags, draftFromSetup, parseAnswers, recordText, secretsText } from '../../src/wizard/answers.js';
import { answersToCorrect, connectionCause, generatePassword, offsiteAnswersOf, parseMounts, recommendedThreshold, repositoryOf, thresholdReason } from '../../src/wizard/derive.js';
import { wrap } from '../../src/wizard/prompter.js';
import type { Draft } from '../../src/wizard/types.js';

test('repository URLs are built from the answers and read back from a config', () => {
  const cases: [Draft, string][] = [
    [{ offsite: 'b2-s3', b2Region: 'eu-central-003', bucket: 'ann-backups', bucketPath: 'laptop/' }, 's3:https://s3.eu-central-003.backblazeb2.com/ann-backups/laptop'],
    [{ offsite: 'b2-s3', b2Region: 'us-west-004', bucket: 'ann-backups', bucketPath: '' }, 's3:https://s3.us-west-004.backblazeb2.com/ann-backups'],
    [{ offsite: 'b2', bucket: 'ann-backups', bucketPath: 'laptop' }, 'b2:ann-backups:/laptop'],
    [{ offsite: 's3', s3Endpoint: 'https://s3.eu-central-1.wasabisys.com/', bucket: 'ann', bucketPath: '' }, 's3:https://s3.eu-central-1.wasabisys.com/ann'],
    [{ offsite: 'url', repositoryUrl: 'rest:http://127.0.0.1:8000/' }, 'rest:http://127.0.0.1:8000/'],
  ];
  for (const [draft, url] of cases) {
    assert.equal(repositoryOf(draft), url);
    const back = offsiteAnswersOf(url);
    assert.equal(repositoryOf({ ...back }), url, `${url} reads back to the same answers`);
    assert.equal(back.offsite, draft.offsite);
  }
  assert.equal(repositoryOf({ offsite: 'none' }), undefined);
});

test('the threshold advice: a majority, with its reason', () => {
  assert.deepEqual([2, 3, 4, 5, 6, 7].map(recommendedThreshold), [2, 2, 3, 3, 4, 4]);
  assert.equal(thresholdReason(3, 5), '3 of 5: 2 lost sheets or unreachable people do not stop a restore; 2 people colluding cannot open it');
  assert.equal(thresholdReason(2, 3), '2 of 3: one lost sheet or one unreachable person does not stop a restore; no one alone can open it');
  assert.equal(thresholdReason(2, 2), '2 of 2: every sheet is needed: one lost sheet stops a restore; no one alone can open it');
});

test('a failed check is read as its likely cause, and the answers to correct follow from it', () => {
  assert.equal(connectionCause('E_RESTIC_WRONG_PASSWORD', 'wrong password', 'url'), 'wrong-password');
  assert.equal(connectionCause('E_RESTIC_BACKEND_AUTH', 'the storage refused the credentials: InvalidAccessKeyId', 'b2-s3'), 'wrong-key');
  assert.equal(connectionCause('E_RESTIC_FAILED', 'The specified bucket does not exist. (NoSuchBucket)', 's3'), 'bucket-missing');
  assert.equal(connectionCause('E_RESTIC_UNREACHABLE', 'dial tcp: lookup s3.eu-west-009.backblazeb2.com: no such host', 'b2-s3'), 'wrong-region');
  assert.equal(connectionCause('E_RESTIC_UNREACHABLE', 'dial tcp: lookup s3.example.com: no such host', 's3'), 'no-network');
  assert.equal(connectionCause('E_RESTIC_UNREACHABLE', 'connection refused', 'url'), 'no-network');
  assert.deepEqual(answersToCorrect('wrong-key', 'b2-s3').slice(0, 2), ['keyId', 'secretKey']);
  assert.deepEqual(answersToCorrect('wrong-region', 'b2-s3')[0], 'b2Region');
  assert.deepEqual(answersToCorrect('bucket-missing', 'b2-s3')[0], 'bucket');
  assert.deepEqual(answersToCorrect('wrong-password', 'b2'), ['password']);
});

test('generated passwords: 160 bits as 8 groups of Crockford base32', () => {
  const random = deterministicRandom('pw', (data) => new Uint8Array(createHash('sha256').update(data).digest()));
  const one = generatePassword(random);
  assert.match(one, /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
  assert.notEqual(generatePassword(random), one);
});

test('/proc/mounts: real file systems kept, the system\'s own left out, escapes decoded', () => {
  const mounts = parseMounts([
    'proc /proc proc rw 0 0', 'tmpfs /run tmpfs rw 0 0', '/dev/sda1 / ext4 rw 0 0', '/dev/sdb1 /media/ann/My\\040Disk vfat rw 0 0',
    'overlay /var/lib/docker/x overlay rw 0 0', '/dev/sda2 /boot/efi vfat rw 0 0', '/dev/sdc1 /run/media/ann/usb exfat rw 0 0', '',
  ].join('\n'));
  assert.deepEqual(mounts.map((mount) => mount.mountPoint), ['/', '/media/ann/My Disk', '/run/media/ann/usb']);
});

test('answers file: keys named in mistakes; --custodians read as kit create reads it', () => {
  const ok = parseAnswers('sources: [~/Documents]\nthreshold: 3\ncustodians:\n  - { name: Ann, contact: "phone: 0101" }\nthen: [backup]\n', 'a.yaml');
  assert.deepEqual(ok.draft, { sources: ['~/Documents'], threshold: '3', custodians: [{ name: 'Ann', contact: 'phone: 0101' }] });
  assert.deepEqual(ok.then, ['backup']);
  assert.equal(ok.holdsSecrets, false);
  assert.equal(parseAnswers('password: x y z\n', 'a.yaml').holdsSecrets, true);
  assert.throws(() => parseAnswers('source: [/x]\nonsite: usb\n', 'a.yaml'), (error: unknown) => error instanceof Error
    && error.message.startsWith('answers file a.yaml: ') && error.message.includes('unknown key source') && error.message.includes('onsite: must be folder, ssh or none'));
  assert.deepEqual(draftFromFlags({ custodians: 'Ann Example <phone 0101, evenings>,Ben' }).custodians, [{ name: 'Ann Example', contact: 'phone 0101, evenings' }, { name: 'Ben' }]);
});

test('editing a config keeps every key and comment the wizard does not own, and says what it removes', () => {
  const before = [
    '# my backups',
    'sources: [/home/ann/Documents]',
    'secrets: secrets/secrets.env',
    'onsite:',
    '  target: /media/ann/disk/drkit',
    '  healthcheck: https://hc-ping.com/abc   # pinged by every run',
    'offsite:',
    '  repository: s3:https://s3.us-west-004.backblazeb2.com/ann',
    '  tags: [laptop]',
    '',
  ].join('\n');
  const draft = draftFromSetup(before, { RESTIC_PASSWORD: 'pw-old-123', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret', EXTRA: '1' }, null);
  assert.equal(draft.offsite, 'b2-s3');
  assert.equal(draft.b2Region, 'us-west-004');
  assert.equal(draft.password, 'pw-old-123');
  const edited = { ...draft, sources: ['/home/ann/Documents', '/home/ann/Pictures'], onsite: 'none' as const, offsiteSchedule: 'daily at 01:00' };
  const plan = configText(edited, repositoryOf(edited), 'secrets/secrets.env', before, false);
  assert.deepEqual(plan.removed, ['onsite']);
  assert.match(plan.text, /^# my backups/);
  assert.match(plan.text, /tags:\s*\[ laptop \]|tags:\n\s+- laptop/);
  const config = parseConfig(plan.text, '/home/ann/.config/drkit/config.yaml');
  assert.deepEqual(config.sources, ['/home/ann/Documents', '/home/ann/Pictures']);
  assert.deepEqual(config.offsite?.tags, ['laptop']);
  assert.deepEqual(config.offsite?.schedule, { every: 'daily', at: '01:00' });

  const secrets = secretsText({ ...edited, secretKey: 'new secret with spaces' }, { RESTIC_PASSWORD: 'pw-old-123', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret', EXTRA: '1' });
  assert.deepEqual(parseSecrets(secrets.text, 's'), { RESTIC_PASSWORD: 'pw-old-123', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'new secret with spaces', EXTRA: '1' });
  assert.deepEqual(secrets.keptUnused, ['EXTRA']);
  assert.equal(secrets.credentialsChanged, true);

  const record = recordText({ ...edited, keyId: 'key-id-4711', secretKey: 'secret-4712', password: 'pw-old-123', passwordMode: 'generate' });
  assert.ok(!/pw-old-123|4711|4712|keyId|secretKey|password:/.test(record), 'the record holds no secret');
  assert.equal(parseAnswers(record, 'answers.yaml').draft.passwordMode, 'keep');
});

test('explanations are folded for an 80-column terminal with their indent kept', () => {
  const folded = wrap(`  ${'word '.repeat(30).trim()}`, 40).split('\n');
  assert.ok(folded.length > 1);
  for (const line of folded) {
    assert.ok(line.length <= 40);
    assert.match(line, /^ {2}word/);
  }
});

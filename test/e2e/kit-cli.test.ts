/** The text kit through the real CLI: create, verify, recover, and every bad input refused with nothing written. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { typicalB2Bundle } from '../helpers/kit-fixtures.js';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'drkit-kit-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const bundlePath = join(work, 'bundle.json');
writeFileSync(bundlePath, JSON.stringify(typicalB2Bundle));
const secrets = [typicalB2Bundle.resticPassword, ...Object.values(typicalB2Bundle.env)];

function assertNoSecret(text: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached the output');
}

const create = (out: string, extra: string[] = []) => runCli(['kit', 'create', '--format', 'text', '--no-check', '--bundle', bundlePath, '--custodians', 'Ann,Ben,Cy,Dee,Eve', '--threshold', '3', '--out', out, ...extra]);

test('kit create writes n shares and the envelope, private, and prints the kit id', async () => {
  const out = join(work, 'kit');
  const result = await create(out);
  assert.equal(result.exitStatus, 0, result.stderr);
  assert.match(result.stdout, /^kit [0-9A-Z]{4}-[0-9A-Z]{4} created in .*: 5 shares, any 3 open it$/m);
  assertNoSecret(result.stdout + result.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['envelope.txt', 'kit.json', 'share-1.txt', 'share-2.txt', 'share-3.txt', 'share-4.txt', 'share-5.txt']);
  assert.equal(statSync(out).mode & 0o777, 0o700);
  for (const name of readdirSync(out)) {
    assert.equal(statSync(join(out, name)).mode & 0o777, 0o600, name);
    assertNoSecret(readFileSync(join(out, name), 'utf8'));
  }
  assert.match(readFileSync(join(out, 'share-3.txt'), 'utf8'), /^# drkit share 3 of 5 · kit [0-9A-Z]{4}-[0-9A-Z]{4} · any 3 of the 5 shares open the kit\n1: /);
});

test('kit create refuses a folder that holds a kit, and --force replaces it', async () => {
  const out = join(work, 'kit');
  const before = readFileSync(join(out, 'share-1.txt'), 'utf8');
  const refused = await create(out);
  assert.equal(refused.exitStatus, 2);
  assert.match(refused.stderr, /error: --out .* already holds a kit/);
  assert.match(refused.stderr, /hint: .*--force/);
  assert.equal(readFileSync(join(out, 'share-1.txt'), 'utf8'), before);
  const forced = await create(out, ['--force']);
  assert.equal(forced.exitStatus, 0, forced.stderr);
  assert.notEqual(readFileSync(join(out, 'share-1.txt'), 'utf8'), before);
});

test('kit verify: a valid share, an altered one, and --json', async () => {
  const out = join(work, 'kit');
  const valid = await runCli(['kit', 'verify', join(out, 'share-2.txt')]);
  assert.equal(valid.exitStatus, 0);
  assert.match(valid.stdout, /^valid share 2 of 5 of kit [0-9A-Z]{4}-[0-9A-Z]{4} \(fingerprint [0-9A-Z]{4}; any 3 shares open the kit\)$/m);
  const json = await runCli(['kit', 'verify', '--json', join(out, 'share-2.txt')]);
  assert.deepEqual(Object.keys(JSON.parse(json.stdout) as object).sort(), ['fingerprint', 'kind', 'kitId', 'message_type', 'share', 'shares', 'threshold']);

  const altered = join(work, 'altered.txt');
  writeFileSync(altered, readFileSync(join(out, 'share-2.txt'), 'utf8').replace(/^2: (.)/m, (_, c: string) => `2: ${c === 'A' ? 'B' : 'A'}`));
  const bad = await runCli(['kit', 'verify', altered]);
  assert.equal(bad.exitStatus, 1);
  assert.match(bad.stderr, /^error: .*altered\.txt line 2: check characters do not match/m);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('recover writes the bundle 0600 from any 3 shares and refuses 2', async () => {
  const out = join(work, 'kit');
  const target = join(work, 'recovered.json');
  const result = await runCli(['recover', '--from', join(out, 'share-5.txt'), '--from', join(out, 'share-1.txt'), '--from', join(out, 'share-3.txt'), '--envelope', join(out, 'envelope.txt'), '--out', target]);
  assert.equal(result.exitStatus, 0, result.stderr);
  assertNoSecret(result.stdout + result.stderr);
  assert.equal(statSync(target).mode & 0o777, 0o600);
  const recovered = JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>;
  assert.equal(recovered['resticPassword'], typicalB2Bundle.resticPassword);
  assert.deepEqual(recovered['env'], typicalB2Bundle.env);
  assert.equal(recovered['repositoryId'], '5e1f0c3a');

  const again = await runCli(['recover', '--from', join(out, 'share-5.txt'), '--from', join(out, 'share-1.txt'), '--from', join(out, 'share-3.txt'), '--envelope', join(out, 'envelope.txt'), '--out', target]);
  assert.equal(again.exitStatus, 2);
  assert.match(again.stderr, /--out .* already exists/);

  const few = await runCli(['recover', '--from', join(out, 'share-5.txt'), '--from', join(out, 'share-1.txt'), '--envelope', join(out, 'envelope.txt'), '--out', join(work, 'never.json')]);
  assert.equal(few.exitStatus, 2);
  assert.match(few.stderr, /error: kit .* needs 3 shares, 2 given/);
  assert.throws(() => statSync(join(work, 'never.json')));
});

test('bad input is refused with a clear error and nothing written', async () => {
  const cases: [string[], RegExp][] = [
    [['--custodians', 'Ann,Ben,Cy', '--threshold', '1'], /--threshold: 1 is below 2/],
    [['--custodians', 'Ann,Ben,Cy', '--threshold', '4'], /--threshold: 4 is more than the 3 custodians/],
    [['--custodians', Array.from({ length: 16 }, (_, i) => `P${i}`).join(','), '--threshold', '3'], /16 named, a kit has at most 15/],
    [['--custodians', 'Ann,,Cy', '--threshold', '2'], /--custodians: custodian 2 has no name/],
    [['--custodians', 'Ann,Ben,ann', '--threshold', '2'], /"ann" is named twice/],
    [['--custodians', 'Ann,Ben', '--threshold', 'two'], /--threshold must be a whole number/],
  ];
  for (const [args, message] of cases) {
    const out = join(work, 'never');
    const result = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundlePath, '--out', out, ...args]);
    assert.equal(result.exitStatus, 2, args.join(' '));
    assert.match(result.stderr, message);
    assert.throws(() => statSync(out), 'nothing written');
  }
  const badBundle = join(work, 'bad-bundle.json');
  for (const [content, message] of [
    [{ ...typicalB2Bundle, colour: 'blue' }, /bundle field "colour": is not a known field/],
    [{ ...typicalB2Bundle, resticPassword: undefined }, /bundle field "resticPassword": is missing/],
    [{ ...typicalB2Bundle, env: { 'bad name': 'x' } }, /bundle field "env.bad name": is not a valid variable name/],
  ] as const) {
    writeFileSync(badBundle, JSON.stringify(content));
    const result = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', badBundle, '--custodians', 'A,B', '--threshold', '2', '--out', join(work, 'never')]);
    assert.equal(result.exitStatus, 2);
    assert.match(result.stderr, message);
  }
  writeFileSync(badBundle, '{"owner": ');
  const broken = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', badBundle, '--custodians', 'A,B', '--threshold', '2', '--out', join(work, 'never')]);
  assert.match(broken.stderr, /--bundle .* is not valid JSON/);
  const missing = await runCli(['kit', 'verify', join(work, 'nope.txt')]);
  assert.equal(missing.exitStatus, 2);
  assert.match(missing.stderr, /error: file .*nope\.txt does not exist/);
});

test('a password inside the repository URL stays inside the envelope: not in kit.json nor any output', async () => {
  const secretUrl = 'rest:https://ann:UrlSecret99@127.0.0.1:8000/ann/';
  const path = join(work, 'rest-bundle.json');
  writeFileSync(path, JSON.stringify({ ...typicalB2Bundle, repository: secretUrl }));
  const out = join(work, 'rest-kit');
  const created = await runCli(['kit', 'create', '--format', 'text', '--no-check', '--bundle', path, '--custodians', 'A,B', '--threshold', '2', '--out', out]);
  assert.equal(created.exitStatus, 0, created.stderr);
  const recovered = await runCli(['recover', '--from', join(out, 'share-1.txt'), '--from', join(out, 'share-2.txt'), '--envelope', join(out, 'envelope.txt'), '--out', join(work, 'rest.json')]);
  assert.equal(recovered.exitStatus, 0, recovered.stderr);
  for (const text of [created.stdout, created.stderr, recovered.stdout, recovered.stderr, ...readdirSync(out).map((name) => readFileSync(join(out, name), 'utf8'))]) {
    assert.ok(!text.includes('UrlSecret99'), 'the URL password leaked');
  }
  assert.match(recovered.stdout, /repository: rest:https:\/\/ann:…@127\.0\.0\.1:8000\/ann\//);
  assert.equal((JSON.parse(readFileSync(join(work, 'rest.json'), 'utf8')) as { repository: string }).repository, secretUrl);
});

test('custodians with contact details, from --custodians-file; a control character in one is refused by code point', async () => {
  const file = join(work, 'custodians.txt');
  writeFileSync(file, '# the holders\nAnn Smith <ann@example.org, +44 20 7946 0001>\nBen Jones\nCy Young <12 High Street, Oxford>\n');
  const out = join(work, 'kit-contacts');
  const result = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundlePath, '--custodians-file', file, '--threshold', '2', '--out', out]);
  assert.equal(result.exitStatus, 0, result.stderr);
  const record = JSON.parse(readFileSync(join(out, 'kit.json'), 'utf8')) as { custodians: { name: string; contact?: string }[] };
  assert.deepEqual(record.custodians.map(({ name, contact }) => ({ name, contact })), [
    { name: 'Ann Smith', contact: 'ann@example.org, +44 20 7946 0001' }, { name: 'Ben Jones', contact: undefined }, { name: 'Cy Young', contact: '12 High Street, Oxford' },
  ]);
  const bad = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundlePath, '--custodians', 'Ann <a\u001b[2Jb>,Ben', '--threshold', '2', '--out', join(work, 'kit-bad')]);
  assert.equal(bad.exitStatus, 2);
  assert.match(bad.stderr, /^error: --custodians: custodian 1 contains the control character U\+001B$/m);
  assert.ok(!bad.stderr.includes('\u001b'));
  const both = await runCli(['kit', 'create', '--no-check', '--format', 'text', '--bundle', bundlePath, '--custodians', 'Ann,Ben', '--custodians-file', file, '--threshold', '2', '--out', join(work, 'kit-both')]);
  assert.match(both.stderr, /both --custodians and --custodians-file given/);
});

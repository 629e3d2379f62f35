/**
 * Every value the bundle validator accepts comes back unchanged from the bundle text (docs/format.md §6), U+2028 and
 * U+2029 among them, and a bundle text that does not parse is reported without echoing any of its characters.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { formatBundleText, parseBundleText, validateBundleInput, type BundleInput } from '../../src/core/bundle.js';
import { createKit } from '../../src/core/kit.js';
import { selfTestCombinations } from '../../src/core/self-test.js';
import { systemRandom } from '../../src/adapters/random.js';
import { UserError } from '../../src/errors.js';

const awkward = ['\u2028', '\u2029', '\u0085', "'", '\'\\\'\'', '"', '\\', '\\n', '$HOME', '`x`', ' ', '#', '=', '\u00a0', 'é', '😀', '\ufeff', ';', '*'];

function randomValue(allowLineBreaks: boolean): string {
  const pool = [...awkward, 'a', 'Z', '0', '/', ':', '@', ...(allowLineBreaks ? ['\n'] : [])];
  return Array.from({ length: randomInt(1, 12) }, () => pool[randomInt(0, pool.length)] ?? '').join('');
}

test('values the validator accepts round-trip through the bundle text', () => {
  for (let round = 0; round < 300; round++) {
    const raw = {
      // the owner is printed: the custodians' rule refuses C1 controls and the separators (test below)
      owner: `Ann${randomValue(false).replace(/[\u0085\u2028\u2029]/g, '')}`, repository: `s3:host/b${randomValue(false)}`, resticPassword: `p${randomValue(false)}`,
      env: { AWS_ACCESS_KEY_ID: randomValue(false), EMPTY: '' }, repositoryId: 'ABCDEF0123', onsite: randomValue(true), notes: randomValue(true),
    };
    const input = validateBundleInput(raw);
    const back = parseBundleText(formatBundleText(input, 'ABCDEFGH', '2026-11-27'));
    const { kitId, createdOn, ...content } = back;
    assert.equal(kitId, 'ABCDEFGH');
    assert.equal(createdOn, '2026-11-27');
    assert.deepEqual(content, input, JSON.stringify(raw));
    assert.equal(back.repositoryId, 'abcdef01', 'the kit keeps 8 digits of the repository id, lowercase');
  }
});

test('the owner, printed on every sheet, follows the custodians\' rule: a C1 control or a line separator is refused by code point', () => {
  for (const [bad, code] of [['\u2028', 'U+2028'], ['\u2029', 'U+2029'], ['\u0085', 'U+0085'], ['\u009b', 'U+009B']] as const) {
    assert.throws(() => validateBundleInput({ owner: `Ann${bad}Secretname`, repository: '/srv/restic', resticPassword: 'pw', env: {} }),
      (error: unknown) => error instanceof UserError && error.message === `bundle field "owner": contains the control character ${code}` && !error.message.includes('Secretname'));
  }
});

test('a bundle text that does not parse names the line, never its characters', () => {
  const secret = 'S3CRET\u2028PASS';
  const text = `# drkit 1 kit ABCDEFGH 2026-11-27\nRESTIC_REPOSITORY=x\n${secret}\n`;
  assert.throws(() => parseBundleText(text), (error: unknown) => error instanceof UserError && /line 3/.test(error.message) && !error.message.includes('S3CRET'));
});

test('a kit whose values hold U+2028 and U+2029 passes the self-test, which decodes the bundle fully', async () => {
  const bundle: BundleInput = { owner: 'Ann Example', repository: '/srv/restic', resticPassword: 'pa\u2029ss', env: { X: '\u2028' }, notes: 'line\u2028two\nthree' };
  const { kit, passphrase } = await createKit(bundle, { custodians: ['A', 'B', 'C'], threshold: 2, random: systemRandom, now: new Date() });
  const count = await selfTestCombinations({
    kit, passphrase, bundle, shares: kit.shares.map((share) => ({ name: `share-${share.number}.txt`, text: share.text })),
    envelope: { name: 'envelope.txt', text: kit.envelope.text }, fail: (files, what) => new Error(`${files}: ${what}`),
  });
  assert.equal(count, 3);
  // and a bundle that differs from what was sealed is caught, naming the field only
  await assert.rejects(selfTestCombinations({
    kit, passphrase, bundle: { ...bundle, resticPassword: 'other' }, shares: kit.shares.map((share) => ({ name: `s${share.number}`, text: share.text })),
    envelope: { name: 'e', text: kit.envelope.text }, fail: (files, what) => new Error(`${files}: ${what}`),
  }), (error: Error) => /differs from the sealed one in resticPassword$/.test(error.message) && !error.message.includes('pa\u2029ss'));
});

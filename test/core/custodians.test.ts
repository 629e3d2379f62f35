/** Custodians with contact details, from --custodians and from a custodians file; control characters refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlCharacter, parseCustodianFile, parseCustodianList } from '../../src/core/custodians.js';
import { validateKitShape } from '../../src/core/kit.js';
import { UserError } from '../../src/errors.js';

test('a comma inside <…> belongs to the contact details, not to the list', () => {
  assert.deepEqual(parseCustodianList('Ann Smith <ann@example.org, +44 20 7946 0001>, Ben Jones ,Cy <12 High St, Oxford>'), [
    { name: 'Ann Smith', contact: 'ann@example.org, +44 20 7946 0001' }, { name: 'Ben Jones' }, { name: 'Cy', contact: '12 High St, Oxford' },
  ]);
});

test('a custodians file: one per line, comments and blank lines skipped', () => {
  assert.deepEqual(parseCustodianFile('# holders\nAnn Smith <ann@example.org>\n\nBen Jones\r\n', 'f'), [{ name: 'Ann Smith', contact: 'ann@example.org' }, { name: 'Ben Jones' }]);
});

test('control characters are refused by code point, never echoed', () => {
  for (const bad of ['Ann\u0007', 'Ann\u001b[2J', 'Ann <\u2028x>', 'Ann\u0085', 'A\u007f']) {
    assert.throws(() => parseCustodianList(`${bad},Ben`), (error: unknown) => error instanceof UserError && /control character U\+[0-9A-F]{4}/.test(error.message) && !error.message.includes(bad));
  }
  assert.throws(() => validateKitShape(['Ann\u001b', 'Ben'], 2), /control character U\+001B/);
  assert.equal(controlCharacter('Zoë Ångström'), null);
});

test('malformed entries name the custodian and the rule', () => {
  assert.throws(() => parseCustodianList('Ann <a> <b>,Ben'), /custodian 1 .* is not NAME or NAME <CONTACT>/);
  assert.throws(() => parseCustodianList('<ann@example.org>,Ben'), /custodian 1 has no name/);
});

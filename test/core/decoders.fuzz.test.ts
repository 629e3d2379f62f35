/**
 * Fuzzing every decoder with random and mutated input (10,000+ each): a decoder may refuse, but only with a typed
 * DrkitError; it never crashes, never hangs, and never accepts a mutated share as a different valid one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBase32 } from '../../src/core/base32.js';
import { parseBundleText, validateBundleInput } from '../../src/core/bundle.js';
import { envelopeFromQrPayloads, parseEnvelopeText } from '../../src/core/envelope.js';
import { combineKit, createKit } from '../../src/core/kit.js';
import { parseShareText } from '../../src/core/share.js';
import { DrkitError } from '../../src/errors.js';
import { seededRandom, typicalB2Bundle } from '../helpers/kit-fixtures.js';

const RUNS = 10_000;

const { kit } = await createKit(typicalB2Bundle, { custodians: ['A', 'B', 'C', 'D', 'E'], threshold: 3, random: seededRandom('fuzz'), now: new Date('2026-11-27T00:00:00Z') });
const kitId = parseShareText('s', kit.shares[0]?.text ?? '').kitId;

/** Random edits of a text: replace, insert, delete characters; duplicate, drop, swap or truncate lines. */
const mutated = (original: string) => fc.array(fc.tuple(fc.nat(6), fc.nat(), fc.constantFrom('A', 'z', '0', 'U', '#', ':', ' ', '\n', '9:', 'é', '\u0000', '-', 'O', 'l', '12:')), { minLength: 1, maxLength: 6 })
  .map((edits) => {
    let text = original;
    for (const [op, at, char] of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      const lines = text.split('\n');
      const li = at % Math.max(lines.length, 1);
      switch (op) {
        case 0: text = text.slice(0, i) + char + text.slice(i + 1); break;
        case 1: text = text.slice(0, i) + char + text.slice(i); break;
        case 2: text = text.slice(0, i) + text.slice(i + 1); break;
        case 3: lines.splice(li, 0, lines[li] ?? ''); text = lines.join('\n'); break;
        case 4: lines.splice(li, 1); text = lines.join('\n'); break;
        case 5: [lines[0], lines[li]] = [lines[li] ?? '', lines[0] ?? '']; text = lines.join('\n'); break;
        default: text = text.slice(0, i);
      }
    }
    return text;
  });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ :#\n'), maxLength: 400 }));

/** Runs `decode`; it must return or throw a DrkitError. */
function onlyTypedErrors(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    assert.ok(error instanceof DrkitError, `untyped ${String(error)}`);
  }
}

test('share decoder: random and mutated input gives a typed error or the same share', () => {
  const original = kit.shares[2]?.text ?? '';
  const genuine = parseShareText('s', original);
  fc.assert(fc.property(fc.oneof(anyText, mutated(original)), (text) => {
    try {
      const share = parseShareText('s', text);
      // accepted only if it is the very same share (an edit that was only blank space, case or comment)
      assert.deepEqual(share.bytes, genuine.bytes);
    } catch (error) {
      assert.ok(error instanceof DrkitError, `untyped ${String(error)}`);
    }
  }), { numRuns: RUNS });
});

test('envelope decoder: random and mutated input gives a typed error or the same envelope', () => {
  const original = kit.envelope.text;
  fc.assert(fc.property(fc.oneof(anyText, mutated(original)), fc.boolean(), (text, withKit) => {
    try {
      const envelope = parseEnvelopeText('e', text, withKit ? kitId : undefined);
      assert.deepEqual(envelope.bytes, kit.envelope.bytes);
    } catch (error) {
      assert.ok(error instanceof DrkitError, `untyped ${String(error)}`);
    }
  }), { numRuns: RUNS });
});

test('combining mutated shares gives a typed error or the true key', async () => {
  const genuine = (await combineKit(kit.shares.slice(0, 3).map((s) => ({ name: 'x', text: s.text })), { name: 'e', text: kit.envelope.text })).passphrase;
  await fc.assert(fc.asyncProperty(fc.nat(4), mutated(kit.shares[1]?.text ?? ''), mutated(kit.envelope.text), fc.boolean(), async (pick, share, envelope, mutateEnvelope) => {
    const shares = [kit.shares[0]?.text ?? '', share, kit.shares[2 + (pick % 3)]?.text ?? ''].map((text, i) => ({ name: `s${i}`, text }));
    try {
      const result = await combineKit(shares, { name: 'e', text: mutateEnvelope ? envelope : kit.envelope.text });
      assert.equal(result.passphrase, genuine);
    } catch (error) {
      assert.ok(error instanceof DrkitError, `untyped ${String(error)}`);
    }
  }), { numRuns: RUNS });
});

test('bundle decoders: any text, any JSON value', () => {
  fc.assert(fc.property(anyText, (text) => onlyTypedErrors(() => parseBundleText(text))), { numRuns: RUNS });
  fc.assert(fc.property(fc.jsonValue(), (value) => onlyTypedErrors(() => validateBundleInput(value))), { numRuns: RUNS });
  fc.assert(fc.property(fc.record({ owner: fc.anything(), repository: fc.anything(), resticPassword: fc.anything(), env: fc.anything() }, { requiredKeys: [] }),
    (value) => onlyTypedErrors(() => validateBundleInput(value))), { numRuns: RUNS });
});

test('QR and base32 decoders: any payload', () => {
  fc.assert(fc.property(fc.array(fc.oneof(anyText, fc.constantFrom(...kit.envelope.qrPayloads)), { maxLength: 4 }),
    (payloads) => onlyTypedErrors(() => envelopeFromQrPayloads('qr', payloads))), { numRuns: RUNS });
  fc.assert(fc.property(anyText, (text) => { const result = decodeBase32(text); assert.ok(result instanceof Uint8Array || typeof result === 'string'); }), { numRuns: RUNS });
});

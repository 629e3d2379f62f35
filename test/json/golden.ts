/**
 * Golden files of drkit's `--json` messages (docs/json-output.md): fixtures/golden/json/<message_type>.json holds,
 * per case, the messages of that type a real command printed, normalised. Regenerate with DRKIT_UPDATE_GOLDEN=1
 * (then read the diff).
 *
 * The normaliser replaces only what must vary from run to run, and says so in the file:
 * - the sandbox's folder → `<sandbox>`, drkit's package folder → `<drkit>`, node's path → `<node>`, the setup's id
 *   (a hash of the config's path) → `<setup>`, the login name → `<user>`, a local server's port →
 *   `127.0.0.1:<port>`, the kit's id → `<kit>` (a case lists such literals);
 * - ISO times → `<time>`, onsite snapshot names (`2026-12-01T203635Z`) → `<snapshot>`, dates (`2026-12-01`) →
 *   `<date>`, UUIDs → `<uuid>`, 64-digit hex ids (restic's) → `<id>`, restic's 8-digit short ids → `<short-id>`;
 * - numbers under keys ending in `Ms` (durations, ages) → `<ms>`, and the values under the keys a case names
 *   (the size restic adds, which its metadata of inodes and times makes vary; what depends on the machine, such
 *   as whether the user manager lingers) → `<KEY>`.
 * - a restore's `bytesPerSecond` and `secondsLeft` are left out: they are there only once the speed was measured.
 * Everything else must match byte for byte.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export const GOLDEN_JSON = join(packageRoot(), 'fixtures', 'golden', 'json');
const update = process.env['DRKIT_UPDATE_GOLDEN'] === '1';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Message { message_type: string; [key: string]: Json }

export interface Normalising {
  /** literal text → its token, longest first (a path inside another path) */
  literals: ReadonlyArray<readonly [string, string]>;
  /** keys whose value is replaced whole by `<key>`: everywhere, or in the objects `where` picks */
  keys?: ReadonlyArray<string | { key: string; where: (object: { [key: string]: Json }) => boolean }>;
}

function replacedKeys(rules: Normalising, object: { [key: string]: Json }): Set<string> {
  return new Set((rules.keys ?? []).flatMap((rule) => (typeof rule === 'string' ? [rule] : rule.where(object) ? [rule.key] : [])));
}

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>'],
  [/\d{4}-\d\d-\d\dT\d{6}Z/g, '<snapshot>'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>'],
  [/\b[0-9a-f]{64}\b/g, '<id>'],
  [/\b\d{4}-\d\d-\d\d\b/g, '<date>'],
];

/** a restore's speed and time left: given only once measured, so whether they are there at all is timing */
const DROPPED = new Set(['bytesPerSecond', 'secondsLeft']);

function normaliseString(text: string, rules: Normalising): string {
  let out = text;
  for (const [literal, token] of [...rules.literals].sort((a, b) => b[0].length - a[0].length)) out = out.split(literal).join(token);
  for (const [pattern, token] of PATTERNS) out = out.replace(pattern, token);
  return out;
}

export function normalise(value: Json, rules: Normalising, key = ''): Json {
  if (typeof value === 'number' && /Ms$|^ms$/.test(key)) return '<ms>';
  if (typeof value === 'string') {
    const text = normaliseString(value, rules);
    // restic's short snapshot ids, where a key says the value is one
    return /^(snapshot|snapshotId|id)$/.test(key) && /^[0-9a-f]{8}$/.test(text) ? '<short-id>' : text;
  }
  if (Array.isArray(value)) return value.map((item) => normalise(item, rules));
  if (value !== null && typeof value === 'object') {
    const replaced = replacedKeys(rules, value);
    return Object.fromEntries(Object.entries(value).filter(([name]) => !DROPPED.has(name))
      .map(([name, item]) => [name, replaced.has(name) ? `<${name}>` : normalise(item, rules, name)]));
  }
  return value;
}

/** The JSON lines of a command's stdout; anything else on stdout is a failure (--json keeps stdout machine-readable). */
export function messagesOf(stdout: string): Message[] {
  return stdout.split('\n').filter((line) => line !== '').map((line) => {
    let parsed: unknown;
    assert.doesNotThrow(() => { parsed = JSON.parse(line); }, `not JSON on stdout: ${line}`);
    assert.ok(parsed !== null && typeof parsed === 'object' && typeof (parsed as { message_type?: unknown }).message_type === 'string', `no message_type: ${line}`);
    return parsed as Message;
  });
}

export const ofType = (messages: readonly Message[], type: string): Message[] => messages.filter((message) => message.message_type === type);

/**
 * Compares `messages` (all of type `type`), normalised, with the case `name` of fixtures/golden/json/TYPE.json; with
 * DRKIT_UPDATE_GOLDEN=1 writes them there instead.
 */
export function expectGolden(type: string, name: string, messages: readonly Message[], rules: Normalising): void {
  assert.ok(messages.length > 0, `no ${type} message in case "${name}"`);
  for (const message of messages) assert.equal(message.message_type, type);
  const actual = messages.map((message) => normalise(message, rules));
  const file = join(GOLDEN_JSON, `${type}.json`);
  const cases = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, Json> : {};
  if (update || cases[name] === undefined) {
    mkdirSync(GOLDEN_JSON, { recursive: true });
    cases[name] = actual;
    const sorted = Object.fromEntries(Object.keys(cases).sort().map((key) => [key, cases[key] ?? null]));
    writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
    if (!update) assert.fail(`${file} had no case "${name}"; it has been written: read it, then commit it`);
  }
  assert.equal(JSON.stringify(actual, null, 2), JSON.stringify(cases[name], null, 2), `${type} (${name}) differs from ${file}: if the change is meant, regenerate with DRKIT_UPDATE_GOLDEN=1`);
}

/** The message types that have golden files. */
export function goldenTypes(): string[] {
  return existsSync(GOLDEN_JSON) ? readdirSync(GOLDEN_JSON).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).sort() : [];
}

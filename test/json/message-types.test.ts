/**
 * The doc, the code and the goldens name the same `--json` message types: every type docs/json-output.md's table
 * lists is in src/ui/json-messages.ts (which CommandIO.json takes) and has a golden file of what the real command
 * printed (fixtures/golden/json, test/json/golden-*.test.ts), and every golden's type is documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { MESSAGE_TYPES } from '../../src/ui/json-messages.js';
import { GOLDEN_JSON, goldenTypes, type Json } from './golden.js';

/** the rows of the doc's table: the types each names, and every word in backticks of its fields column */
function documentedRows(): Array<{ types: string[]; words: Set<string> }> {
  const text = readFileSync(join(packageRoot(), 'docs', 'json-output.md'), 'utf8');
  const rows: Array<{ types: string[]; words: Set<string> }> = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // | command | `message_type` | fields |: the header and the separator row name no type in backticks
    const [, , column, fields] = cells;
    if (cells.length < 5 || column === undefined || fields === undefined || column === '`message_type`') continue;
    const types = [...column.matchAll(/`([a-z_]+)`/g)].map((match) => match[1] ?? '');
    rows.push({ types, words: new Set([...fields.matchAll(/`([A-Za-z_]+)(?:\[\])?`/g)].map((match) => match[1] ?? '')) });
  }
  return rows;
}

/** the `message_type` column of the doc's table, each type once, in the order the table first names it */
function documentedTypes(): string[] {
  const types: string[] = [];
  for (const row of documentedRows()) for (const type of row.types) if (!types.includes(type)) types.push(type);
  return types;
}

/** the golden file of `type`: its cases' messages */
function goldenMessages(type: string): Array<{ name: string; message: { [key: string]: Json } }> {
  const cases = JSON.parse(readFileSync(join(GOLDEN_JSON, `${type}.json`), 'utf8')) as Record<string, Json>;
  return Object.entries(cases).flatMap(([name, messages]) => (Array.isArray(messages) ? messages : []).flatMap((message) =>
    (message !== null && typeof message === 'object' && !Array.isArray(message) ? [{ name, message }] : [])));
}

test('docs/json-output.md and src/ui/json-messages.ts list the same message types, in the same order', () => {
  const documented = documentedTypes();
  assert.ok(documented.length >= 20, `only ${documented.length} types read from the doc's table`);
  assert.deepEqual(documented, [...MESSAGE_TYPES]);
});

test('every documented message type has a golden file, and every golden file is of a documented type', () => {
  assert.deepEqual(goldenTypes(), [...MESSAGE_TYPES].sort());
});

test('each golden file holds, per case, messages of its own type only', () => {
  for (const type of goldenTypes()) {
    const cases = JSON.parse(readFileSync(join(GOLDEN_JSON, `${type}.json`), 'utf8')) as Record<string, Json>;
    assert.ok(Object.keys(cases).length > 0, `${type}.json has no case`);
    for (const [name, messages] of Object.entries(cases)) {
      assert.ok(Array.isArray(messages) && messages.length > 0, `${type}.json, case "${name}": no messages`);
      for (const message of messages) {
        assert.ok(message !== null && typeof message === 'object' && !Array.isArray(message), `${type}.json, case "${name}": not an object`);
        assert.equal(message.message_type, type, `${type}.json, case "${name}"`);
      }
    }
  }
});

test('every top-level field of a golden message is named in its type\'s row of docs/json-output.md', () => {
  const rows = documentedRows();
  const undocumented: string[] = [];
  for (const type of goldenTypes()) {
    // a type may be in several rows (error: any command, and backup's jobs): a field named in any of them counts
    const words = new Set(rows.filter((row) => row.types.includes(type)).flatMap((row) => [...row.words]));
    for (const { name, message } of goldenMessages(type)) {
      for (const field of Object.keys(message)) {
        if (field !== 'message_type' && !words.has(field)) undocumented.push(`${type} (${name}): ${field}`);
      }
    }
  }
  assert.deepEqual([...new Set(undocumented)], []);
});

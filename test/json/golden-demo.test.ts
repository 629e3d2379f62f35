/**
 * The golden `demo` message (docs/json-output.md): `drkit demo --dir DIR --json` run for real (its own rclone serve
 * restic on 127.0.0.1, rsync, a PDF kit, a drill by both paths in bwrap). Besides test/json/golden.ts's rules: the
 * demo's sample data is fresh each run, so its sizes and what the drill's random sample of it checked are replaced;
 * the drill picks a random k of the sheets, so which sheets were used is replaced; and the progress messages inside
 * each step are left out (how many there are depends on the machine's speed; test/json/golden-backup.test.ts has
 * the golden of one).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { expectGolden, messagesOf, type Json, type Message } from './golden.js';

const root = mkdtempSync(join(tmpdir(), 'drkit-json-golden-demo-'));
after(() => rmSync(root, { recursive: true, force: true }));

const isObject = (value: Json | undefined): value is { [key: string]: Json } => value !== null && typeof value === 'object' && !Array.isArray(value);

/** the demo message with each step's progress messages left out */
function withoutProgress(message: Message): Message {
  const steps = Array.isArray(message.steps) ? message.steps : [];
  return {
    ...message,
    steps: steps.map((step) => (isObject(step) && Array.isArray(step.messages)
      ? { ...step, messages: step.messages.filter((inner) => !(isObject(inner) && (inner.message_type === 'progress' || inner.message_type === 'restore_progress'))) }
      : step)),
  };
}

/** the kit id the demo's kit create printed */
function kitIdOf(message: Message): string {
  for (const step of Array.isArray(message.steps) ? message.steps : []) {
    for (const inner of isObject(step) && Array.isArray(step.messages) ? step.messages : []) {
      if (isObject(inner) && inner.message_type === 'kit_created' && typeof inner.kitId === 'string') return inner.kitId;
    }
  }
  return assert.fail('the demo made no kit');
}

test('drkit demo --dir DIR --json', { timeout: 300_000 }, async () => {
  const dir = join(root, 'demo');
  const result = await runCli(['demo', '--dir', dir, '--json'], { env: { NO_COLOR: '1' } });
  assert.equal(result.exitStatus, 0, `${result.stdout}\n${result.stderr}`);
  const messages = messagesOf(result.stdout);
  assert.equal(messages.length, 1);
  const [demo] = messages;
  assert.ok(demo !== undefined);
  expectGolden('demo', 'demo --dir DIR --json', [withoutProgress(demo)], {
    literals: [[root, '<sandbox>'], [packageRoot(), '<drkit>'], [kitIdOf(demo), '<kit>']],
    keys: [
      'fingerprint', 'fingerprints', 'versions', 'sheetsUsed',
      // the sheet numbers a drill record keeps (files.sheets, the sheets' file pattern, stays)
      { key: 'sheets', where: (object) => Array.isArray(object.sheets) },
      // the sample data is fresh each run (src/core/demo-data.ts), and the drill checks a random sample of it
      'bytesTotal', 'bytesAdded', 'bytesChecked', 'filesChecked', 'changedSinceSnapshot',
    ],
  });
});

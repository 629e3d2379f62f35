/**
 * The golden `demo` message (docs/json-output.md), from test/e2e/demo.test.ts's real `drkit demo --dir DIR
 * --json` (its own rclone serve restic on 127.0.0.1, rsync, a PDF kit, a drill by both paths in bwrap). Besides
 * test/json/golden.ts's rules: the demo's sample data is fresh each run, so its sizes and what the drill's random
 * sample of it checked are replaced; the drill picks a random k of the sheets, so which sheets were used is
 * replaced; and the progress messages inside each step are left out (how many there are depends on the machine's
 * speed; test/json/golden-backup.test.ts has the golden of one).
 */
import assert from 'node:assert/strict';
import { packageRoot } from '../../src/paths.js';
import { expectGolden, messagesOf, type Json, type Message } from './golden.js';

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

/**
 * Compares the one `demo` message of `drkit demo --dir DIR --json` (run with its folder under `sandbox`) with its
 * golden. test/e2e/demo.test.ts calls it on its own run, so the suite runs the demo once.
 */
export function expectDemoGolden(stdout: string, sandbox: string): void {
  const messages = messagesOf(stdout);
  assert.equal(messages.length, 1);
  const [demo] = messages;
  assert.ok(demo !== undefined);
  expectGolden('demo', 'demo --dir DIR --json', [withoutProgress(demo)], {
    literals: [[sandbox, '<sandbox>'], [packageRoot(), '<drkit>'], [kitIdOf(demo), '<kit>']],
    keys: [
      'fingerprint', 'fingerprints', 'versions', 'sheetsUsed',
      // the sheet numbers a drill record keeps (files.sheets, the sheets' file pattern, stays)
      { key: 'sheets', where: (object) => Array.isArray(object.sheets) },
      // the sample data is fresh each run (src/core/demo-data.ts), and the drill checks a random sample of it
      'bytesTotal', 'bytesAdded', 'bytesChecked', 'filesChecked', 'changedSinceSnapshot',
    ],
  });
}

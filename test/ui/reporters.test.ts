import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CommandIO } from '../../src/ui/io.js';
import { textReporter } from '../../src/ui/reporters.js';
import { terminalOutput } from '../../src/ui/terminal.js';
import type { JobResult } from '../../src/jobs/types.js';

const ESC = '\u001b';

/** A CommandIO whose stderr claims to be a terminal (as cli-progress checks), capturing every byte written. */
function terminalIO(interactive: boolean): { io: CommandIO; written: () => string; notes: string[] } {
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let written = '';
  stderr.on('data', (chunk: Buffer) => { written += chunk.toString('utf8'); });
  const notes: string[] = [];
  const io: CommandIO = {
    out: () => undefined, note: (line) => { notes.push(line); }, json: () => undefined,
    jsonMode: false, interactive, stdout: new PassThrough(), stderr,
  };
  return { io, written: () => written, notes };
}

const result = (outcome: JobResult['outcome']): JobResult => ({
  job: 'offsite', outcome, startedAt: '2026-12-01T03:00:00Z', finishedAt: '2026-12-01T03:01:00Z', warnings: [], filesTotal: 1, snapshotId: 'abcd1234',
});

async function drive(interactive: boolean, env: NodeJS.ProcessEnv): Promise<{ written: string; notes: string[] }> {
  const terminal = terminalIO(interactive);
  const reporter = await textReporter(terminal.io, env);
  reporter.event({ type: 'start', job: 'offsite', at: '2026-12-01T03:00:00Z', target: '/repo' });
  reporter.event({ type: 'progress', job: 'offsite', fraction: 0.5, filesDone: 1 });
  reporter.event({ type: 'warning', job: 'offsite', message: 'could not read /x' });
  reporter.event({ type: 'done', job: 'offsite', result: result('warning') });
  reporter.close();
  await new Promise((resolve) => setImmediate(resolve));
  return { written: terminal.written(), notes: terminal.notes };
}

test('on a terminal: bars, and warnings in colour', async () => {
  const { written } = await drive(true, { TERM: 'xterm' });
  assert.ok(written.includes(`offsite: ${ESC}[33mwarning:${ESC}[39m could not read /x`), written);
  assert.ok(written.includes(`${ESC}[33moffsite: done with warnings, snapshot abcd1234, 1 file${ESC}[39m`), written);
  assert.ok(written.includes(`${ESC}[?25l`), 'the bar renderer took the terminal (cursor hidden)');
});

test('NO_COLOR: the same bars without any colour; an empty NO_COLOR does not count', async () => {
  const { written } = await drive(true, { TERM: 'xterm', NO_COLOR: '1' });
  assert.match(written, /offsite: warning: could not read \/x/);
  assert.ok(!written.includes(`${ESC}[3`), `no colour (SGR 30-39): ${written}`);
  assert.ok(written.includes(`${ESC}[?25l`), 'the bars are still drawn: they have no colour');
  assert.deepEqual(terminalOutput({ interactive: true }, { NO_COLOR: '' }), { bars: true, colour: true });
});

test('not a terminal, or TERM=dumb: plain lines, no bar, no escape sequence at all', async () => {
  for (const [interactive, env] of [[false, { TERM: 'xterm' }], [true, { TERM: 'dumb' }]] as const) {
    const { written, notes } = await drive(interactive, env);
    assert.equal(written, '');
    assert.deepEqual(notes, ['offsite: started (/repo)', 'offsite: 50%, 1 file', 'offsite: warning: could not read /x', 'offsite: done with warnings, snapshot abcd1234, 1 file']);
    assert.ok(notes.every((line) => !line.includes(ESC)));
  }
});

/**
 * Reporters for job events (src/jobs/types.ts): a text reporter that draws one progress bar per job on a terminal
 * (cli-progress) and prints plain lines otherwise, and a JSON-lines reporter for --json (one object per event on
 * stdout, keyed on `message_type` like restic's own --json output). Engines never print; commands pick one of these.
 */
import type { SingleBar } from 'cli-progress';
import type { CommandIO } from './io.js';
import { formatBytes, plural, shortId } from './format.js';
import { paint, terminalOutput, type TerminalOutput } from './terminal.js';
import { resultToJson, type JobEvent, type JobName, type JobResult, type Reporter } from '../jobs/types.js';

export interface ClosableReporter extends Reporter {
  /** stops the bars (restoring the cursor); call once the jobs are done */
  close(): void;
}

/** One line summing up a job's result: "offsite: success, snapshot 1a2b3c4d, 1200 files, 1.1 GiB (12 MiB new)". */
export function describeResult(result: JobResult): string {
  // a failure's message is printed once, by the command, as `error: …` with its hints
  if (result.outcome === 'failed') return `${result.job}: failed${result.error ? ` (${result.error.code})` : ''}`;
  const parts: string[] = [result.outcome === 'warning' ? 'done with warnings' : 'done'];
  if (result.snapshotId !== undefined) parts.push(`snapshot ${shortId(result.snapshotId)}`);
  if (result.filesTotal !== undefined) parts.push(plural(result.filesTotal, 'file'));
  if (result.bytesTotal !== undefined) {
    parts.push(`${formatBytes(result.bytesTotal)}${result.bytesAdded === undefined ? '' : ` (${formatBytes(result.bytesAdded)} new)`}`);
  }
  if (result.snapshotCount !== undefined) parts.push(`${plural(result.snapshotCount, 'snapshot')} kept`);
  return `${result.job}: ${parts.join(', ')}`;
}

/** Lines for a reporter without a terminal: no bars; progress as a line every 10 percent. */
function plainReporter(io: CommandIO): ClosableReporter {
  const lastDecile = new Map<JobName, number>();
  return {
    event(event: JobEvent): void {
      switch (event.type) {
        case 'start':
          io.note(`${event.job}: started (${event.target})`);
          break;
        case 'progress': {
          if (event.fraction === undefined) break;
          const decile = Math.floor(event.fraction * 10);
          if (decile <= (lastDecile.get(event.job) ?? 0) || decile >= 10) break;
          lastDecile.set(event.job, decile);
          io.note(`${event.job}: ${decile * 10}%${event.filesDone === undefined ? '' : `, ${plural(event.filesDone, 'file')}`}${event.bytesDone === undefined ? '' : `, ${formatBytes(event.bytesDone)}`}`);
          break;
        }
        case 'warning':
          io.note(`${event.job}: warning: ${event.message}`);
          break;
        case 'info':
          io.note(`${event.job}: ${event.message}`);
          break;
        case 'done':
          io.note(describeResult(event.result));
          break;
      }
    },
    close: () => undefined,
  };
}

/** Progress bars on the terminal (stderr); other events are printed above the bars, warnings and failures in colour unless NO_COLOR. */
async function barReporter(io: CommandIO, output: TerminalOutput): Promise<ClosableReporter> {
  // loaded only for a terminal: scheduled runs and --json never pay for it
  const { MultiBar } = await import('cli-progress');
  const multi = new MultiBar({
    stream: io.stderr,
    format: '{job} |{bar}| {percentage}% {files} {bytes}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 5,
  });
  const bars = new Map<JobName, SingleBar>();
  const log = (line: string): void => multi.log(`${line}\n`);
  const payload = (event: Extract<JobEvent, { type: 'progress' }>): Record<string, string> => ({
    job: event.job.padEnd(7),
    files: event.filesDone === undefined ? '' : `${event.filesDone}${event.filesTotal === undefined ? '' : `/${event.filesTotal}`} files`,
    bytes: event.bytesDone === undefined ? '' : `${formatBytes(event.bytesDone)}${event.bytesTotal === undefined ? '' : `/${formatBytes(event.bytesTotal)}`}`,
  });
  return {
    event(event: JobEvent): void {
      switch (event.type) {
        case 'start':
          log(`${event.job}: started (${event.target})`);
          bars.set(event.job, multi.create(1000, 0, { job: event.job.padEnd(7), files: '', bytes: '' }));
          break;
        case 'progress':
          if (event.fraction !== undefined) bars.get(event.job)?.update(Math.round(event.fraction * 1000), payload(event));
          break;
        case 'warning':
          log(`${event.job}: ${paint(output, 'yellow', 'warning:')} ${event.message}`);
          break;
        case 'info':
          log(`${event.job}: ${event.message}`);
          break;
        case 'done': {
          const bar = bars.get(event.job);
          if (bar && event.result.outcome !== 'failed') bar.update(1000);
          if (bar) {
            bar.stop();
            multi.remove(bar);
            bars.delete(event.job);
          }
          const line = describeResult(event.result);
          log(event.result.outcome === 'failed' ? paint(output, 'red', line) : event.result.outcome === 'warning' ? paint(output, 'yellow', line) : line);
          // cli-progress prints logged lines on its next redraw, and stop() drops them: redraw now
          multi.update();
          break;
        }
      }
    },
    close: () => {
      multi.update();
      multi.stop();
    },
  };
}

/** The reporter for a command's IO: bars on a terminal, plain lines otherwise (src/ui/terminal.ts decides). */
export async function textReporter(io: CommandIO, env: NodeJS.ProcessEnv = process.env): Promise<ClosableReporter> {
  const output = terminalOutput(io, env);
  return output.bars ? barReporter(io, output) : plainReporter(io);
}

/** One JSON object per event on stdout: `{"message_type":"progress","job":"offsite",...}`. */
export function jsonReporter(io: CommandIO): ClosableReporter {
  return {
    event(event: JobEvent): void {
      // one case per type, so each object is checked against its message type (src/ui/json-messages.ts)
      switch (event.type) {
        case 'done':
          io.json({ message_type: 'done', job: event.job, result: resultToJson(event.result) });
          break;
        case 'start': {
          const { type, ...rest } = event;
          io.json({ message_type: type, ...rest });
          break;
        }
        case 'progress': {
          const { type, ...rest } = event;
          io.json({ message_type: type, ...rest });
          break;
        }
        case 'info':
        case 'warning':
          io.json({ message_type: event.type, job: event.job, message: event.message });
          break;
      }
    },
    close: () => undefined,
  };
}

export async function reporterFor(io: CommandIO): Promise<ClosableReporter> {
  return io.jsonMode ? jsonReporter(io) : textReporter(io);
}

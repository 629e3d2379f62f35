/**
 * How a restore's progress is shown: one bar on a terminal (redrawn at most a few times a second), plain lines
 * every 10 % (and at least once a minute, so hours from a slow server are never silent) when stderr is not a
 * terminal, and `restore_progress` JSON lines (at most one a second) with --json. The numbers come from
 * src/core/restore-progress.ts; this file only draws them.
 */
import type { SingleBar } from 'cli-progress';
import { describeProgress, type ProgressView } from '../core/restore-progress.js';
import { formatBytes } from './format.js';
import type { CommandIO } from './io.js';

export interface RestoreProgressReporter {
  /** the latest view; `now` is milliseconds on the caller's clock */
  update(view: ProgressView, now: number, files?: { done?: number; total?: number }): void;
  /** the final view (drawn whatever the throttle), then the bar is removed */
  finish(view: ProgressView): void;
}

const PLAIN_EVERY_MS = 60_000;
const JSON_EVERY_MS = 1_000;
/** a long progress line: "64 % · 921.9 MiB of 934.2 MiB · 12.05 MiB/s · 1 h 10 min left" */
const LONGEST_LINE = 61;

export async function restoreProgressReporter(io: CommandIO, label: string): Promise<RestoreProgressReporter> {
  if (io.jsonMode) {
    let lastAt = -Infinity;
    const emit = (view: ProgressView, files?: { done?: number; total?: number }) => io.json({
      message_type: 'restore_progress', ...view,
      ...(files?.done === undefined ? {} : { filesDone: files.done }), ...(files?.total === undefined ? {} : { filesTotal: files.total }),
    });
    return {
      update(view, now, files) {
        if (now - lastAt < JSON_EVERY_MS) return;
        lastAt = now;
        emit(view, files);
      },
      finish(view) { emit(view); },
    };
  }
  if (!io.interactive) {
    let lastAt: number | null = null;
    let lastDecile = 0;
    return {
      update(view, now) {
        lastAt ??= now;
        const decile = view.fraction === undefined ? lastDecile : Math.floor(view.fraction * 10);
        if (decile > lastDecile || now - lastAt >= PLAIN_EVERY_MS) {
          lastDecile = Math.max(lastDecile, decile);
          lastAt = now;
          io.note(`${label}: ${describeProgress(view, formatBytes)}`);
        }
      },
      finish(view) { io.note(`${label}: ${describeProgress(view, formatBytes)}`); },
    };
  }
  // loaded only for a terminal
  const { SingleBar: Bar } = await import('cli-progress');
  // the bar gives way to the numbers: cli-progress cuts a line at the terminal's width, and the time left is last
  const columns = (io.stderr as { columns?: number }).columns ?? 80;
  const barsize = Math.max(6, Math.min(24, columns - label.length - 4 - LONGEST_LINE));
  const bar: SingleBar = new Bar({
    stream: io.stderr, format: `${label} |{bar}| {line}`, barsize, hideCursor: true, clearOnComplete: false, fps: 4,
    barCompleteChar: '#', barIncompleteChar: '-',
  });
  bar.start(1000, 0, { line: 'starting' });
  const draw = (view: ProgressView) => bar.update(Math.round((view.fraction ?? 0) * 1000), { line: describeProgress(view, formatBytes) });
  return {
    update(view) { draw(view); },
    finish(view) {
      draw(view);
      bar.stop();
    },
  };
}

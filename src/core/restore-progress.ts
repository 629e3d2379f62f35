/**
 * Progress of a restore, pure: from samples of bytes written (restic ≥ 0.16 reports them; on 0.14 drkit measures
 * them while restic runs) to a fraction, a rate and an estimate of the time left, and the words a person reads.
 * The clock is the caller's: every sample carries its time.
 *
 * Rules:
 * - the rate is measured over the last `windowMs` (10 s by default), so it follows a network that slows down
 *   or speeds up, and is only given once at least one second has been measured;
 * - a measured count can run ahead of the total (restic also writes its cache, a file system rounds up), so
 *   until the restore has ended the fraction stops at 99 %: a restore never claims to be done before it is;
 * - without a total (an --include restore on 0.14) there is no fraction and no time left, only bytes and rate;
 * - a stalled transfer (nothing in the window, or an estimate beyond 30 days) shows "waiting for data" and no
 *   time left, rather than a number nobody can plan with.
 */

export interface ProgressSample {
  /** milliseconds, on any clock that only moves forward */
  atMs: number;
  bytes: number;
}

export interface ProgressView {
  bytesDone: number;
  bytesTotal?: number;
  /** 0…1 */
  fraction?: number;
  bytesPerSecond?: number;
  secondsLeft?: number;
}

export const RATE_WINDOW_MS = 10_000;
const HIGHEST_UNFINISHED = 0.99;
const MAX_ESTIMATE_SECONDS = 30 * 86_400;

/** `samples` with `sample` added, keeping only what the rate window needs (and one older sample as its start). */
export function addSample(samples: readonly ProgressSample[], sample: ProgressSample, windowMs = RATE_WINDOW_MS): ProgressSample[] {
  const kept = [...samples, sample];
  let first = 0;
  while (first + 1 < kept.length && (kept[first + 1]?.atMs ?? Infinity) <= sample.atMs - windowMs) first++;
  return kept.slice(first);
}

/** What to show for the samples so far. `finished`: the restore has ended, the last sample is final. */
export function progressView(samples: readonly ProgressSample[], total: number | undefined, options: { finished?: boolean } = {}): ProgressView {
  const last = samples.at(-1);
  const first = samples[0];
  const done = last?.bytes ?? 0;
  const hasTotal = total !== undefined && total > 0;
  const view: ProgressView = { bytesDone: hasTotal ? Math.min(done, total) : done };
  if (hasTotal) {
    view.bytesTotal = total;
    const fraction = Math.min(1, done / total);
    view.fraction = options.finished ? 1 : Math.min(fraction, HIGHEST_UNFINISHED);
  }
  if (last !== undefined && first !== undefined && last.atMs - first.atMs >= 1000) {
    const rate = Math.max(0, (last.bytes - first.bytes) / ((last.atMs - first.atMs) / 1000));
    view.bytesPerSecond = rate;
    const left = hasTotal && rate >= 1 ? (total - Math.min(done, total)) / rate : Infinity;
    // a stalled transfer has no honest estimate: none is better than "2143 d"
    if (!options.finished && left <= MAX_ESTIMATE_SECONDS) view.secondsLeft = Math.max(0, left);
  }
  return view;
}

/** "40 s", "3 min", "1 h 20 min", "2 d 3 h": rounded up to what a person plans with. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
  const days = Math.floor(hours / 24);
  return `${days} d${hours % 24 === 0 ? '' : ` ${hours % 24} h`}`;
}

/** "45 % · 135 MiB of 300 MiB · 12.3 MiB/s · 13 s left" (the parts that are known). */
export function describeProgress(view: ProgressView, formatBytes: (bytes: number) => string): string {
  const parts: string[] = [];
  if (view.fraction !== undefined) parts.push(`${Math.floor(view.fraction * 100)} %`);
  parts.push(view.bytesTotal === undefined ? `${formatBytes(view.bytesDone)} written` : `${formatBytes(Math.min(view.bytesDone, view.bytesTotal))} of ${formatBytes(view.bytesTotal)}`);
  if (view.bytesPerSecond !== undefined) parts.push(view.bytesPerSecond < 1 ? 'waiting for data' : `${formatBytes(Math.round(view.bytesPerSecond))}/s`);
  // no "about": the line must fit an 80-column terminal beside its bar (src/ui/restore-progress.ts)
  if (view.secondsLeft !== undefined) parts.push(`${formatDuration(view.secondsLeft)} left`);
  return parts.join(' · ');
}

/**
 * Age thinning of the onsite snapshots, in the style of Time Machine. Pure: the snapshots are names, the clock is
 * a parameter, the answer is a plan (which names to keep, which to remove) that src/jobs/onsite.ts carries out.
 *
 * Rules (each one is a property test in test/core/retention.property.test.ts):
 * - the newest snapshot is always kept, however old (the onsite copy never thins itself to nothing);
 * - the plan only names snapshots it was given (keep ∪ remove = input, disjoint);
 * - planning again over the kept snapshots with the same clock removes nothing (idempotent), so an interrupted
 *   deletion is simply finished by the next run;
 * - snapshots younger than `all` are all kept; then, up to the age `daily`, one per UTC day; up to `weekly`, one per
 *   ISO week (Monday to Sunday, UTC); up to `monthly` (or forever when null), one per calendar month (UTC).
 *   Windows are ages counted from `now`, not from the end of the previous window: "daily for 30 days" means one a
 *   day for snapshots up to 30 days old.
 * - within a day/week/month, the OLDEST snapshot of that period is the one kept: it stays the same one as time
 *   passes and newer snapshots of the period age into the window, so a kept snapshot is never swapped for another
 *   (less churn, and a restorer who noted "the one from the 3rd" finds it again).
 *
 * A snapshot dated in the future (a clock set back) has a negative age and falls in the `all` window: kept.
 */
import { parseSnapshotName } from './snapshot-names.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Durations in milliseconds, the shape of the config's `onsite.keep` (src/config/types.ts OnsiteKeep). */
export interface RetentionPolicy {
  /** keep every snapshot younger than this */
  all: number;
  /** keep one snapshot per UTC day for snapshots younger than this */
  daily: number;
  /** keep one snapshot per ISO week for snapshots younger than this */
  weekly: number;
  /** keep one snapshot per month for snapshots younger than this; null keeps monthly snapshots forever */
  monthly: number | null;
}

/** All for 24 hours, daily for 30 days, weekly for 52 weeks, monthly forever. */
export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = Object.freeze({
  all: 24 * HOUR,
  daily: 30 * DAY,
  weekly: 52 * 7 * DAY,
  monthly: null,
});

export type KeepReason = 'newest' | 'all' | 'daily' | 'weekly' | 'monthly';

export interface RetentionPlan {
  /** names kept, oldest first */
  keep: string[];
  /** names to delete, oldest first */
  remove: string[];
  /** why each kept name is kept */
  reasons: Record<string, KeepReason>;
}

/** Checks a policy's numbers; throws RangeError naming the field (the config layer reports it). */
export function validateRetentionPolicy(policy: RetentionPolicy): void {
  for (const key of ['all', 'daily', 'weekly'] as const) {
    const value = policy[key];
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retention ${key} must be a duration of zero or more, got ${value}`);
  }
  if (policy.monthly !== null && (!Number.isFinite(policy.monthly) || policy.monthly < 0)) {
    throw new RangeError(`retention monthly must be a duration of zero or more, or null for forever, got ${policy.monthly}`);
  }
}

const pad = (value: number): string => String(value).padStart(2, '0');

function dayKey(time: Date): string {
  return `${time.getUTCFullYear()}-${pad(time.getUTCMonth() + 1)}-${pad(time.getUTCDate())}`;
}

/** The ISO week a time falls in, named by the UTC date of its Monday (unambiguous across year ends). */
function weekKey(time: Date): string {
  const daysSinceMonday = (time.getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate() - daysSinceMonday));
  return dayKey(monday);
}

function monthKey(time: Date): string {
  return `${time.getUTCFullYear()}-${pad(time.getUTCMonth() + 1)}`;
}

/**
 * Which snapshots to keep and which to remove at `now` under `policy`. `names` are complete snapshot names
 * (`YYYY-MM-DDTHHMMSSZ`); anything else in it is ignored (neither kept nor removed). Duplicates count once.
 */
export function planRetention(names: readonly string[], now: Date, policy: RetentionPolicy = DEFAULT_RETENTION): RetentionPlan {
  validateRetentionPolicy(policy);
  const snapshots = [...new Set(names)]
    .map((name) => ({ name, time: parseSnapshotName(name) }))
    .filter((entry): entry is { name: string; time: Date } => entry.time !== null)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const reasons: Record<string, KeepReason> = {};
  const newest = snapshots.at(-1);
  if (newest) reasons[newest.name] = 'newest';

  const claimed = new Set<string>();
  // oldest first, so the first snapshot to claim a period is the oldest of that period
  for (const { name, time } of snapshots) {
    const age = now.getTime() - time.getTime();
    let tier: Exclude<KeepReason, 'newest'> | null;
    let bucket = '';
    if (age < policy.all) tier = 'all';
    else if (age < policy.daily) { tier = 'daily'; bucket = dayKey(time); }
    else if (age < policy.weekly) { tier = 'weekly'; bucket = weekKey(time); }
    else if (policy.monthly === null || age < policy.monthly) { tier = 'monthly'; bucket = monthKey(time); }
    else tier = null;

    if (tier === 'all') {
      reasons[name] ??= 'all';
    } else if (tier !== null) {
      const key = `${tier}:${bucket}`;
      if (!claimed.has(key)) {
        claimed.add(key);
        reasons[name] ??= tier;
      }
    }
  }

  const keep = snapshots.filter((s) => reasons[s.name] !== undefined).map((s) => s.name);
  const remove = snapshots.filter((s) => reasons[s.name] === undefined).map((s) => s.name);
  return { keep, remove, reasons };
}

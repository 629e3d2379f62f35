/**
 * When the offsite keep policy needs `restic forget --prune` at all. Each forget opens the repository (scrypt,
 * the index) and on B2 costs round trips, and most runs cannot remove anything, so it runs only when due:
 * - never skipped without a record of the last forget for this group, or when the policy changed since;
 * - skipped while the policy provably keeps every snapshot: the group holds at most `guaranteedKept(policy)`
 *   (counted as what the last forget kept plus the backups drkit made since), e.g. the first ten runs under
 *   `keep: { last: 10 }`;
 * - otherwise at most once a day: the snapshots a day of runs adds beyond the policy are removed by the next
 *   day's first run (they share all unchanged data, so they cost almost no space meanwhile).
 * Pure: the clock is a parameter.
 */
import { KEEP_COUNT_RULES, type KeepPolicy } from './keep-policy.js';
import { plural } from './words.js';

export type { KeepPolicy } from './keep-policy.js';


export interface RetentionLedger {
  /** the policy the counts were made under (see `policyKey`) */
  policy: string;
  /** snapshots the last forget kept in this group (all groups it touched, which can only overstate) */
  kept: number;
  /** backups drkit made in this group since that forget, this run's included once it is recorded */
  since: number;
  /** when the last forget ran (ISO time), or null when it never ran (a repository drkit created empty) */
  forgotAt: string | null;
}

export const FORGET_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** the time-bucket rules: each keeps at least the newest snapshot of its newest bucket */
const BUCKET_RULES = KEEP_COUNT_RULES.filter((rule) => rule !== 'last');

/** A stable text for a policy: the same rules in another order are the same policy. */
export function policyKey(keep: KeepPolicy): string {
  return JSON.stringify(Object.keys(keep).sort().map((key) => [key, keep[key as keyof KeepPolicy]]));
}

/**
 * How many of the newest snapshots the policy keeps whatever their times: `last`, and at least the newest one
 * when any time-bucket or `within` rule is set (restic keeps the newest snapshot of the newest bucket, and
 * `within` counts back from the newest snapshot). A tags-only policy guarantees nothing.
 */
export function guaranteedKept(keep: KeepPolicy): number {
  const bucketed = BUCKET_RULES.some((rule) => (keep[rule] ?? 0) > 0) || keep.within !== undefined;
  return Math.max(keep.last ?? 0, bucketed ? 1 : 0);
}

export type ForgetDecision = { due: true; reason: string } | { due: false; reason: string; expectedCount: number };

/** Whether forget must run now, given the ledger after this run's backup has been counted in `since`. */
export function forgetDecision(keep: KeepPolicy, ledger: RetentionLedger | undefined, now: Date): ForgetDecision {
  if (ledger === undefined) return { due: true, reason: 'no record of an earlier forget' };
  if (ledger.policy !== policyKey(keep)) return { due: true, reason: 'the keep policy changed' };
  const expectedCount = ledger.kept + ledger.since;
  const floor = guaranteedKept(keep);
  if (expectedCount <= floor) {
    return { due: false, expectedCount, reason: `${plural(expectedCount, 'snapshot')}, and the policy keeps at least the newest ${floor}` };
  }
  if (ledger.forgotAt !== null) {
    const elapsed = now.getTime() - Date.parse(ledger.forgotAt);
    if (elapsed >= 0 && elapsed < FORGET_INTERVAL_MS) {
      return { due: false, expectedCount, reason: 'forget ran less than a day ago' };
    }
  }
  return { due: true, reason: `${plural(expectedCount, 'snapshot')}, more than the ${floor} the policy always keeps` };
}

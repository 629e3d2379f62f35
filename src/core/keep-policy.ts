/**
 * The offsite keep policy, as restic's `forget` reads it: one definition for the config, the forget-due rule and
 * the restic adapter's flags. Pure.
 */

/** The count rules, each `--keep-<rule> N` to restic; `last` counts snapshots, the others time buckets. */
export const KEEP_COUNT_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type KeepCountRule = (typeof KEEP_COUNT_RULES)[number];

/**
 * A keep policy for `restic forget`. Counts are numbers of snapshots (per group); `within` is a restic duration
 * such as "2y5m7d3h". An empty policy is refused: restic would then forget nothing, or with --prune still
 * rewrite the repository for no reason.
 */
export type KeepPolicy = { [rule in KeepCountRule]?: number } & {
  within?: string;
  tags?: readonly string[];
};

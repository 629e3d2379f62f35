/**
 * The kit as the status file remembers it, its fingerprint, its freshness verdict and its canary. Pure: the
 * fingerprint key, the clock and the current fingerprint are passed in.
 *
 * The fingerprint tells `drkit status` whether the credentials sealed in the kit are still the ones the setup
 * uses, without keeping anything in the status file that helps to guess them (the restic password may be weak:
 * a plain hash of it could be brute-forced from a copy of the status file). It is HMAC-SHA-256 keyed with 32
 * random bytes that live in a 0600 file beside the secrets (src/adapters/kit-store.ts), so:
 * - without the key, the fingerprint is indistinguishable from random, however weak the password; whoever can
 *   read the key can read the secrets file beside it anyway;
 * - it costs microseconds, so `drkit status` (run often by monitoring) stays fast. A slow hash (scrypt) would
 *   have to be either slow on every status run or too fast to protect a weak password.
 * (./kit-fingerprint.ts computes it; this module stays free of node:crypto, which `drkit status` need not load
 * when there is no kit.) It covers what makes a kit open the repository: the repository URL, the password, the backend variables and
 * the repository id. The owner's name, notes and onsite description do not make a kit outdated.
 */

/**
 * The kit's entry in the status file, for kits built from the setup (`kit create --config`; a `--bundle` kit may
 * describe any repository, so it is not this setup's kit). Never holds a secret (the fingerprint is keyed).
 */
export interface KitRecord {
  /** as printed: XXXX-XXXX */
  kitId: string;
  createdOn: string;
  createdAt: string;
  custodians: string[];
  n: number;
  k: number;
  /** keyed fingerprint of the sealed credentials */
  fingerprint: string;
  /** false when made with --no-check: nobody proved the credentials open the repository */
  verified: boolean;
}

export type KitState = 'ok' | 'outdated' | 'due' | 'unknown' | 'unverified' | 'none';

export interface KitVerdict {
  state: KitState;
  /** true when this makes `drkit status` exit non-zero */
  stale: boolean;
  kit: KitRecord | null;
  ageMs: number | null;
  maxAgeText: string;
  problem: string | null;
}

/**
 * What the current setup yields: its fingerprint, or why it cannot be computed (no offsite job, a
 * passwordCommand that failed, ...).
 */
export type CurrentCredentials = { fingerprint: string } | { unknown: string };

/**
 * Judges the kit. Order: no kit → 'none' (not stale: a setup may run before its kit is made); credentials
 * changed → 'outdated'; older than maxAge → 'due'; made with --no-check → 'unverified'; fingerprint not
 * computable → 'unknown' (not stale, the reason is shown); else 'ok'.
 */
export function judgeKit(kit: KitRecord | undefined, current: CurrentCredentials, maxAge: number, maxAgeText: string, now: Date,
  formatAge: (ms: number) => string = (ms) => `${Math.round(ms / 86_400_000)}d`): KitVerdict {
  if (kit === undefined) return { state: 'none', stale: false, kit: null, ageMs: null, maxAgeText, problem: 'no kit has been made (drkit kit create --config …)' };
  const ageMs = now.getTime() - Date.parse(kit.createdAt);
  const base = { kit, ageMs, maxAgeText };
  if ('fingerprint' in current && current.fingerprint !== kit.fingerprint) {
    return { ...base, state: 'outdated', stale: true, problem: `kit outdated: the repository or its credentials changed since kit ${kit.kitId} was made; make a new kit (--supersedes ${kit.kitId})` };
  }
  if (ageMs > maxAge) {
    return { ...base, state: 'due', stale: true, problem: `kit due for re-check: kit ${kit.kitId} is ${formatAge(ageMs)} old, more than kit.maxAge ${maxAgeText}; ask the holders about their sheets and run a drill` };
  }
  if (!kit.verified) {
    return { ...base, state: 'unverified', stale: true, problem: `kit ${kit.kitId} was made with --no-check: its credentials were never tried against the repository` };
  }
  if ('unknown' in current) return { ...base, state: 'unknown', stale: false, problem: `cannot tell whether kit ${kit.kitId} is current: ${current.unknown}` };
  return { ...base, state: 'ok', stale: false, problem: null };
}

/** The canary file's text: names the kit and its date, so a restorer can tell the backup matches the kit. */
export function canaryText(kitId: string, createdOn: string): string {
  return `drkit canary: this backup belongs with recovery kit ${kitId} made on ${createdOn}\n`;
}

/**
 * Why the kit copy a monthly drill uses may stay on the owner's computer (src/adapters/kit-store.ts), as the owner
 * reads it when choosing the drill and when the copy is made.
 */
export const DRILL_COPY_REASON = 'this computer\'s secrets file already holds the same credentials, so keeping the sheets here for the drill exposes nothing more; the printed sheets stay the only copy that survives the computer';

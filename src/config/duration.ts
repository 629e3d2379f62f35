/**
 * Durations in the config ("26h", "8d", "1d12h", "2w", "1y", "30s"). Pure. Units: s = seconds, m = minutes,
 * h = hours, d = days, w = weeks, y = 365 days. No months: restic's --keep-within reads "m" as months, so
 * `offsite.keep.within` takes restic's syntax and is checked separately (src/config/schema.ts).
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

const DURATION = /^(?:\d+[smhdwy])+$/;

/** Milliseconds of a duration text, or null when the text is not one (e.g. "26 hours", "", "5"). */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return null;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+)([smhdwy])/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  return total > 0 ? total : null;
}

/** A short human form of a span of milliseconds: "3h 12m", "2d 4h", "45s". */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** Small text formats shared by the reporters and `drkit status` (kept apart so status loads nothing else). */

/** counts without "(s)": the one rule lives in the pure core so core messages use it too */
export { plural } from '../core/words.js';

/** "1.4 GiB", "512 B". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit] ?? ''}`;
}

/** restic's 64-digit snapshot ids are shown as their first 8 digits, as restic itself does. */
export function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 8) : id;
}

/**
 * A time for people: the reader's local time with its zone, "2026-12-01 19:15 GMT+1" ("… UTC" where the zone is
 * UTC). JSON keeps ISO UTC; only text shown to a person goes through here. `timeZone` is for tests (default: the
 * system's, which honours TZ). A string that is not a time is returned as it is.
 */
export function formatLocalTime(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const quick = timeZone === undefined ? quickLocalTime(date) : null;
  if (quick !== null) return quick;
  const parts = new Intl.DateTimeFormat('en-US', {
    ...(timeZone === undefined ? {} : { timeZone }),
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((item) => item.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}

/**
 * The zones whose en-US short name needs no Intl: Intl's first use costs about 10 ms (ICU's locale data), a fifth
 * of `drkit status`'s whole start-up. Date's own local-time fields and its toString() zone name (in the process's
 * locale) are free. Only a name that says for certain what Intl would print is taken: UTC, the zone of most servers,
 * where monitoring runs status ("Greenwich Mean Time" is not: Intl calls Etc/GMT "UTC" and Europe/London "GMT");
 * every other zone, and every locale whose toString() names zones in another language, goes through Intl
 * (test/ui/format.test.ts compares the two over every zone).
 */
const QUICK_ZONE_NAMES = new Map([['GMT+0000 (Coordinated Universal Time)', 'UTC'], ['GMT+0000 (Greenwich Mean Time)', 'GMT']]);

function quickLocalTime(date: Date): string | null {
  // "Tue Dec 01 2026 20:30:33 GMT+0000 (Coordinated Universal Time)": the offset and the zone's name
  const text = date.toString();
  const zone = QUICK_ZONE_NAMES.get(text.slice(text.indexOf(' GMT') + 1));
  if (zone === undefined) return null;
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())} ${zone}`;
}

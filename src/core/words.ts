/**
 * Counts in messages: "1 file", "3 files", never "file(s)". Pure, so the core's own messages (status problems,
 * retention reasons) use it too; src/ui/format.ts re-exports it for the commands and reporters.
 */

/** "1 snapshot", "0 snapshots", "2 entries" (with `many` for a word whose plural is not word + "s"). */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

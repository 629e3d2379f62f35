/**
 * The demo's sample data: a small household's files (letters, a spreadsheet, photos, a nested project), made
 * from a random source so the same seed gives the same bytes (a test can pin them) and a real run gets fresh
 * ones. Pure: it returns paths and contents; the demo command writes them.
 *
 * Sizes are chosen so the whole demo (two backups, a kit, a drill by both paths) finishes well under a minute on
 * a small machine, while still holding enough files that a restore that lost one would be seen.
 */
import type { RandomBytes } from './random.js';

export interface SampleFile {
  /** path relative to the data folder, with "/" separators */
  path: string;
  content: Uint8Array;
}

const LETTER_SUBJECTS = ['insurance', 'the-house', 'school', 'doctor', 'bank', 'holiday', 'tax-2025', 'garden'];
const encoder = new TextEncoder();

function pick<T>(random: RandomBytes, items: readonly T[]): T {
  const index = (random(1)[0] ?? 0) % items.length;
  return items[index] as T;
}

function hex(random: RandomBytes, bytes: number): string {
  return Array.from(random(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** About 120 files and 3 MB: text, CSV and binary "photos" of a few hundred KB. */
export function makeSampleFiles(random: RandomBytes): SampleFile[] {
  const files: SampleFile[] = [];
  for (let i = 1; i <= 40; i++) {
    const subject = pick(random, LETTER_SUBJECTS);
    const body = `Letter ${i} about ${subject}.\nReference ${hex(random, 6)}.\n` + 'Kind regards,\nAnn\n'.repeat(1 + (i % 5));
    files.push({ path: `Documents/letters/${String(i).padStart(3, '0')}-${subject}.txt`, content: encoder.encode(body) });
  }
  const rows = ['date,what,amount'];
  for (let i = 0; i < 400; i++) rows.push(`2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},item ${hex(random, 3)},${(random(1)[0] ?? 0) + i}`);
  files.push({ path: 'Documents/household.csv', content: encoder.encode(`${rows.join('\n')}\n`) });
  for (let i = 1; i <= 12; i++) {
    const size = 64 * 1024 + ((random(2)[0] ?? 0) << 10);
    files.push({ path: `Pictures/2026/IMG_${String(1000 + i)}.jpg`, content: random(size) });
  }
  for (let i = 1; i <= 60; i++) {
    const depth = `src/part-${i % 4}/module-${i % 7}`;
    files.push({ path: `Projects/garden-planner/${depth}/file-${i}.txt`, content: encoder.encode(`// file ${i}\n${hex(random, 32)}\n`) });
  }
  files.push({ path: 'Documents/README-demo.txt', content: encoder.encode('These files were made up by drkit demo. Nothing here is real.\n') });
  return files;
}

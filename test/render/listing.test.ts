import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { packageFile } from '../../src/render/assets.js';
import { extractGuideCommands, extractListing, listingLineCheck, listingRows, sha256Hex } from '../../src/render/listing.js';

test('the combiner listing rebuilds combine.py byte-exact, whatever the row width', () => {
  const source = readFileSync(packageFile('templates', 'recover', 'combine.py'), 'utf8');
  for (const width of [40, 80, 106]) {
    const rows = listingRows(source, width);
    assert.ok(rows.every((row) => row.length <= width), `rows fit ${width}`);
    const back = extractListing(`page header\n${rows.map((row) => `   ${row}`).join('\n')}\nfooter · page 3 of 9\n`);
    assert.equal(back.text, source);
    assert.equal(back.sha256, sha256Hex(source));
    assert.deepEqual(back.badLines, []);
  }
});

test('listing rows never start or end a cut at a space, so extractors cannot drop it', () => {
  fc.assert(fc.property(fc.array(fc.stringMatching(/^[ a-z(),.=]{0,150}$/), { minLength: 1, maxLength: 8 }), (lines) => {
    const source = `${lines.map((line) => line.replace(/\s+$/, '')).join('\n')}\n`;
    const rows = listingRows(source, 40);
    for (const row of rows.filter((r) => r.startsWith('  +'))) assert.ok(!row.endsWith(' ') && row.charAt(11) !== ' ', row);
    assert.equal(extractListing(rows.join('\n')).text, source);
  }));
});

test('a mistyped listing line is named by its check', () => {
  const rows = listingRows('import sys\nprint(1)\n', 80);
  const damaged = rows.map((row) => row.replace('print(1)', 'print(2)'));
  assert.deepEqual(extractListing(damaged.join('\n')).badLines, [2]);
  assert.equal(listingLineCheck(''), 'e3b0');
});

test('the guide\'s commands are the "$ " lines of Part 2 only', () => {
  const layer = ['Part 1. Before you start', '$ not this', 'Part 2. Restore step by step', '1. Make a folder', '  $ mkdir -p ~/restore',
    'or: $ alternative', 'text mentioning Part 6 of the guide', '$ restic snapshots', '\fPart 3. The short path', '$ npx drkit recover'].join('\n');
  assert.deepEqual(extractGuideCommands(layer), ['mkdir -p ~/restore', 'restic snapshots']);
});

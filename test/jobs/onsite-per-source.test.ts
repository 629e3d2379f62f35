/**
 * Onsite snapshots on a local target are made by one rsync per source (issue 11) and look exactly as the one
 * `rsync --relative` made: every source under its absolute path, a file source in its folder's path, anchored
 * excludes still applied to the right source, unchanged files hard-linked to the previous snapshot per source,
 * a source added later copied whole, a missing source a warning. Real rsync.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeTargetMarker } from '../../src/adapters/onsite-target.js';
import { buildRsyncArgs, excludesForSource } from '../../src/adapters/rsync.js';
import { runOnsiteSnapshot } from '../../src/jobs/onsite.js';
import type { JobEvent, Reporter } from '../../src/jobs/types.js';

const UUID = '0b7e6f3a-7c1d-4a55-9d2e-6f0c3b8a1e42';
let dir = '';
before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'drkit-onsite-per-source-')); });
after(() => rm(dir, { recursive: true, force: true }));
const quiet = (): Reporter & { events: JobEvent[] } => { const events: JobEvent[] = []; return { events, event: (event) => { events.push(event); } }; };

test('argv without --relative, and excludes re-anchored at the source', () => {
  assert.deepEqual(buildRsyncArgs({ sources: ['/home/ann/Photos/'], destination: '/t/s/home/ann/Photos/', relative: false, progress: false, linkDest: '../../../../prev/home/ann/Photos' }),
    ['--archive', '--link-dest=../../../../prev/home/ann/Photos', '/home/ann/Photos/', '/t/s/home/ann/Photos/']);
  assert.deepEqual(excludesForSource('/home/ann/Photos', ['*.tmp', '/home/ann/Photos/cache', '/srv/work/build', 'node_modules/']),
    ['*.tmp', '/cache', 'node_modules/']);
  assert.deepEqual(excludesForSource('/', ['/proc', '*.tmp']), ['/proc', '*.tmp']);
});

test('per-source snapshots: same layout as --relative, hard links per source, a new source copied, a missing one a warning', async () => {
  const home = path.join(dir, 'home', 'ann');
  const photos = path.join(home, 'Photos');
  const notes = path.join(home, 'notes.txt');
  const work = path.join(dir, 'srv', 'work');
  await mkdir(path.join(photos, 'cache'), { recursive: true });
  await mkdir(work, { recursive: true });
  await writeFile(path.join(photos, 'a.jpg'), 'photo a');
  await writeFile(path.join(photos, 'cache', 'thumb.bin'), 'thumbnail');
  await writeFile(notes, 'notes');
  await writeFile(path.join(work, 'plan.txt'), 'plan');
  const target = path.join(dir, 'target');
  await writeTargetMarker(target, UUID);
  let time = Date.parse('2026-11-27T08:15:00Z');
  const options = {
    target, expectedMarker: UUID, host: 'laptop', sources: [photos, notes], excludes: [`${photos}/cache`, '*.tmp'], clock: () => new Date(time),
  };
  const first = await runOnsiteSnapshot(options, quiet());
  assert.equal(first.outcome, 'success', first.warnings.join('\n'));
  const snap1 = path.join(target, 'laptop', first.snapshotId ?? '');
  assert.deepEqual((await readdir(path.join(snap1, photos))).sort(), ['a.jpg'], 'the anchored exclude applied inside its source');
  assert.deepEqual(await readdir(path.join(snap1, home)), ['Photos', 'notes.txt']);
  assert.equal(first.filesTotal, 2);

  time += 3_600_000;
  const missing = path.join(dir, 'unplugged');
  const second = await runOnsiteSnapshot({ ...options, sources: [photos, notes, work, missing] }, quiet());
  assert.equal(second.outcome, 'warning');
  assert.match(second.warnings[0] ?? '', /could not be read \(rsync exit 23\)/);
  assert.ok(second.warnings.some((line) => line.includes(missing)), second.warnings.join('\n'));
  const snap2 = path.join(target, 'laptop', second.snapshotId ?? '');
  for (const file of [path.join(photos, 'a.jpg'), notes]) {
    assert.equal((await stat(path.join(snap2, file))).ino, (await stat(path.join(snap1, file))).ino, `${file} hard-linked to the previous snapshot`);
  }
  assert.equal((await stat(path.join(snap2, work, 'plan.txt'))).nlink, 1, 'a source new since the previous snapshot is copied whole');
  assert.equal(second.filesTotal, 3);
});

/**
 * The drill's pure parts (src/core/drill-verdict.ts) and the clean room (src/adapters/sandbox.ts): verdicts,
 * altered-sheet votes, sampling, the guide script, and what a program inside the room can and cannot see.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  alteredSheets, canaryFindings, changedSinceSnapshot, checkFindings, comparisonFindings, drillVerdict, guideScript, includePattern, parseSheetList,
  reservoir, resticFinding, shuffled, stepNumbers, tooFewSheets, type SheetReading,
} from '../../src/core/drill-verdict.js';
import { crontabLines, onCalendar, systemdUnits } from '../../src/core/schedule.js';
import { seededRandom } from '../helpers/kit-fixtures.js';
import { bwrapArgs, probeBwrap, ROOM_HOME, runInRoom, type RoomSpec } from '../../src/adapters/sandbox.js';

/** a seeded uniform source for the sampling tests */
const below = (seed: number) => {
  const random = seededRandom(`drill-${seed}`);
  return (bound: number) => new DataView(random(4).buffer).getUint32(0) % bound;
};

test('a drill passes only with a restore run and no finding', () => {
  assert.equal(drillVerdict([], 1), 'passed');
  assert.equal(drillVerdict([], 0), 'failed');
  assert.equal(drillVerdict([{ code: 'E_DRILL_DATA_DIFFERS', message: 'x' }], 2), 'failed');
  const nothing = comparisonFindings({ filesChecked: 0, bytesChecked: 0, mismatches: [], mismatchCount: 0, changedSinceSnapshot: 3, notRestored: [], notRestoredCount: 0 }, 'tool');
  assert.deepEqual(nothing.map((f) => f.code), ['E_DRILL_NOTHING_CHECKED']);
});

test('restic failures map to their own verdicts', () => {
  const where = { repository: 'rest:http://127.0.0.1:1/', kitPassword: true, via: 'guide' as const };
  assert.equal(resticFinding('E_RESTIC_WRONG_PASSWORD', 'x', where).code, 'E_DRILL_WRONG_PASSWORD');
  assert.equal(resticFinding('E_RESTIC_UNREACHABLE', 'x', where).code, 'E_DRILL_UNREACHABLE');
  assert.equal(resticFinding('E_RESTIC_REPO_MISSING', 'x', where).code, 'E_DRILL_REPO_DELETED');
  assert.equal(resticFinding('E_RESTIC_FAILED', 'Load(<data/ab12cd>, 0, 0) returned error: status code 404', where).code, 'E_DRILL_PACK_MISSING');
  assert.equal(resticFinding('E_RESTIC_FAILED', 'something else', where).code, 'E_DRILL_GUIDE_COMMAND');
  assert.deepEqual(checkFindings(['pack 1a2b3c: does not exist'], 'r').map((f) => f.code), ['E_DRILL_PACK_MISSING']);
  assert.deepEqual(checkFindings(['tree 1a2b: file "x" blob 0 size could not be found'], 'r').map((f) => f.code), ['E_DRILL_REPO_DAMAGED']);
  assert.deepEqual(checkFindings([], 'r'), []);
});

test('an altered sheet is named by its fingerprint; the lists vote', () => {
  const listOf = (...fingerprints: string[]): ReadonlyMap<number, string> => new Map(fingerprints.map((fingerprint, index) => [index + 1, fingerprint]));
  const lists = listOf('AAAA', 'BBBB', 'CCCC', 'DDDD', 'EEEE');
  const sheet = (number: number, fingerprint: string, extra: Partial<SheetReading> = {}): SheetReading => ({ file: `sheet-${number}.pdf`, number, fingerprint, qrFingerprint: fingerprint, listed: lists, ...extra });
  assert.deepEqual(alteredSheets([sheet(1, 'AAAA'), sheet(2, 'BBBB'), sheet(3, 'CCCC')]), []);
  const forged = alteredSheets([sheet(1, 'AAAA'), sheet(2, 'XXXX', { listed: null, ownListDisagrees: true }), sheet(3, 'CCCC')]);
  assert.equal(forged.length, 1);
  assert.match(forged[0]?.message ?? '', /^sheet-2\.pdf: .*fingerprint XXXX.*BBBB/);
  // the forger also rewrote the sheet's own list: the other sheets' lists still outvote it
  const relisted = alteredSheets([sheet(1, 'AAAA'), sheet(2, 'XXXX', { listed: listOf('AAAA', 'XXXX', 'CCCC', 'DDDD', 'EEEE') }), sheet(3, 'CCCC')]);
  assert.deepEqual(relisted.map((f) => f.details?.['file']), ['sheet-2.pdf']);
  // text and QR code disagree
  assert.match(alteredSheets([sheet(1, 'AAAA', { qrFingerprint: 'QQQQ' })])[0]?.message ?? '', /differs from its QR code/);
  assert.equal(tooFewSheets(3, 3, []), null);
  assert.match(tooFewSheets(1, 3, [{ file: 'sheet-4.pdf', number: null, fingerprint: null, qrFingerprint: null, listed: null, unreadable: 'blank' }])?.message ?? '', /only 1 readable sheet, the kit needs 3: sheet-4\.pdf \(blank\)/);
});

test('--sheets is checked by name', () => {
  assert.deepEqual(parseSheetList('1, 3,4', 5), [1, 3, 4]);
  assert.throws(() => parseSheetList('1,6', 5), /"6" is not a sheet number of this kit \(1 to 5\)/);
  assert.throws(() => parseSheetList('2,2', 5), /sheet 2 is named twice/);
  assert.throws(() => parseSheetList('a', 5), /"a" is not a sheet number/);
});

test('sampling: a reservoir keeps N uniformly, a shuffle keeps every item', () => {
  const pool = reservoir<number>(10, below(7));
  for (let i = 0; i < 10_000; i++) pool.offer(i);
  assert.equal(pool.items().length, 10);
  assert.equal(pool.seen(), 10_000);
  assert.ok(pool.items().some((item) => item >= 10), 'later items replace early ones');
  const counts = new Array<number>(5).fill(0);
  for (let seed = 1; seed < 2000; seed++) {
    const first = shuffled([0, 1, 2, 3, 4], below(seed))[0] ?? 0;
    counts[first] = (counts[first] ?? 0) + 1;
  }
  for (const count of counts) assert.ok(count > 250, `shuffle is roughly uniform: ${counts.join(',')}`);
  assert.deepEqual([...shuffled([1, 2, 3, 4, 5], below(3))].sort(), [1, 2, 3, 4, 5]);
});

test('changed since the snapshot: later mtime or ctime, or gone', () => {
  assert.equal(changedSinceSnapshot({ size: 1, mtimeMs: 10, ctimeMs: 10 }, 20), false);
  assert.equal(changedSinceSnapshot({ size: 1, mtimeMs: 30, ctimeMs: 10 }, 20), true);
  assert.equal(changedSinceSnapshot({ size: 1, mtimeMs: 10, ctimeMs: 30 }, 20), true);
  assert.equal(changedSinceSnapshot(null, 20), true);
});

test('the canary: missing or wrong is a finding; none recorded is nothing to check', () => {
  const expected = { path: '/home/ann/.local/state/drkit/canary.txt', content: 'drkit canary kit 7QF2-9KXA 2026-11-27\n' };
  assert.deepEqual(canaryFindings(null, null, 'tool'), []);
  assert.deepEqual(canaryFindings(expected, null, 'tool').map((f) => f.code), ['E_DRILL_CANARY_MISSING']);
  assert.deepEqual(canaryFindings(expected, 'drkit canary kit AAAA-BBBB 2025-01-01\n', 'guide').map((f) => f.code), ['E_DRILL_CANARY_WRONG']);
  assert.deepEqual(canaryFindings(expected, expected.content, 'guide'), []);
});

test('the guide script types the nano files, skips sudo, marks each command and adds --include only for a sample', () => {
  const commands = ['mkdir -p ~/restore', 'cd ~/restore', 'sudo apt-get install -y restic', 'nano share-1.txt', 'nano missing.txt', 'restic restore latest --target ~/restore/files --verify'];
  const layer = 'Part 2. Restore step by step\n5. Make a folder\n$ mkdir -p ~/restore\n$ cd ~/restore\n6. Install\n$ sudo apt-get install -y restic\n7. Type\n$ nano share-1.txt\n$ nano missing.txt\n13. Restore\n$ restic restore latest --target ~/restore/files --verify\nPart 3. Other\n$ later';
  const steps = stepNumbers(layer, commands);
  assert.deepEqual(steps, ['5', '5', '6', '7', '7', '13']);
  const { script, steps: out } = guideScript(commands, steps, new Map([['share-1.txt', 'line 1\n']]), { marker: '@@m', includes: ['/src/odd [1]*.txt'] });
  assert.deepEqual(out.map((s) => s.action), ['run', 'run', 'skip', 'type', 'type', 'run']);
  assert.match(script, /^set -e -o pipefail\ncd "\$HOME"\n/);
  assert.match(script, /cat > 'share-1\.txt' <<'DRKIT_TYPED_m'\nline 1\nDRKIT_TYPED_m/);
  assert.match(script, /which no sheet or listing provides' >&2; exit 97/);
  assert.match(script, /--verify --include '\/src\/odd \\\[1\]\\\*\.txt'/);
  assert.doesNotMatch(script, /^sudo /m);
  assert.equal(includePattern('/a/b?c'), '/a/b\\?c');
  assert.doesNotMatch(guideScript(commands, steps, new Map(), { marker: '@@m' }).script, /--include/);
});

test('bwrap arguments: read-only system folders, links kept, hidden paths covered, a cleared environment', () => {
  const spec: RoomSpec = { home: '/tmp/x/home', binds: [{ host: '/tmp/x/in', room: '/drill' }], pathPrefix: ['/opt/r'], hidden: [] };
  const args = bwrapArgs(spec, [{ path: '/usr', kind: 'folder' }, { path: '/etc', kind: 'folder' }, { path: '/bin', kind: 'link', target: 'usr/bin' }],
    [{ path: '/etc/drkit', kind: 'folder' }, { path: '/etc/drkit.secrets', kind: 'file' }, { path: '/home/ann/config.yaml', kind: 'file' }], ['bash']);
  const joined = args.join(' ');
  assert.match(joined, /--unshare-all --share-net --die-with-parent --new-session --clearenv/);
  assert.match(joined, /--ro-bind \/usr \/usr --ro-bind \/etc \/etc --symlink usr\/bin \/bin --tmpfs \/etc\/drkit --ro-bind \/dev\/null \/etc\/drkit\.secrets --proc/);
  assert.doesNotMatch(joined, /config\.yaml/);
  assert.match(joined, new RegExp(`--bind /tmp/x/home ${ROOM_HOME} --ro-bind /tmp/x/in /drill --chdir ${ROOM_HOME} -- bash$`));
  assert.deepEqual(args.filter((_, i) => args[i - 1] === '--setenv'), ['PATH', 'HOME', 'LANG']);
});

test('inside the room: only PATH, HOME and LANG, an empty home, and nothing of the host but the system', async (t) => {
  const probe = await probeBwrap();
  if (!probe.usable) { t.skip(probe.reason); return; }
  const base = mkdtempSync(join(tmpdir(), 'drkit-room-'));
  try {
    const secret = join(base, 'secret.txt');
    writeFileSync(secret, 'do not look');
    mkdirSync(join(base, 'home'), { mode: 0o700 });
    const spec: RoomSpec = { home: join(base, 'home'), binds: [], pathPrefix: [], hidden: [secret] };
    const run = await runInRoom(spec, 'bwrap', 'bash', ['-c', `env | sort; ls -A ~ | wc -l; test -e ${secret} && echo SEEN; test -e /root && echo ROOT; test -e /work && echo WORK; id -u; touch /usr/x 2>/dev/null && echo WROTE; echo ok > ~/made`]);
    assert.equal(run.exitStatus, 0, run.stderrTail);
    const lines = run.stdout.trim().split('\n');
    // bash itself adds PWD, SHLVL and _
    const names = lines.filter((line) => line.includes('=')).map((line) => line.split('=')[0]).filter((name) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(name ?? ''));
    assert.deepEqual(names, ['HOME', 'LANG', 'PATH']);
    assert.ok(lines.includes('0'), 'the home starts empty');
    for (const word of ['SEEN', 'ROOT', 'WORK', 'WROTE']) assert.ok(!lines.includes(word), `${word}: ${run.stdout}`);
    // what the room writes in its home is there for the drill to check outside
    assert.ok(existsSync(join(base, 'home', 'made')));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('drkit schedule: the drill gets a monthly timer of its own', () => {
  const input = { node: '/usr/bin/node', cli: '/opt/drkit/dist/src/cli.js', config: '/home/ann/.config/drkit/config.yaml', jobs: [{ job: 'drill' as const, every: 'monthly' as const, at: '04:00' }] };
  const [service, timer] = systemdUnits(input);
  assert.match(service?.text ?? '', /ExecStart="\/usr\/bin\/node" "\/opt\/drkit\/dist\/src\/cli\.js" "drill" "--config" /);
  // a user unit cannot wait for the system's network-online.target (src/core/schedule.ts): it names none
  assert.doesNotMatch(service?.text ?? '', /^(Wants|After)=network-online\.target/m);
  assert.match(timer?.text ?? '', /OnCalendar=\*-\*-01 04:00:00\nPersistent=true/);
  assert.equal(onCalendar({ job: 'drill', every: 'monthly' }), '*-*-01 03:00:00');
  assert.match(crontabLines(input)[0] ?? '', /^0 4 1 \* \* \/usr\/bin\/node \/opt\/drkit\/dist\/src\/cli\.js drill --config /);
});

/**
 * A room stopped while restic works in it (a drill's rooms are stopped when the preflight finds damage, or when the
 * drill itself is interrupted) must leave no restic lock in the repository: restic 0.14 removes its lock only on
 * SIGINT, and inside the room's pid namespace a lock left by a killed restic can never be judged stale from outside.
 * Real bwrap (when user namespaces allow it), real restic 0.14, both isolations.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { descendantsOf, probeBwrap, ROOM_HOME, runInRoom, type Isolation, type RoomSpec } from '../../src/adapters/sandbox.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const isolation of ['bwrap', 'none'] as const satisfies readonly Isolation[]) {
  test(`a room (${isolation}) stopped during a restic backup leaves no lock in the repository, and its programs end`, async (t) => {
    if (isolation === 'bwrap') {
      const probe = await probeBwrap();
      if (!probe.usable) { t.skip(probe.reason); return; }
    }
    const base = mkdtempSync(join(tmpdir(), 'drkit-room-stop-'));
    try {
      const home = join(base, 'home');
      mkdirSync(home, { mode: 0o700 });
      writeFileSync(join(home, 'pw'), 'room-stop-test\n', { mode: 0o600 });
      const room = isolation === 'bwrap' ? ROOM_HOME : home;
      const spec: RoomSpec = { home, binds: [], pathPrefix: [], hidden: [] };
      // a backup of a stream that lasts far longer than the test waits: only the stop ends it
      const script = `set -e; export RESTIC_PASSWORD_FILE=${room}/pw RESTIC_REPOSITORY=${room}/repo; restic init >/dev/null; head -c 4G /dev/zero | restic backup --stdin --no-cache >/dev/null`;
      const stop = new AbortController();
      const running = runInRoom(spec, isolation, 'bash', ['-c', script], { signal: stop.signal });
      const locks = join(home, 'repo', 'locks');
      for (let waited = 0; !(existsSync(locks) && readdirSync(locks).length > 0); waited += 100) {
        assert.ok(waited < 60_000, 'restic took its lock');
        await sleep(100);
      }
      // restic writes its lock file, waits 200 ms and looks for others before it holds the lock for its cleanup:
      // a SIGINT inside that window leaves the file (restic's own race, in every version). Past it, no lock may stay
      await sleep(1000);
      // the programs of the room, as the host sees them (the test's own descendants only)
      const bash = descendantsOf(process.pid).at(-1);
      stop.abort();
      const run = await running;
      assert.notEqual(run.exitStatus, 0, 'the stopped backup did not pass');
      assert.deepEqual(readdirSync(locks), [], `restic removed its lock on the way out: exit ${String(run.exitStatus)} ${String(run.signal)} ${run.stderrTail}`);
      assert.ok(bash !== undefined);
      assert.deepEqual(descendantsOf(process.pid).filter((pid) => pid === bash), [], 'nothing of the room still runs');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
}

/** The probe's looks at the machine that the step tests do not reach: a NAS over ssh (a real sshd on 127.0.0.1). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemProbe } from '../../src/wizard/probe.js';
import { onsiteTargetQuestion } from '../../src/wizard/steps.js';
import { startSshd } from '../helpers/sshd.js';

test('a user@host:path target is checked over ssh: writable, not writable, unreachable', async () => {
  const sshd = await startSshd();
  const root = mkdtempSync(join(tmpdir(), 'drkit-wizard-ssh-'));
  try {
    const probe = systemProbe({ ssh: sshd.ssh });
    const check = onsiteTargetQuestion.check;
    assert.ok(check !== undefined);
    const draft = { onsite: 'ssh' as const, sources: [] };
    assert.deepEqual(await check(`${sshd.userHost}:${join(root, 'new-folder')}`, draft, probe), { ok: true, notes: [`${sshd.userHost}:${join(root, 'new-folder')}: reachable over ssh and writable`] });
    const missingParent = `${sshd.userHost}:${join(root, 'no', 'such', 'drkit')}`;
    assert.deepEqual(await check(missingParent, draft, probe), { ok: false, message: `${join(root, 'no', 'such', 'drkit')} on ${sshd.userHost} is not writable (or its parent folder is missing)` });
    writeFileSync(join(root, 'a-file'), 'x');
    assert.equal((await check(`${sshd.userHost}:${join(root, 'a-file', 'drkit')}`, draft, probe)).ok, false, 'a file is no parent folder');
    const unreachable = await systemProbe({ ssh: { ...sshd.ssh, port: 1 } }).inspectRemote(`${sshd.userHost}:/tmp`);
    assert.equal(unreachable.usable, false);
    assert.match(unreachable.usable ? '' : unreachable.reason, /^ssh to .* failed: .*Connection refused.* \(drkit needs a key that logs in without a password prompt\)$/);
    assert.equal(onsiteTargetQuestion.validate?.('nas.local', draft), 'must be user@host:path, e.g. backup@nas.local:/volume1/drkit');
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sshd.stop();
  }
});

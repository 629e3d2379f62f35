import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/errors.js';
import {
  listSnapshots, MARKER_FILE, openTarget, parseTarget, readTargetMarker, requireTargetMarker, rsyncRemoteShell, shellQuote, sshArgs,
  writeTargetMarker, type OnsiteTarget, type SshSettings,
} from '../../src/adapters/onsite-target.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

const UUID = '0b8f8f3e-4d0e-4c55-9a43-7f1f2a0e9c11';
const OTHER = 'f6f2a1b0-1111-4222-8333-944455556666';

test('targets: local folders and user@host:path, by rsync\'s colon-before-slash rule', () => {
  assert.deepEqual(parseTarget('/media/usb/backups'), { kind: 'local', root: '/media/usb/backups' });
  assert.deepEqual(parseTarget('./a:b'), { kind: 'local', root: path.resolve('a:b') });
  assert.deepEqual(parseTarget('backup@nas.local:/volume1/b'), { kind: 'remote', userHost: 'backup@nas.local', root: '/volume1/b' });
  assert.deepEqual(parseTarget('nas:'), { kind: 'remote', userHost: 'nas', root: '.' });
  assert.deepEqual(parseTarget('me@[::1]:b k'), { kind: 'remote', userHost: 'me@[::1]', root: 'b k' });
  assert.deepEqual(parseTarget('nas_box:/volume1'), { kind: 'remote', userHost: 'nas_box', root: '/volume1' }, 'an ssh config alias');
  for (const bad of ['', '-oProxyCommand=x:/b', 'a b:/c', '@host:/x']) {
    assert.throws(() => parseTarget(bad), (error: unknown) => error instanceof UserError && error.code === 'E_TARGET_SPEC', bad);
  }
});

test('remote arguments are quoted for the shell and for rsync -e', () => {
  assert.equal(shellQuote(`it's $(rm -rf ~)`), `'it'\\''s $(rm -rf ~)'`);
  assert.deepEqual(sshArgs({ port: 2222, identityFile: '/k', options: ['-o', 'X=y'] }, 'u@h'),
    ['-p', '2222', '-i', '/k', '-o', 'X=y', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-o', 'ServerAliveInterval=15',
      '-o', 'ServerAliveCountMax=4', '--', 'u@h']);
  assert.equal(rsyncRemoteShell({ port: 22, identityFile: '/home/ann/my keys/id', options: ['-o', `ProxyCommand=nc "x" %h`] }),
    `ssh -p 22 -i '/home/ann/my keys/id' -o 'ProxyCommand=nc "x" %h' -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4`);
  assert.throws(() => rsyncRemoteShell({ options: [`a'b"c`] }), /cannot be passed to rsync/);
});

/** The same checks for a local and a remote target. */
function targetContract(label: string, make: () => { spec: string; localRoot: string; ssh: SshSettings; open: () => OnsiteTarget }): void {
  test(`${label}: marker, listing, rename, latest, delete`, async () => {
    const { spec, localRoot, ssh, open } = make();
    const target = open();
    assert.equal(await target.readMarker(), null);
    await assert.rejects(requireTargetMarker(target, UUID), (error: unknown) => error instanceof UserError && error.code === 'E_TARGET_ABSENT'
      && /target absent/.test(error.message) && error.hints.some((hint) => /mounted/.test(hint)));
    assert.equal(existsSync(localRoot), false, 'a refused target is not created');

    await writeTargetMarker(spec, UUID, ssh);
    assert.equal(await readFile(path.join(localRoot, MARKER_FILE), 'utf8'), `${UUID}\n`);
    await requireTargetMarker(target, UUID.toUpperCase());
    await assert.rejects(requireTargetMarker(target, OTHER), /another drkit setup/);

    assert.equal(await target.list('laptop'), null);
    await target.makeHostFolder('laptop');
    assert.deepEqual(await target.list('laptop'), []);
    execFileSync('mkdir', ['-p', path.join(localRoot, 'laptop', '2026-11-27T081500Z.inprogress', 'x')]);
    await target.flush('laptop');
    await target.rename('laptop', '2026-11-27T081500Z.inprogress', '2026-11-27T081500Z');
    execFileSync('mkdir', ['-p', path.join(localRoot, 'laptop', '2026-11-28T000000Z')]);
    await assert.rejects(target.rename('laptop', '2026-11-27T081500Z', '2026-11-28T000000Z'));
    assert.ok(existsSync(path.join(localRoot, 'laptop', '2026-11-27T081500Z', 'x')), 'a refused rename moves nothing');
    assert.equal(await target.readLatest('laptop'), null);
    await target.setLatest('laptop', '2026-11-27T081500Z');
    await target.setLatest('laptop', '2026-11-28T000000Z');
    assert.equal(await readlink(path.join(localRoot, 'laptop', 'latest')), '2026-11-28T000000Z');
    assert.equal(await target.readLatest('laptop'), '2026-11-28T000000Z');
    assert.ok((await lstat(path.join(localRoot, 'laptop', 'latest'))).isSymbolicLink());
    assert.deepEqual((await target.list('laptop'))?.sort(), ['2026-11-27T081500Z', '2026-11-28T000000Z', 'latest']);
    execFileSync('mkdir', ['-p', path.join(localRoot, 'laptop', '2026-11-29T000000Z.inprogress')]);
    assert.deepEqual(await listSnapshots(target, 'laptop'), {
      complete: ['2026-11-27T081500Z', '2026-11-28T000000Z'], inProgress: ['2026-11-29T000000Z.inprogress'], latest: '2026-11-28T000000Z',
    });
    await target.remove('laptop', '2026-11-29T000000Z.inprogress');
    assert.deepEqual(await listSnapshots(target, 'nohost'), { complete: [], inProgress: [], latest: null });
    await target.remove('laptop', '2026-11-27T081500Z');
    assert.deepEqual((await target.list('laptop'))?.sort(), ['2026-11-28T000000Z', 'latest']);
    await assert.rejects(target.remove('laptop', '../../etc'), /not a snapshot folder name/);
    await assert.rejects(target.remove('laptop', 'latest'), /not the latest link/);
    await assert.rejects(target.list('../x'), (error: unknown) => error instanceof UserError && error.code === 'E_HOST_NAME');
    assert.equal(await readTargetMarker(spec, ssh), UUID);
  });
}

describe('local target', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'drkit-target-')); });
  after(() => rm(dir, { recursive: true, force: true }));
  targetContract('local', () => {
    const root = path.join(dir, 'usb disk');
    return { spec: root, localRoot: root, ssh: {}, open: () => openTarget(root) };
  });
});

describe('remote target over a real sshd', () => {
  let sshd: TestSshd | undefined;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'drkit-remote-'));
    sshd = await startSshd();
  });
  after(async () => {
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // a path with a space, a quote and a command substitution: none may run, all must arrive literally
  const canary = () => path.join(dir, 'pwned');
  targetContract('remote', () => {
    const root = path.join(dir, `nas share 'q' $(touch ${canary()})`);
    const spec = `${sshd?.userHost ?? ''}:${root}`;
    return { spec, localRoot: root, ssh: sshd?.ssh ?? {}, open: () => openTarget(spec, sshd?.ssh) };
  });
  test('no command in a path ran on the remote side', () => {
    assert.equal(existsSync(canary()), false);
  });
  test('an unreachable host is a typed ssh error', async () => {
    const target = openTarget(`root@127.0.0.1:${dir}`, { ...sshd?.ssh, port: 1 });
    await assert.rejects(target.readMarker(), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'E_SSH');
  });
});

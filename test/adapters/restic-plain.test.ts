// Reading a repository's files without restic (src/adapters/restic/plain.ts): a local path or local:PATH through
// the file system, rest: through its HTTP API with the URL's user and password as basic auth (rclone serve
// restic --user/--pass here), and null for every other backend or a refused request. Real restic and rclone.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runProgram } from '../../src/adapters/exec.js';
import { listPlainSnapshots, readPlainConfig } from '../../src/adapters/restic/plain.js';
import { freePort, waitUntilListening } from '../helpers/servers.js';

const scratch = mkdtempSync(join(tmpdir(), 'drkit-plain-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const passwordFile = join(scratch, 'password');
writeFileSync(passwordFile, 'plain read password', { mode: 0o600 });

async function restic(repository: string, args: string[]): Promise<void> {
  const result = await runProgram('restic', args, { env: { RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(scratch, 'cache') } });
  assert.equal(result.exitStatus, 0, result.stderrTail);
}

test('local: a path and local:PATH read the config and list the snapshots; other backends are not read', async () => {
  const repository = join(scratch, 'local-repo');
  await restic(repository, ['init']);
  await restic(repository, ['backup', passwordFile]);
  const bytes = readFileSync(join(repository, 'config'));
  assert.ok((await readPlainConfig(repository))?.equals(bytes));
  assert.ok((await readPlainConfig(`local:${repository}`))?.equals(bytes));
  assert.deepEqual(await listPlainSnapshots(repository), readdirSync(join(repository, 'snapshots')));
  assert.equal(await readPlainConfig(join(scratch, 'nothing-here')), null);
  for (const other of ['s3:s3.amazonaws.com/bucket', 'b2:bucket:path', 'sftp:user@host:/srv/repo', 'rclone:remote:path']) {
    assert.equal(await readPlainConfig(other), null, other);
  }
});

test('rest: with the URL\'s credentials as basic auth; wrong credentials give null, not an error', async () => {
  const data = join(scratch, 'rest-data');
  const port = await freePort();
  const server = spawn('rclone', ['serve', 'restic', '--config', '/dev/null', '--addr', `127.0.0.1:${port}`, '--user', 'ann', '--pass', 'p@ss:word', data], { stdio: 'ignore' });
  try {
    await waitUntilListening(port, 15_000, () => 'rclone serve restic');
    const url = `rest:http://ann:${encodeURIComponent('p@ss:word')}@127.0.0.1:${port}/`;
    await restic(url, ['init']);
    await restic(url, ['backup', passwordFile]);
    const config = await readPlainConfig(url);
    assert.ok(config?.equals(readFileSync(join(data, 'config'))));
    assert.deepEqual(await listPlainSnapshots(url), readdirSync(join(data, 'snapshots')));
    assert.equal(await readPlainConfig(`rest:http://ann:wrong@127.0.0.1:${port}/`), null);
    assert.equal(await readPlainConfig(`rest:http://127.0.0.1:${port}/`), null);
  } finally {
    server.kill('SIGKILL');
  }
});

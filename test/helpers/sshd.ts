/**
 * A real OpenSSH server on 127.0.0.1 for tests of `user@host:path` targets: its own host key, one authorized
 * client key, its own config, all in a temporary folder; a free port; stopped (and the folder removed) by stop().
 *
 * Runs as the current user. As root (the CI container), it logs in as root with the key only
 * (PermitRootLogin prohibit-password); StrictModes is off because the temporary folder's permissions are not
 * sshd's business here, and UsePAM is off so no PAM stack is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SshSettings } from '../../src/adapters/onsite-target.js';

const run = promisify(execFile);

export interface TestSshd {
  port: number;
  /** `user@127.0.0.1` */
  userHost: string;
  /** the client's private key */
  identityFile: string;
  /** settings for drkit's ssh: port, key, and no host key checks (the host key is new each run) */
  ssh: SshSettings;
  /** the folder holding the keys and config (removed by stop) */
  dir: string;
  stop(): Promise<void>;
}

export const SSHD_PATH = '/usr/sbin/sshd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with status ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1000);
      socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('SSH-')); });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => { socket.destroy(); resolve(false); });
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('sshd did not start listening in time');
}

/** Starts sshd; throws when it cannot (callers skip the test with the message). */
export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'drkit-sshd-'));
  const hostKey = path.join(dir, 'host_ed25519');
  const identityFile = path.join(dir, 'client_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', identityFile]);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${identityFile}.pub`), { mode: 0o600 });
  // privilege separation needs this folder to exist (it is created by the service unit on a normal system)
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  await writeFile(config, [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'LogLevel ERROR',
    'MaxStartups 100',
    'MaxSessions 100',
    '',
  ].join('\n'));
  // -D: stay in the foreground (we own the process); -e: log to stderr
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => { log = (log + chunk).slice(-4000); });
  try {
    await waitForBanner(port, child, Date.now() + 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}: ${log}`);
  }
  const user = userInfo().username;
  return {
    port,
    userHost: `${user}@127.0.0.1`,
    identityFile,
    dir,
    ssh: {
      port, identityFile,
      // curve25519 alone: the post-quantum default exchange costs ~0.2 s of CPU per connection on a busy CI box
      options: ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes',
        '-o', 'KexAlgorithms=curve25519-sha256'],
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A restic REST server on 127.0.0.1 for the demo: `rclone serve restic` (Debian's rclone) over a local folder,
 * on a free port. It stands in for Backblaze B2 so a newcomer sees the offsite path work without an account.
 * Only loopback is ever listened on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { ToolError, UserError } from '../errors.js';

export interface RestServer {
  /** the restic repository URL, `rest:http://127.0.0.1:PORT/` */
  repository: string;
  port: number;
  pid: number | undefined;
  /** stops the server; safe to call twice */
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new ToolError('E_PORT', 'no free port on 127.0.0.1', { program: 'node', exitStatus: null });
  return address.port;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}

/** Starts `rclone serve restic` over `dataDir` and waits until it accepts connections (at most 15 s). */
export async function startRestServer(dataDir: string): Promise<RestServer> {
  const port = await freeLoopbackPort();
  let log = '';
  // --config /dev/null: no rclone.conf of the machine is read; the served folder is a plain local path
  const child: ChildProcess = spawn('rclone', ['serve', 'restic', '--config', '/dev/null', '--addr', `127.0.0.1:${port}`, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  child.stdout?.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-2000); });
  child.stderr?.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-2000); });

  const server: RestServer = {
    repository: `rest:http://127.0.0.1:${port}/`, port, pid: child.pid,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    const failed = await Promise.race([spawnError, new Promise<null>((resolve) => setTimeout(() => resolve(null), 50))]);
    if (failed !== null) {
      if ((failed as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UserError('E_TOOL_MISSING', 'rclone is not installed (or not on PATH)', { hints: ['install it: sudo apt-get install rclone'] });
      }
      throw failed;
    }
    if (exited) throw new ToolError('E_REST_SERVER', 'rclone serve restic stopped at once', { program: 'rclone', exitStatus: child.exitCode, stderrTail: log });
    if (await listening(port)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new ToolError('E_REST_SERVER', `rclone serve restic did not listen on 127.0.0.1:${port} within 15 s`, { program: 'rclone', exitStatus: null, stderrTail: log });
    }
  }
}

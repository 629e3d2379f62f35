/**
 * Real servers for tests, on 127.0.0.1 only, each on a free port:
 * - `startRcloneRestServer`: `rclone serve restic` (restic's REST protocol) over a folder, as the offsite server
 *   the product brief names; restic reaches it as `rest:http://127.0.0.1:PORT/`;
 * - `startS3Server`: s3rver (npm) over TLS with a self-signed certificate made here by openssl; restic reaches it
 *   as `s3:https://127.0.0.1:PORT/BUCKET` with `--cacert`. Never plain HTTP: restic then silently corrupts the
 *   repository on s3rver.
 * Both can be stopped and started again on the same port and folder (to test "server down, next run works").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../src/adapters/exec.js';
import { freeLoopbackPort as freePort } from '../../src/adapters/rest-server.js';

/** A TCP port on 127.0.0.1 that was free a moment ago: the product's own rule (src/adapters/rest-server.ts). */
export { freePort };

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}

/** Polls until the port listens; throws after `timeoutMs`, with `describe()` in the message. */
export async function waitUntilListening(port: number, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isListening(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server on 127.0.0.1:${port} did not listen within ${timeoutMs} ms: ${describe()}`);
}

export interface RunningServer {
  port: number;
  /** the restic repository URL of this server */
  repository: string;
  /** the folder that holds the server's data; survives stop() */
  dataDir: string;
  /** the backend's variables restic needs (none for the REST server) */
  env: Record<string, string>;
  /** the CA file restic must trust (S3 over TLS only) */
  cacert?: string;
  /** pid of the server process (rclone only; s3rver runs inside the test process) */
  pid?: number;
  stop(): Promise<void>;
  /** starts it again on the same port and folder */
  start(): Promise<void>;
}

/** `rclone serve restic --addr 127.0.0.1:PORT DIR`; with `auth`, HTTP basic auth (given in rclone's env, not argv). */
export async function startRcloneRestServer(options: { dataDir?: string; port?: number; auth?: { user: string; pass: string }; /** more rclone flags, e.g. ['--bwlimit', '10M'] for a slow server */ extraArgs?: readonly string[] } = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'drkit-rest-'));
  const port = options.port ?? await freePort();
  let child: ChildProcess | null = null;
  let log = '';

  const server: RunningServer = {
    port, dataDir, env: {}, repository: `rest:http://127.0.0.1:${port}/`,
    async start() {
      if (child !== null) return;
      log = '';
      // --config /dev/null: ignore any rclone.conf of the machine; the served folder is a plain local path
      const auth = options.auth === undefined ? {} : { RCLONE_USER: options.auth.user, RCLONE_PASS: options.auth.pass };
      const started = spawn('rclone', ['serve', 'restic', '--config', '/dev/null', ...(options.extraArgs ?? []), '--addr', `127.0.0.1:${port}`, dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...auth } });
      child = started;
      server.pid = started.pid;
      started.stdout.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-4000); });
      started.stderr.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-4000); });
      started.once('exit', () => { if (child === started) child = null; });
      await waitUntilListening(port, 15_000, () => `rclone serve restic: ${log}`);
    },
    async stop() {
      const running = child;
      if (running === null) return;
      child = null;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}

/** A self-signed certificate for 127.0.0.1 (subjectAltName IP), made with the openssl CLI. */
export async function makeSelfSignedCertificate(folder: string): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = join(folder, 'key.pem');
  const certFile = join(folder, 'cert.pem');
  const result = await runProgram('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { debianPackage: 'openssl' });
  if (result.exitStatus !== 0) throw new Error(`openssl req failed: ${result.stderrTail}`);
  return { keyFile, certFile };
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server & { closeAllConnections?: () => void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver over TLS on 127.0.0.1 with one bucket; credentials are s3rver's fixed S3RVER/S3RVER. */
export async function startS3Server(options: { dataDir?: string; port?: number; bucket?: string } = {}): Promise<RunningServer> {
  const base = await mkdtemp(join(tmpdir(), 'drkit-s3-'));
  const dataDir = options.dataDir ?? join(base, 'data');
  await mkdir(dataDir, { recursive: true });
  const bucket = options.bucket ?? 'drkit';
  const { keyFile, certFile } = await makeSelfSignedCertificate(base);
  const key = await readFile(keyFile);
  const cert = await readFile(certFile);
  const port = options.port ?? await freePort();
  // s3rver is CommonJS without types
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  let instance: S3rverInstance | null = null;

  const server: RunningServer = {
    port, dataDir, cacert: certFile,
    repository: `s3:https://127.0.0.1:${port}/${bucket}`,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1' },
    async start() {
      if (instance !== null) return;
      const created = new S3rver({
        address: '127.0.0.1', port, key, cert, silent: true, directory: dataDir,
        configureBuckets: [{ name: bucket }],
      });
      await created.run();
      instance = created;
    },
    async stop() {
      const running = instance;
      if (running === null) return;
      instance = null;
      // keep-alive connections from restic would hold close() open
      running.httpServer?.closeAllConnections?.();
      await running.close();
    },
  };
  await server.start();
  return server;
}

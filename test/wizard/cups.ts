/**
 * A private CUPS scheduler for tests: its own ServerRoot, spool and socket in a temp folder (the machine's CUPS is
 * never touched), with one raw queue whose backend keeps every job's bytes as OUT/job-ID.pdf and its copies and
 * title in OUT/job-ID.meta. `lp`/`lpstat` reach it through CUPS_SERVER=SOCKET.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../src/adapters/exec.js';

export interface PrivateCups {
  socket: string;
  /** where the queue's backend writes each job */
  out: string;
  printer: string;
  stop(): Promise<void>;
}

const BACKEND = `#!/bin/sh
# CUPS backend: DEVICE_URI=drkitfile:/OUT keeps each job as OUT/job-ID.pdf, with "copies title" in OUT/job-ID.meta
if [ $# -eq 0 ]; then echo 'file drkitfile "Unknown" "drkit test file backend"'; exit 0; fi
out=\${DEVICE_URI#drkitfile:}
if [ -n "$6" ]; then cat -- "$6" > "$out/job-$1.tmp"; else cat > "$out/job-$1.tmp"; fi || exit 1
printf '%s %s\\n' "$4" "$3" > "$out/job-$1.meta"
mv -- "$out/job-$1.tmp" "$out/job-$1.pdf"
`;

/** True when cupsd, lp and lpstat are installed (scripts/install-system-deps.sh installs them). */
export function cupsInstalled(): boolean {
  return ['/usr/sbin/cupsd', '/usr/bin/lp', '/usr/bin/lpstat'].every((path) => existsSync(path));
}

export async function startPrivateCups(): Promise<PrivateCups> {
  const root = mkdtempSync(join(tmpdir(), 'drkit-cups-'));
  const dirs = ['etc/ppd', 'spool', 'cache', 'state', 'tmp', 'log', 'out', 'lib/backend'];
  for (const dir of dirs) mkdirSync(join(root, dir), { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'out'), 0o1777);
  // ServerBin: the system's filters and backends, plus ours
  for (const name of readdirSync('/usr/lib/cups')) if (name !== 'backend') symlinkSync(join('/usr/lib/cups', name), join(root, 'lib', name));
  for (const name of readdirSync('/usr/lib/cups/backend')) symlinkSync(join('/usr/lib/cups/backend', name), join(root, 'lib', 'backend', name));
  writeFileSync(join(root, 'lib', 'backend', 'drkitfile'), BACKEND, { mode: 0o755 });
  const socket = join(root, 'cups.sock');
  writeFileSync(join(root, 'etc', 'cupsd.conf'), [
    `Listen ${socket}`, 'LogLevel warn', 'WebInterface No', 'Browsing No', 'DefaultAuthType None',
    '<Location />', '  Order allow,deny', '  Allow all', '</Location>', '<Policy default>', '  <Limit All>', '    Order deny,allow', '  </Limit>', '</Policy>', '',
  ].join('\n'));
  writeFileSync(join(root, 'etc', 'cups-files.conf'), [
    `ServerRoot ${join(root, 'etc')}`, `ServerBin ${join(root, 'lib')}`, `RequestRoot ${join(root, 'spool')}`, `CacheDir ${join(root, 'cache')}`,
    `StateDir ${join(root, 'state')}`, `TempDir ${join(root, 'tmp')}`, `ErrorLog ${join(root, 'log', 'error_log')}`,
    `AccessLog ${join(root, 'log', 'access_log')}`, `PageLog ${join(root, 'log', 'page_log')}`, 'SystemGroup root', '',
  ].join('\n'));
  const child: ChildProcess = spawn('/usr/sbin/cupsd', ['-f', '-c', join(root, 'etc', 'cupsd.conf'), '-s', join(root, 'etc', 'cups-files.conf')], { stdio: 'ignore' });
  const env = { CUPS_SERVER: socket };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await runProgram('lpstat', ['-r'], { env });
    if (ready.exitStatus === 0 && /is running/.test(ready.stdout)) break;
    if (Date.now() > deadline) throw new Error(`private cupsd did not start: ${ready.stderrTail}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const printer = 'drkit-home';
  const added = await runProgram('lpadmin', ['-p', printer, '-E', '-v', `drkitfile:${join(root, 'out')}`, '-m', 'raw'], { env });
  if (added.exitStatus !== 0) throw new Error(`lpadmin failed: ${added.stderrTail}`);
  return {
    socket, out: join(root, 'out'), printer,
    async stop() {
      const exited = new Promise<void>((resolve) => { if (child.exitCode !== null) resolve(); else child.once('exit', () => resolve()); });
      child.kill('SIGTERM');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The jobs the queue's backend received, by job number: bytes file, copies and title. */
export function printedJobs(out: string): { id: number; file: string; meta: string }[] {
  return readdirSync(out).filter((name) => /^job-\d+\.pdf$/.test(name))
    .map((name) => ({ id: Number(/\d+/.exec(name)?.[0]), file: join(out, name), meta: join(out, name.replace(/\.pdf$/, '.meta')) }))
    .sort((a, b) => a.id - b.id);
}


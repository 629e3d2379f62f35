/**
 * The drill's clean room: a bubblewrap (`bwrap`) sandbox that holds only what a restorer with k sheets, the guide
 * and a live USB has.
 *
 * Rules:
 * - the system folders (/usr, /etc, /lib*, /bin, /sbin) are bound read-only; where they are symbolic links (a
 *   merged /usr) the link is made instead. /proc, /dev and an empty /tmp are the room's own;
 * - the home folder is an empty folder of the drill's scratch space, bound as /home/restorer: the only writable
 *   place that outlives the room, so the restored files can be compared outside it;
 * - the environment is cleared: PATH, HOME and LANG only. Every namespace is new except the network's, so the
 *   repository on 127.0.0.1 (or the internet) stays reachable; the room dies with the drill (--die-with-parent);
 * - nothing else of the host is there: not drkit's config, secrets or state folder, not the source data, not the
 *   kit folder. A hidden path that lies under a system folder (a config in /etc) is covered (an empty tmpfs over a
 *   folder, /dev/null over a file);
 * - extra read-only binds (`binds`) bring in what the restorer would have but this machine keeps elsewhere: the
 *   restic binary under test, drkit itself for `--via tool`.
 *
 * Where bwrap cannot run (not installed, no unprivileged user namespaces), the room degrades to a cleared
 * environment and the scratch home on the host: `isolation: none`, which the drill reports loudly.
 * `DRKIT_DRILL_ISOLATION=none` forces that path (a test hook, documented in docs/drills.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { runProgram, type RunOptions, type RunResult } from './exec.js';

export type Isolation = 'bwrap' | 'none';

/** The room's home folder, as the programs inside see it. */
export const ROOM_HOME = '/home/restorer';
/** A live system's PATH: the tools come from the system's own folders. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const SYSTEM_FOLDERS = ['/usr', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin'] as const;

export interface RoomBind {
  /** the host path */
  host: string;
  /** where it appears in the room (the same path when isolation is none) */
  room: string;
}

export interface RoomSpec {
  /** host folder bound as the room's home; must be empty and private */
  home: string;
  /** read-only binds beside the system folders */
  binds: readonly RoomBind[];
  /** folders put in front of PATH (room paths) */
  pathPrefix: readonly string[];
  /** host paths that must not be seen inside (config, secrets, state, sources, kit) */
  hidden: readonly string[];
}

/** A system folder as found on the host: a real folder to bind, a symbolic link to recreate, or absent. */
export type SystemEntry = { path: string; kind: 'folder' } | { path: string; kind: 'link'; target: string };

/** A hidden path and its kind on the host. */
export interface HiddenEntry { path: string; kind: 'folder' | 'file' }

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The environment of every program in the room. */
export function roomEnvironment(spec: Pick<RoomSpec, 'pathPrefix'>, home: string): Record<string, string> {
  return { PATH: [...spec.pathPrefix, SYSTEM_PATH].join(':'), HOME: home, LANG: 'C.UTF-8' };
}

/** bwrap's arguments for running `command` in the room. Pure. */
export function bwrapArgs(spec: RoomSpec, system: readonly SystemEntry[], hidden: readonly HiddenEntry[], command: readonly string[]): string[] {
  const args = ['--unshare-all', '--share-net', '--die-with-parent', '--new-session', '--clearenv'];
  for (const [key, value] of Object.entries(roomEnvironment(spec, ROOM_HOME))) args.push('--setenv', key, value);
  for (const entry of system) {
    if (entry.kind === 'link') args.push('--symlink', entry.target, entry.path);
    else args.push('--ro-bind', entry.path, entry.path);
  }
  // a hidden path under a bound system folder is covered; elsewhere it is simply not bound
  for (const entry of hidden) {
    if (!system.some((folder) => folder.kind === 'folder' && isInside(entry.path, folder.path))) continue;
    if (entry.kind === 'folder') args.push('--tmpfs', entry.path);
    else args.push('--ro-bind', '/dev/null', entry.path);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', '/home', '--bind', spec.home, ROOM_HOME);
  for (const bind of spec.binds) args.push('--ro-bind', bind.host, bind.room);
  args.push('--chdir', ROOM_HOME, '--', ...command);
  return args;
}

/** The system folders of this host, with merged-/usr links recognised. */
export async function systemEntries(): Promise<SystemEntry[]> {
  const entries: SystemEntry[] = [];
  for (const path of SYSTEM_FOLDERS) {
    const stats = await lstat(path).catch(() => null);
    if (stats === null) continue;
    if (stats.isSymbolicLink()) entries.push({ path, kind: 'link', target: await readlink(path) });
    else if (stats.isDirectory()) entries.push({ path, kind: 'folder' });
  }
  return entries;
}

async function hiddenEntries(paths: readonly string[]): Promise<HiddenEntry[]> {
  const out: HiddenEntry[] = [];
  for (const path of paths) {
    const stats = await lstat(path).catch(() => null);
    if (stats !== null) out.push({ path, kind: stats.isDirectory() ? 'folder' : 'file' });
  }
  return out;
}

let probed: Promise<{ usable: boolean; reason: string }> | undefined;

/** Whether bwrap can build a room here (once per process): it must be installed and allowed to make namespaces. */
export function probeBwrap(): Promise<{ usable: boolean; reason: string }> {
  if (process.env['DRKIT_DRILL_ISOLATION'] === 'none') return Promise.resolve({ usable: false, reason: 'DRKIT_DRILL_ISOLATION=none is set (test hook)' });
  probed ??= (async () => {
    try {
      // the same room as a drill's, with the system's temporary folder as its home, running `true`
      const args = bwrapArgs({ home: tmpdir(), binds: [], pathPrefix: [], hidden: [] }, await systemEntries(), [], ['true']);
      const result = await runProgram('bwrap', args, { cleanEnv: true, env: { PATH: SYSTEM_PATH }, debianPackage: 'bubblewrap' });
      if (result.exitStatus === 0) return { usable: true, reason: '' };
      return { usable: false, reason: `bwrap cannot create a sandbox here (no user namespaces?): ${result.stderrTail.trim().split('\n').at(-1) ?? `exit ${String(result.exitStatus)}`}` };
    } catch {
      return { usable: false, reason: 'bwrap is not installed (Debian package bubblewrap)' };
    }
  })();
  return probed;
}

export interface RoomRun extends RunResult {
  isolation: Isolation;
}

export type RoomRunOptions = Pick<RunOptions, 'onStdoutLine' | 'onStderrLine' | 'collectStdout' | 'signal' | 'input'>;

/**
 * Runs `program args` in the room. `isolation` is what the caller decided after `probeBwrap` (the drill decides
 * once, so every via of one drill runs the same way). With 'none', the program runs on the host with the room's
 * environment and the scratch home, binds taken at their host paths.
 */
export async function runInRoom(spec: RoomSpec, isolation: Isolation, program: string, args: readonly string[], options: RoomRunOptions = {}): Promise<RoomRun> {
  if (isolation === 'bwrap') {
    const argv = bwrapArgs(spec, await systemEntries(), await hiddenEntries(spec.hidden), [program, ...args]);
    /*
     * A stopped room must not leave a restic lock in the owner's repository. Killing bwrap kills the room's programs
     * with SIGKILL (--die-with-parent), and a killed restic leaves its lock, under a pid of the room's own pid
     * namespace that restic outside can never judge stale. So the room's programs get SIGINT first (on which every
     * restic removes its lock, and the guide's `set -e` session ends), and bwrap is stopped only after a grace.
     */
    const outer = options.signal;
    const stopBwrap = new AbortController();
    let bwrapPid: number | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const interruptRoom = (): void => {
      if (bwrapPid !== undefined) {
        for (const pid of descendantsOf(bwrapPid)) {
          try { process.kill(pid, 'SIGINT'); } catch { /* gone already */ }
        }
      }
      graceTimer = setTimeout(() => { stopBwrap.abort(); }, ROOM_STOP_GRACE_MS);
    };
    if (outer?.aborted === true) stopBwrap.abort();
    else outer?.addEventListener('abort', interruptRoom, { once: true });
    try {
      const result = await runProgram('bwrap', argv, {
        ...options, signal: stopBwrap.signal, cleanEnv: true, env: { PATH: SYSTEM_PATH }, debianPackage: 'bubblewrap',
        onSpawn: (pid) => { bwrapPid = pid; },
      });
      return { ...result, isolation };
    } finally {
      clearTimeout(graceTimer);
      outer?.removeEventListener('abort', interruptRoom);
    }
  }
  const env = roomEnvironment({ pathPrefix: spec.pathPrefix.map((path) => hostPathOf(spec, path)) }, spec.home);
  // the same stop without a room: SIGINT to the whole session (restic removes its lock), SIGKILL after the grace
  const result = await runProgram(program, args.map((arg) => hostPathOf(spec, arg)), {
    ...options, cleanEnv: true, env, cwd: spec.home, processGroup: true, stopSignal: 'SIGINT', killGraceMs: ROOM_STOP_GRACE_MS,
  });
  return { ...result, isolation };
}

/** how long a stopped room's programs get to end on their SIGINT (restic removing its lock) before bwrap is killed */
const ROOM_STOP_GRACE_MS = 10_000;

/** Every process below `root` in the host's process tree (from /proc/PID/stat), deepest last. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const name of names) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields start after the last ")"
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended while the table was read
    }
  }
  const found: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A room path as the host sees it (isolation none): the home and the binds mapped back, anything else unchanged. */
export function hostPathOf(spec: Pick<RoomSpec, 'home' | 'binds'>, roomPath: string): string {
  if (isInside(roomPath, ROOM_HOME)) return `${spec.home}${roomPath.slice(ROOM_HOME.length)}`;
  for (const bind of spec.binds) if (isInside(roomPath, bind.room)) return `${bind.host}${roomPath.slice(bind.room.length)}`;
  return roomPath;
}

/** The room path of a host path inside the home or a bind (for the bwrap room; unchanged with isolation none). */
export function roomPathOf(spec: Pick<RoomSpec, 'home' | 'binds'>, isolation: Isolation, hostPath: string): string {
  if (isolation === 'none') return hostPath;
  if (isInside(hostPath, spec.home)) return `${ROOM_HOME}${hostPath.slice(spec.home.length)}`;
  for (const bind of spec.binds) if (isInside(hostPath, bind.host)) return `${bind.room}${hostPath.slice(bind.host.length)}`;
  return hostPath;
}

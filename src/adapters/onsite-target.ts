/**
 * The onsite target: a local folder (a USB disk's mount point) or `user@host:path` (a NAS over ssh). This module
 * does every file operation on it other than rsync's copy: the identity marker, listing snapshots, renames, the
 * `latest` link, deletions.
 *
 * Rules:
 * - The target proves its identity with `TARGET/.drkit-target`, a file holding the UUID written at init. A caller
 *   reads and checks it BEFORE writing anything (an unmounted disk's empty mount point must never fill up).
 * - Remote operations run as `ssh [options] -- user@host 'COMMAND'`, where COMMAND is a POSIX shell line built
 *   here with every argument single-quoted (`shellQuote`): a path can hold spaces, quotes, `$(...)` or newlines
 *   without ever being run. The remote login shell must be POSIX-like (sh, bash, dash, ash, zsh).
 * - Only names this module can parse are renamed or deleted: snapshot names, in-progress names, `latest`
 *   (see src/core/snapshot-names.ts). A typo can never make drkit delete something else.
 * - ssh runs with BatchMode=yes (it never prompts for a password: a scheduled job has nobody to answer), a 30 s
 *   connect timeout and keep-alives (a NAS that vanishes mid-transfer is noticed within a minute instead of
 *   hanging the job). The owner's `options` come first, and ssh keeps the first value given for an option, so
 *   they can override these defaults.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ToolError, UserError } from '../errors.js';
import { classifyEntries, LATEST_LINK, parseInProgressName, parseSnapshotName } from '../core/snapshot-names.js';
import { parseTargetSpec } from '../core/target-spec.js';
import { runProgram } from './exec.js';
import { writeFileAtomic } from './files.js';

export const MARKER_FILE = '.drkit-target';

/** How drkit reaches a remote target. Every field is optional; ssh's own config (~/.ssh/config) applies too. */
export interface SshSettings {
  /** the ssh program (default `ssh`) */
  command?: string;
  port?: number;
  /** private key file (`-i`) */
  identityFile?: string;
  /** more ssh arguments, e.g. `['-o', 'StrictHostKeyChecking=accept-new']` */
  options?: readonly string[];
}

export type TargetLocation =
  | { kind: 'local'; root: string }
  /** `root` is the path on the remote host; relative paths are relative to the login's home folder */
  | { kind: 'remote'; userHost: string; root: string };

/**
 * Parses a target setting with the one grammar (src/core/target-spec.ts) and resolves a local path against the
 * working folder. Throws UserError E_TARGET_SPEC for a setting the grammar rejects.
 */
export function parseTarget(spec: string): TargetLocation {
  const parsed = parseTargetSpec(spec);
  if (!parsed.ok) {
    throw new UserError('E_TARGET_SPEC', spec.trim() === '' ? 'onsite target is empty' : `onsite target ${JSON.stringify(spec)} ${parsed.problem}`, {
      hints: ['write a local folder as an absolute path (e.g. /media/usb/backups)', 'write a remote one as user@host:path (e.g. backup@nas.local:/volume1/backups)'],
    });
  }
  return parsed.spec.kind === 'local' ? { kind: 'local', root: path.resolve(parsed.spec.path) } : { kind: 'remote', userHost: parsed.spec.userHost, root: parsed.spec.path };
}

/** Quotes one argument for a POSIX shell: `'…'`, with each `'` written as `'\''`. */
export function shellQuote(argument: string): string {
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

const SSH_DEFAULTS = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=4'];

/** The ssh argument list (without the program) up to and including `-- user@host`. */
export function sshArgs(settings: SshSettings, userHost: string): string[] {
  const args: string[] = [];
  if (settings.port !== undefined) args.push('-p', String(settings.port));
  if (settings.identityFile !== undefined) args.push('-i', settings.identityFile);
  args.push(...(settings.options ?? []), ...SSH_DEFAULTS, '--', userHost);
  return args;
}

/**
 * The `-e` value for rsync: the ssh program and its options as one string, quoted the way rsync splits it
 * (spaces separate words; single or double quotes keep spaces; no backslashes).
 */
export function rsyncRemoteShell(settings: SshSettings): string {
  const words = [settings.command ?? 'ssh'];
  if (settings.port !== undefined) words.push('-p', String(settings.port));
  if (settings.identityFile !== undefined) words.push('-i', settings.identityFile);
  words.push(...(settings.options ?? []), ...SSH_DEFAULTS);
  return words.map((word) => {
    if (word !== '' && !/[\s'"\\]/.test(word)) return word;
    if (!word.includes("'") && !word.includes('\\')) return `'${word}'`;
    if (!word.includes('"') && !word.includes('\\')) return `"${word}"`;
    throw new RangeError(`ssh setting ${JSON.stringify(word)} cannot be passed to rsync: it holds both kinds of quotes or a backslash`);
  }).join(' ');
}

/** The snapshot-folder operations drkit needs on a target. Names are plain entry names in the host folder. */
export interface OnsiteTarget {
  readonly location: TargetLocation;
  /** the target as the owner wrote it, for messages */
  readonly display: string;
  /** the trimmed content of the marker file, or null when there is none (or the target folder is missing) */
  readMarker(): Promise<string | null>;
  writeMarker(uuid: string): Promise<void>;
  /** entry names in the host folder, or null when the host folder does not exist */
  list(host: string): Promise<string[] | null>;
  makeHostFolder(host: string): Promise<void>;
  /** renames a snapshot or in-progress folder; fails when `to` exists */
  rename(host: string, from: string, to: string): Promise<void>;
  /** points `latest` at `name`, atomically (a new link renamed over the old one) */
  setLatest(host: string, name: string): Promise<void>;
  /** where `latest` points, or null */
  readLatest(host: string): Promise<string | null>;
  /** deletes a snapshot or in-progress folder and everything in it */
  remove(host: string, name: string): Promise<void>;
  /** rsync's destination for a folder in the host folder: `/abs/path/` or `user@host:path/` */
  rsyncDestination(host: string, name: string): string;
  /** rsync's `-e` value, for remote targets */
  rsyncShell(): string | undefined;
  /**
   * Makes what was written to the target durable (`sync -f` on the file system holding the host folder), so a
   * snapshot is only named complete once its files are on the disk: after a power cut, a complete-looking
   * snapshot with empty files would be trusted by the next run's --link-dest and its damage copied forward.
   */
  flush(host: string): Promise<void>;
}

/** Checks a host name used as a folder name: one path component, no leading dot or dash. */
export function checkHostName(host: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/.test(host)) {
    throw new UserError('E_HOST_NAME', `host name ${JSON.stringify(host)} must be letters, digits, '.', '_' or '-' and not start with '.' or '-'`, {
      hints: ['set `host` in the config to a plain name such as "laptop"'],
    });
  }
}

function checkEntryName(name: string): void {
  if (name !== LATEST_LINK && parseSnapshotName(name) === null && parseInProgressName(name) === null) {
    throw new RangeError(`${JSON.stringify(name)} is not a snapshot folder name`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkUuid(uuid: string): void {
  if (!UUID.test(uuid)) throw new RangeError(`target marker ${JSON.stringify(uuid)} must be a UUID`);
}

function ioError(error: unknown, what: string, display: string): UserError {
  const errno = error as NodeJS.ErrnoException;
  const hints = errno.code === 'EROFS' ? ['the target is mounted read-only: remount it read-write']
    : errno.code === 'EACCES' || errno.code === 'EPERM' ? ['drkit cannot write there: check the folder\'s owner and permissions']
      : errno.code === 'ENOSPC' ? ['the target is full: free space or use a larger disk'] : [];
  return new UserError('E_TARGET_IO', `target ${display}: could not ${what}: ${errno.message}`, { hints, cause: error, details: { errno: errno.code } });
}

class LocalTarget implements OnsiteTarget {
  readonly location: TargetLocation;
  constructor(readonly root: string, readonly display: string) {
    this.location = { kind: 'local', root };
  }

  private hostPath(host: string, name?: string): string {
    checkHostName(host);
    if (name === undefined) return path.join(this.root, host);
    checkEntryName(name);
    return path.join(this.root, host, name);
  }

  private async attempt<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw ioError(error, what, this.display);
    }
  }

  /** Throws E_TARGET_NOT_FOLDER when the target path (or a folder above it) is a file. */
  private async requireNotFile(): Promise<void> {
    for (let folder = this.root; ; folder = path.dirname(folder)) {
      const info = await stat(folder).catch(() => null);
      if (info !== null) {
        if (info.isDirectory()) return;
        throw new UserError('E_TARGET_NOT_FOLDER', `target ${this.display}: ${folder} is a file, not a folder`, {
          hints: ['set onsite.target to a folder (the backup disk\'s mount point, or a folder on it)', `or move the file ${folder} out of the way`],
          details: { target: this.display, file: folder },
        });
      }
      if (path.dirname(folder) === folder) return;
    }
  }

  async readMarker(): Promise<string | null> {
    try {
      return (await readFile(path.join(this.root, MARKER_FILE), 'utf8')).trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') await this.requireNotFile();
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw ioError(error, 'read its marker', this.display);
    }
  }

  async writeMarker(uuid: string): Promise<void> {
    checkUuid(uuid);
    await this.requireNotFile();
    await this.attempt('write its marker', async () => {
      await mkdir(this.root, { recursive: true });
      await writeFileAtomic(path.join(this.root, MARKER_FILE), `${uuid}\n`, { mode: 0o644 });
    });
  }

  async list(host: string): Promise<string[] | null> {
    const folder = this.hostPath(host);
    try {
      return await readdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(error, `list ${host}`, this.display);
    }
  }

  async makeHostFolder(host: string): Promise<void> {
    const folder = this.hostPath(host);
    await this.attempt(`create the folder ${host}`, () => mkdir(folder, { recursive: true }).then(() => undefined));
  }

  async rename(host: string, from: string, to: string): Promise<void> {
    const source = this.hostPath(host, from);
    const destination = this.hostPath(host, to);
    await this.attempt(`rename ${from} to ${to}`, async () => {
      const exists = await stat(destination).then(() => true, () => false);
      if (exists) throw Object.assign(new Error(`${to} already exists`), { code: 'EEXIST' });
      await rename(source, destination);
    });
  }

  async setLatest(host: string, name: string): Promise<void> {
    const link = this.hostPath(host, LATEST_LINK);
    checkEntryName(name);
    await this.attempt(`point ${LATEST_LINK} at ${name}`, async () => {
      const temp = `${link}.${randomUUID()}.tmp`;
      await symlink(name, temp);
      await rename(temp, link);
    });
  }

  async readLatest(host: string): Promise<string | null> {
    const link = this.hostPath(host, LATEST_LINK);
    try {
      return await readlink(link);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EINVAL') return null;
      throw ioError(error, `read ${LATEST_LINK}`, this.display);
    }
  }

  async remove(host: string, name: string): Promise<void> {
    if (name === LATEST_LINK) throw new RangeError('remove() deletes snapshot folders, not the latest link');
    const folder = this.hostPath(host, name);
    await this.attempt(`delete ${name}`, () => rm(folder, { recursive: true, force: true, maxRetries: 2 }));
  }

  rsyncDestination(host: string, name: string): string {
    return `${this.hostPath(host, name)}/`;
  }

  rsyncShell(): undefined {
    return undefined;
  }

  async flush(host: string): Promise<void> {
    const folder = this.hostPath(host);
    const result = await runProgram('sync', ['-f', folder], { debianPackage: 'coreutils' });
    if (result.exitStatus !== 0) {
      throw new ToolError('E_TARGET_SYNC', `target ${this.display}: could not flush the snapshot to the disk`, {
        program: 'sync', exitStatus: result.exitStatus, signal: result.signal, stderrTail: result.stderrTail,
        hints: ['check the disk: a failing flush often means a failing or unplugged disk'],
      });
    }
  }
}

/** Exit status our remote commands use for "not there" (the marker, the host folder, the link). */
const ABSENT = 3;

class RemoteTarget implements OnsiteTarget {
  readonly location: TargetLocation;
  constructor(readonly userHost: string, readonly root: string, readonly display: string, readonly ssh: SshSettings) {
    this.location = { kind: 'remote', userHost, root };
  }

  private hostPath(host: string, name?: string): string {
    checkHostName(host);
    if (name === undefined) return path.posix.join(this.root, host);
    checkEntryName(name);
    return path.posix.join(this.root, host, name);
  }

  /** Runs a shell line on the host; resolves with stdout when the status is 0 or one of `allowed`. */
  private async run(what: string, script: string, allowed: readonly number[] = []): Promise<{ status: number; stdout: string }> {
    const program = this.ssh.command ?? 'ssh';
    const result = await runProgram(program, [...sshArgs(this.ssh, this.userHost), script], {
      debianPackage: 'openssh-client', env: { LC_ALL: 'C' },
    });
    const status = result.exitStatus;
    if (status === 0 || (status !== null && allowed.includes(status))) return { status, stdout: result.stdout };
    if (status === 255) {
      throw new ToolError('E_SSH', `could not reach ${this.userHost} over ssh to ${what}`, {
        program, exitStatus: status, signal: result.signal, stderrTail: result.stderrTail,
        hints: ['check that the host is up and that `ssh` to it works with a key and without a prompt', 'is the port or identity file in onsite.ssh right?'],
      });
    }
    throw new ToolError('E_TARGET_REMOTE', `target ${this.display}: could not ${what} (remote exit ${status})`, {
      program, exitStatus: status, signal: result.signal, stderrTail: result.stderrTail,
      hints: ['check the folder\'s owner, permissions and free space on the remote host'],
    });
  }

  async readMarker(): Promise<string | null> {
    const marker = shellQuote(path.posix.join(this.root, MARKER_FILE));
    const { status, stdout } = await this.run('read its marker', `test -f ${marker} || exit ${ABSENT}; cat -- ${marker}`, [ABSENT]);
    return status === ABSENT ? null : stdout.trim();
  }

  async writeMarker(uuid: string): Promise<void> {
    checkUuid(uuid);
    const root = shellQuote(this.root);
    const marker = shellQuote(path.posix.join(this.root, MARKER_FILE));
    const temp = shellQuote(path.posix.join(this.root, `${MARKER_FILE}.${randomUUID()}.tmp`));
    await this.run('write its marker', `mkdir -p -- ${root} && printf '%s\\n' ${shellQuote(uuid)} > ${temp} && mv -f -- ${temp} ${marker}`);
  }

  async list(host: string): Promise<string[] | null> {
    const folder = shellQuote(this.hostPath(host));
    const { status, stdout } = await this.run(`list ${host}`, `test -d ${folder} || exit ${ABSENT}; ls -1A -- ${folder}`, [ABSENT]);
    return status === ABSENT ? null : stdout.split('\n').filter((line) => line !== '');
  }

  async makeHostFolder(host: string): Promise<void> {
    await this.run(`create the folder ${host}`, `mkdir -p -- ${shellQuote(this.hostPath(host))}`);
  }

  async rename(host: string, from: string, to: string): Promise<void> {
    const source = shellQuote(this.hostPath(host, from));
    const destination = shellQuote(this.hostPath(host, to));
    // without -T, mv would move the folder INTO an existing one: refuse when the new name exists
    await this.run(`rename ${from} to ${to}`, `test ! -e ${destination} && test ! -L ${destination} || exit 4; mv -- ${source} ${destination}`);
  }

  async setLatest(host: string, name: string): Promise<void> {
    checkEntryName(name);
    const link = shellQuote(this.hostPath(host, LATEST_LINK));
    const temp = shellQuote(`${this.hostPath(host, LATEST_LINK)}.${randomUUID()}.tmp`);
    // mv -T renames the new link over the old one in one rename(2); a mv without -T (old busybox) falls back
    // to remove-then-rename, which leaves a moment without `latest` but never a wrong one
    await this.run(`point ${LATEST_LINK} at ${name}`,
      `ln -s -- ${shellQuote(name)} ${temp} && { mv -f -T -- ${temp} ${link} 2>/dev/null || { rm -f -- ${link} && mv -f -- ${temp} ${link}; }; }`);
  }

  async readLatest(host: string): Promise<string | null> {
    const link = shellQuote(this.hostPath(host, LATEST_LINK));
    const { status, stdout } = await this.run(`read ${LATEST_LINK}`, `test -L ${link} || exit ${ABSENT}; readlink -- ${link}`, [ABSENT]);
    return status === ABSENT ? null : stdout.replace(/\n$/, '');
  }

  async remove(host: string, name: string): Promise<void> {
    if (name === LATEST_LINK) throw new RangeError('remove() deletes snapshot folders, not the latest link');
    await this.run(`delete ${name}`, `rm -rf -- ${shellQuote(this.hostPath(host, name))}`);
  }

  rsyncDestination(host: string, name: string): string {
    // rsync ≥ 3.2.4 quotes remote paths itself (spaces, quotes and $ arrive literally)
    return `${this.userHost}:${this.hostPath(host, name)}/`;
  }

  rsyncShell(): string {
    return rsyncRemoteShell(this.ssh);
  }

  async flush(host: string): Promise<void> {
    // `sync -f` needs coreutils ≥ 8.24; a NAS with busybox falls back to a plain (whole-system) sync
    const folder = shellQuote(this.hostPath(host));
    await this.run('flush the snapshot to the disk', `sync -f -- ${folder} 2>/dev/null || sync`);
  }
}

/** Opens a target from its setting (see parseTarget). Nothing is read or written yet. */
export function openTarget(spec: string, ssh: SshSettings = {}): OnsiteTarget {
  const location = parseTarget(spec);
  return location.kind === 'local'
    ? new LocalTarget(location.root, spec)
    : new RemoteTarget(location.userHost, location.root, spec, ssh);
}

/** Writes the identity marker (a UUID) at the target's top, creating the folder if needed. Used by `drkit init`. */
export async function writeTargetMarker(target: string, uuid: string, ssh: SshSettings = {}): Promise<void> {
  await openTarget(target, ssh).writeMarker(uuid);
}

/** The marker's content (trimmed), or null when the target has none (disk not mounted, wrong disk, new target). */
export async function readTargetMarker(target: string, ssh: SshSettings = {}): Promise<string | null> {
  return openTarget(target, ssh).readMarker();
}

export interface SnapshotListing {
  /** complete snapshots, oldest first (names are UTC start times, see src/core/snapshot-names.ts) */
  complete: string[];
  /** interrupted or running snapshots (`<name>.inprogress`), never to be presented as snapshots */
  inProgress: string[];
  /** where `latest` points, or null */
  latest: string | null;
}

/**
 * The snapshots of `host` on a target, for `drkit status` and the recovery guide. Reads only; an absent host
 * folder lists as empty. Check the marker first (requireTargetMarker) to tell "no snapshots" from "wrong disk".
 */
export async function listSnapshots(target: OnsiteTarget, host: string): Promise<SnapshotListing> {
  const entries = (await target.list(host)) ?? [];
  const { complete, inProgress } = classifyEntries(entries);
  const latest = entries.includes(LATEST_LINK) ? await target.readLatest(host) : null;
  return { complete, inProgress, latest };
}

/** The mount points listed in /proc/self/mountinfo (field 5, with its octal escapes), or null off Linux. */
async function mountPoints(): Promise<Set<string> | null> {
  try {
    const text = await readFile('/proc/self/mountinfo', 'utf8');
    return new Set(text.split('\n').map((line) => line.split(' ')[4]).filter((field): field is string => field !== undefined)
      .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))));
  } catch {
    return null;
  }
}

/**
 * Throws UserError E_TARGET_NOT_MOUNTED unless a file system is mounted on `mountPoint` (config `onsite.removable`):
 * the folder is listed as a mount point, or is on another device than its parent. An unplugged USB disk leaves an
 * empty folder on the internal disk; without this test, writing the marker (or a snapshot) there would fill the
 * wrong disk. Call before reading the marker and before writing anything.
 */
export async function requireMounted(mountPoint: string, display: string = mountPoint): Promise<void> {
  const folder = path.resolve(mountPoint);
  const notMounted = (why: string): UserError => new UserError('E_TARGET_NOT_MOUNTED', `target absent: ${display} is on a removable disk, and ${why}; nothing was written`, {
    hints: [
      `plug in the backup disk and mount it on ${folder} (your desktop may do it when the disk is plugged in)`,
      'do not run `drkit init` for it meanwhile: that would write the marker onto the internal disk',
    ],
    details: { target: display, mountPoint: folder },
  });
  let own;
  let parent;
  try {
    own = await stat(folder);
    parent = await stat(path.dirname(folder));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notMounted(`its mount point ${folder} does not exist`);
    throw ioError(error, 'look at its mount point', display);
  }
  if (!own.isDirectory()) throw notMounted(`its mount point ${folder} is not a folder`);
  if (own.dev !== parent.dev || (own.ino === parent.ino && own.dev === parent.dev)) return;
  if ((await mountPoints())?.has(folder)) return;
  throw notMounted(`nothing is mounted on ${folder} (it is a plain folder of the disk it sits on)`);
}

/** Where desktops and fstab conventionally mount removable disks. */
const REMOVABLE_PLACES = ['/media', '/run/media', '/mnt'];

/**
 * For a target the config does not call removable (nor explicitly `removable: false`) under a place where
 * removable disks are mounted (/media, /run/media, /mnt): throws E_TARGET_NOT_MOUNTED unless the target or a folder
 * between it and that place is a mount point. `drkit init` calls it before writing a marker, so the folder an
 * unplugged disk leaves behind is never mistaken for a new, empty target.
 */
export async function requireMountedIfRemovablePlace(target: string): Promise<void> {
  const folder = path.resolve(target);
  const place = REMOVABLE_PLACES.find((prefix) => folder.startsWith(`${prefix}/`));
  if (place === undefined) return;
  const candidates: string[] = [];
  for (let current = folder; current !== place && current.length > place.length; current = path.dirname(current)) candidates.push(current);
  const mounts = await mountPoints();
  for (const candidate of candidates) {
    const own = await stat(candidate).catch(() => null);
    const parent = await stat(path.dirname(candidate)).catch(() => null);
    if (own !== null && parent !== null && own.dev !== parent.dev) return;
    if (mounts?.has(candidate)) return;
  }
  throw new UserError('E_TARGET_NOT_MOUNTED', `target absent: ${target} is under ${place}, where removable disks are mounted, but no disk is mounted on it; nothing was written`, {
    hints: [
      'plug in the backup disk and mount it, then run `drkit init` again',
      `set onsite.removable to the disk's mount point (e.g. ${candidates.at(-1) ?? folder}) so every backup checks it too, or to false if this folder really is on the internal disk`,
    ],
    details: { target, place },
  });
}

/**
 * Reads the marker and throws UserError E_TARGET_ABSENT unless it holds `expected`. Call before any write.
 */
export async function requireTargetMarker(target: OnsiteTarget, expected: string): Promise<void> {
  const marker = await target.readMarker();
  if (marker !== null && marker.toLowerCase() === expected.trim().toLowerCase()) return;
  const found = marker === null ? `no ${MARKER_FILE} marker` : `a marker of another drkit setup (${marker.slice(0, 36)})`;
  throw new UserError('E_TARGET_ABSENT', `target absent: ${target.display} has ${found}; nothing was written`, {
    hints: marker === null
      // never "run drkit init" here: on an unplugged disk's empty mount point that writes the marker, and then
      // the backups, onto the internal disk
      ? ['is the backup disk plugged in and mounted (or the NAS share reachable)? mount it, then run the backup again',
        'only if the target was replaced by a new, empty disk: mount it, then run `drkit init` to write its marker (set onsite.removable so drkit checks the mount)']
      : ['is this the right disk? another drkit setup owns it', 'to adopt it on purpose, run `drkit init --adopt-marker` again'],
    details: { target: target.display, markerFound: marker !== null },
  });
}

/**
 * The wizard's looks at the machine, done for real: sizes of the sources, mounted disks and their free space
 * (/proc/mounts + statfs), whether a folder or an ssh target can take the onsite copy, and whether the offsite
 * repository opens (the restic adapter, with the password in memory and handed to restic in a private file).
 * Measuring stops after MAX_ENTRIES entries so a huge home folder does not stall the question.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, open, readFile, readdir, rm, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DrkitError } from '../errors.js';
import { runProgram } from '../adapters/exec.js';
import { parseTarget, shellQuote, sshArgs, type SshSettings } from '../adapters/onsite-target.js';
import { connectionCause, isRemovableMount, parseMounts } from './derive.js';
import type { ConnectionResult, DiskInfo, Probe, RepositoryAccess } from './types.js';

const MAX_ENTRIES = 200_000;

/** `~` and `~/…` expanded; other paths as they are (the steps require absolute ones). */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

async function measure(path: string): Promise<{ bytes: number; files: number; truncated: boolean }> {
  let bytes = 0;
  let files = 0;
  let entries = 0;
  const pending = [path];
  while (pending.length > 0) {
    const current = pending.pop() ?? '';
    let info;
    try { info = await lstat(current); } catch { continue; }
    if (++entries > MAX_ENTRIES) return { bytes, files, truncated: true };
    if (info.isDirectory()) {
      let names: string[] = [];
      try { names = await readdir(current); } catch { continue; }
      for (const name of names) pending.push(join(current, name));
    } else if (info.isFile()) {
      files++;
      bytes += info.size;
    }
  }
  return { bytes, files, truncated: false };
}

async function nearestExisting(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      await stat(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

async function writable(folder: string): Promise<boolean> {
  // access(W_OK) says yes on a read-only mount for root; writing a file is the only sure test
  const probeFile = join(folder, `.drkit-write-test-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(probeFile, 'wx', 0o600);
    await handle.close();
    await rm(probeFile, { force: true });
    return true;
  } catch {
    return false;
  }
}

export interface ProbeOptions {
  /** stops a running restic when the owner presses Ctrl-C */
  signal?: AbortSignal;
  /** how long restic may retry an unreachable backend during the check (ms) */
  giveUpMs?: number;
  /** ssh settings for a user@host:path target (the config's onsite.ssh when editing; else ~/.ssh/config applies) */
  ssh?: SshSettings;
}

export function systemProbe(options: ProbeOptions = {}): Probe {
  const resticOptions = {
    retry: { attempts: 1, initialDelayMs: 0, factor: 1, maxDelayMs: 0 },
    backendGiveUpMs: options.giveUpMs ?? 20_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const open = async (target: RepositoryAccess) => {
    const { openResticRepository } = await import('../adapters/restic/index.js');
    return openResticRepository({ repository: target.repository, password: { value: target.password }, env: target.env }, resticOptions);
  };
  return {
    async measurePath(path) {
      const absolute = expandHome(path);
      try {
        await stat(absolute);
      } catch {
        return { exists: false };
      }
      return { exists: true, ...(await measure(absolute)) };
    },

    async inspectFolder(path, sources) {
      const absolute = expandHome(path);
      const existing = await nearestExisting(absolute);
      const info = await stat(existing);
      if (existing === absolute && !info.isDirectory()) return { usable: false, reason: `${path} is a file, not a folder` };
      if (!info.isDirectory()) return { usable: false, reason: `${existing} is a file, so ${path} cannot be made` };
      if (!(await writable(existing))) return { usable: false, reason: `${existing} is not writable${existing === absolute ? '' : `, so ${path} cannot be made`}` };
      const space = await statfs(existing);
      const sharesDeviceWith: string[] = [];
      for (const source of sources) {
        try {
          if ((await stat(expandHome(source))).dev === info.dev) sharesDeviceWith.push(source);
        } catch { /* a missing source was refused by its own question */ }
      }
      return { usable: true, exists: existing === absolute, freeBytes: space.bavail * space.bsize, sharesDeviceWith };
    },

    async inspectRemote(spec) {
      const location = parseTarget(spec);
      if (location.kind !== 'remote') return { usable: false, reason: `${spec} is not user@host:path` };
      const root = shellQuote(location.root);
      const command = `if [ -d ${root} ]; then test -w ${root}; else parent="$(dirname -- ${root})"; test -d "$parent" && test -w "$parent"; fi`;
      const result = await runProgram(options.ssh?.command ?? 'ssh', [...sshArgs(options.ssh ?? {}, location.userHost), command], { debianPackage: 'openssh-client' });
      if (result.exitStatus === 0) return { usable: true };
      if (result.exitStatus === 1) return { usable: false, reason: `${location.root} on ${location.userHost} is not writable (or its parent folder is missing)` };
      const said = result.stderrTail.trim().split('\n').pop() ?? '';
      return { usable: false, reason: `ssh to ${location.userHost} failed${said === '' ? '' : `: ${said}`} (drkit needs a key that logs in without a password prompt)` };
    },

    async disks() {
      let text = '';
      try { text = await readFile('/proc/mounts', 'utf8'); } catch { return []; }
      const disks: DiskInfo[] = [];
      const seen = new Set<string>();
      for (const mount of parseMounts(text)) {
        if (seen.has(mount.mountPoint)) continue;
        seen.add(mount.mountPoint);
        try {
          await access(mount.mountPoint, constants.R_OK);
          const space = await statfs(mount.mountPoint);
          if (space.blocks === 0) continue;
          disks.push({ ...mount, freeBytes: space.bavail * space.bsize, totalBytes: space.blocks * space.bsize, removable: isRemovableMount(mount.mountPoint) });
        } catch { /* not ours to read */ }
      }
      return disks.sort((a, b) => Number(b.removable) - Number(a.removable) || b.freeBytes - a.freeBytes);
    },

    async openRepository(target): Promise<ConnectionResult> {
      try {
        const restic = await open(target);
        return { kind: 'opened', repositoryId: await restic.repositoryId() };
      } catch (error) {
        if (!(error instanceof DrkitError)) throw error;
        if (error.code === 'E_RESTIC_REPO_MISSING') return { kind: 'missing' };
        if (error.code === 'E_RESTIC_INTERRUPTED' || error.code === 'E_RESTIC_VERSION') throw error;
        return { kind: 'failed', cause: connectionCause(error.code, `${error.message}\n${'stderrTail' in error ? String(error.stderrTail) : ''}`, target.kind), message: error.message };
      }
    },

    async initRepository(target) {
      const restic = await open(target);
      return restic.init();
    },
  };
}

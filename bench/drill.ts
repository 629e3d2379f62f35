/**
 * The drill against the raw tools (issue 7 §2): `drkit drill --via tool` (full restore, in the bwrap room, with
 * restic check, the sheets' read-back and the content comparison) against `restic restore` + `sha256sum -c` of
 * the same data (10,000 files / 200 MB) from the same `rclone serve restic` repository, whose key has the
 * parameters of a quiet `restic init` (./restic-setup.ts: the drill opens the repository more often than raw restic,
 * so a key calibrated under load would flatter it). Both restore the same way: into a new folder on the same file
 * system (under one TOPDIR folder, see restoresFolder), with a new restic cache (the room's restic starts with
 * none; raw restic gets a new one each round). Paired, interleaved rounds, the order rotated (./paired.ts),
 * so drift on a shared machine hits both; the figure is the median of the per-round ratios with their spread
 * (goal ≤ 1.25×). Each drill's phases (its JSON report) go to the log. Then the drill's own peak RSS at 100,000
 * files over 10,000 (goal < 1.5×). Why the baseline is what it is: bench/README.md.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { generateFiles } from './data.js';
import { expectSuccess, measure, ratio, type Measured } from './measure.js';
import { pairedFigure, runPair, type PairSample } from './paired.js';
import { benchRestic, emptyTemplate } from './restic-setup.js';
import { BENCH_PASSWORD, drkitSetup, type DrkitSetup } from './setup.js';

const MiB = 1024 * 1024;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** `rclone serve restic` on `dir`, which starts as a copy of `template` (a repository with a quiet key). */
async function startRestServer(dir: string, template: string): Promise<{ repository: string; child: ChildProcess }> {
  mkdirSync(dir, { recursive: true });
  cpSync(template, dir, { recursive: true, preserveTimestamps: true });
  const port = await freePort();
  const child = spawn('rclone', ['serve', 'restic', '--config', '/dev/null', '--addr', `127.0.0.1:${port}`, dir], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.once('listening', () => socket.close(() => resolve(false)));
      socket.once('error', () => resolve(true));
    });
    if (up) return { repository: `rest:http://127.0.0.1:${port}/`, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('rclone serve restic did not start');
}

interface DrillBench {
  setup: DrkitSetup;
  kitDir: string;
  manifest: string;
  resticEnv: NodeJS.ProcessEnv;
  /** where both sides restore: the drill's scratch (its TMPDIR) and raw restic's targets and caches */
  restores: string;
}

/**
 * The folder both sides restore under, marked as the top of a directory hierarchy (ext4's TOPDIR flag,
 * `chattr +T`) where the file system has it. Why: ext4 without a journal (this machine's /) gives a new file an
 * inode near its folder's, skipping the inodes deleted within the last minute (up to six while their table is
 * unwritten), one by one (fs/ext4/ialloc.c, recently_deleted). Every round removes
 * two restored trees of 10,000 files, and the machine's other work deletes its own files in /tmp: a restore into
 * a folder of /tmp then spends seconds of system time stepping over them (`perf`: ext4_create → recently_deleted;
 * 7–8 s for a restore that takes 3 s elsewhere, at random, on either side). Under a TOPDIR folder each new folder
 * (the drill's scratch, each raw target) is placed in a block group of its own, as a restore onto a restorer's disk
 * or a monthly drill would find it. Both sides get the same: the same file system, a new folder each round.
 */
function restoresFolder(context: BenchContext): string {
  const folder = join(context.scratch, 'restores');
  mkdirSync(folder, { recursive: true });
  const chattr = spawnSync('chattr', ['+T', folder], { encoding: 'utf8' });
  context.log(chattr.status === 0
    ? 'drill: restores under a TOPDIR folder (chattr +T): new folders in fresh block groups on both sides'
    : `drill: chattr +T did not work here (${(chattr.stderr || String(chattr.error ?? '')).trim()}): restores go where the file system puts them`);
  return folder;
}

async function prepare(context: BenchContext, name: string, files: number, bytes: number, repository: string, restores: string): Promise<DrillBench> {
  const root = join(context.scratch, name);
  const data = join(root, 'data');
  context.log(`drill: generating ${files} files / ${Math.round(bytes / MiB)} MB`);
  generateFiles(data, files, bytes, files);
  const setup = await drkitSetup(context, `${name}-setup`, [data], { offsite: repository });
  expectSuccess('drkit backup offsite', await setup.drkit(['backup', 'offsite']));
  const bundle = join(root, 'bundle.json');
  writeFileSync(bundle, JSON.stringify({ owner: 'Bench Owner', repository, resticPassword: BENCH_PASSWORD, env: {} }), { mode: 0o600 });
  const kitDir = join(root, 'kit');
  expectSuccess('drkit kit create', await measure(context.node, [context.cli, 'kit', 'create', '--bundle', bundle, '--custodians', 'A,B,C,D,E', '--threshold', '3', '--out', kitDir], { env: setup.env }));
  // the checksums sha256sum -c checks, as paths relative to the restore target (restic keeps the absolute path)
  const manifest = join(root, 'manifest.sha256');
  expectSuccess('sha256sum (manifest)', await measure('bash', ['-c', `cd / && find ${JSON.stringify(data.slice(1))} -type f -print0 | xargs -0 sha256sum > ${JSON.stringify(manifest)}`]));
  const passwordFile = join(root, 'restic-password');
  writeFileSync(passwordFile, BENCH_PASSWORD, { mode: 0o600 });
  const resticEnv = { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile };
  return { setup, kitDir, manifest, resticEnv, restores };
}

/**
 * Raw restic as a restorer would run it: into a new folder, with a new (empty) cache, as the room's restic has;
 * then sha256sum -c. The removal afterwards is not timed (the drill's own removal is part of the drill).
 */
async function raw(bench: DrillBench, round: number): Promise<Measured> {
  // a new name each time: ext4 picks a TOPDIR child's block group by a hash of its name, so a name used minutes
  // before would land among the inodes its removal freed
  const name = `${round}-${randomBytes(6).toString('hex')}`;
  const target = join(bench.restores, `raw-${name}`);
  const cache = join(bench.restores, `raw-cache-${name}`);
  const restore = expectSuccess('restic restore', await measure('restic', ['restore', 'latest', '--target', target], { env: { ...bench.resticEnv, RESTIC_CACHE_DIR: cache } }));
  const sums = expectSuccess('sha256sum -c', await measure('bash', ['-c', `cd ${JSON.stringify(target)} && sha256sum -c --quiet ${JSON.stringify(bench.manifest)}`]));
  rmSync(target, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
  return { ...restore, ms: restore.ms + sums.ms };
}

async function drill(context: BenchContext, bench: DrillBench): Promise<Measured> {
  // its scratch (the room's home, the restored tree) goes under the same folder as raw restic's targets
  const args = [context.cli, 'drill', '--via', 'tool', '--kit', bench.kitDir, '--json', '--config', bench.setup.config];
  const result = expectSuccess('drkit drill --via tool', await measure(context.node, args, { env: { ...bench.setup.env, TMPDIR: bench.restores }, pollMs: 25 }));
  // where the time went, from the drill's own report
  try {
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as { readbackMs?: number; preflightMs?: number; vias?: { restoreMs?: number; compareMs?: number }[] };
    const via = report.vias?.[0];
    context.log(`drill: ${(result.ms / 1000).toFixed(2)} s: read-back ${String(report.readbackMs)} ms, listing + check ${String(report.preflightMs)} ms (beside), room ${String(via?.restoreMs)} ms, comparison ${String(via?.compareMs)} ms`);
  } catch { /* the figure does not depend on it */ }
  return result;
}

export const drillBenchmarks: BenchModule = {
  name: 'drill',
  async run(context: BenchContext): Promise<BenchFigure[]> {
    // the restic the drill itself runs (the first on PATH), so the template is in a format it reads
    const system = { label: 'drill', binary: execFileSync('sh', ['-c', 'command -v restic'], { encoding: 'utf8' }).trim() };
    const template = await emptyTemplate(context, benchRestic(system));
    const server = await startRestServer(join(context.scratch, 'drill-rest'), template);
    try {
      const restores = restoresFolder(context);
      const small = await prepare(context, 'drill-10k', 10_000, 200 * MiB, `${server.repository}`, restores);
      const samples: PairSample[] = [];
      let peak10k = 0;
      context.log(`drill: ${context.rounds} paired rounds, restic restore + sha256sum -c against drkit drill --via tool, the order rotated`);
      for (let round = 0; round < context.rounds; round++) {
        context.log(`drill: round ${round + 1} of ${context.rounds} (load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
        samples.push(await runPair(round, async () => {
          const ours = await drill(context, small);
          peak10k = Math.max(peak10k, ours.peakKiB);
          return ours;
        }, () => raw(small, round)));
      }

      // a second repository for the 100k files, so restic lists only them
      const big = await startRestServer(join(context.scratch, 'drill-rest-100k'), template);
      let peak100k = 0;
      try {
        const many = await prepare(context, 'drill-100k', 100_000, 100 * MiB, big.repository, restores);
        context.log('drill: 100,000 files, one drill for its peak memory');
        peak100k = (await drill(context, many)).peakKiB;
      } finally {
        big.child.kill('SIGKILL');
      }
      const memory = peak10k === 0 ? Number.NaN : peak100k / peak10k;
      return [
        pairedFigure('drkit drill --via tool / restic restore + sha256sum -c, 10k files 200 MB', samples, 1.25, 'restic restore + sha256sum -c'),
        { name: 'drkit drill peak RSS, 100k / 10k files', value: ratio(peak100k, peak10k), unit: 'x', goal: '< 1.5×', met: memory < 1.5, detail: `${Math.round(peak100k / 1024)} MiB / ${Math.round(peak10k / 1024)} MiB` },
      ];
    } finally {
      server.child.kill('SIGKILL');
      rmSync(template, { recursive: true, force: true });
    }
  },
};

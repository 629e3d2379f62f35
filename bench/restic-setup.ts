/**
 * Raw restic for the benchmarks: one environment per repository (password file, a cache folder of its own), and
 * template repositories created once per restic binary and copied for every round, so each round starts from the
 * same bytes. The template's key is re-sealed with the parameters a quiet `restic init` picks (./restic-key.ts).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BenchContext } from './types.js';
import { expectSuccess, measure, type Measured } from './measure.js';
import { quietKeyParameters } from './restic-key.js';
import { BENCH_PASSWORD } from './setup.js';

export interface BenchRestic { label: string; binary: string; path: string }

export function benchRestic(restic: { label: string; binary: string }): BenchRestic {
  return { ...restic, path: `${dirname(restic.binary)}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
}

export function resticEnv(context: BenchContext, repository: string, cache: string): NodeJS.ProcessEnv {
  const passwordFile = join(context.scratch, 'restic-password');
  writeFileSync(passwordFile, BENCH_PASSWORD, { mode: 0o600 });
  return { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: cache };
}

export function runRestic(restic: BenchRestic, env: NodeJS.ProcessEnv, args: readonly string[]): Promise<Measured> {
  return measure(restic.binary, args, { env });
}

/** An empty repository made by this restic, its key re-sealed with quiet parameters. */
export async function emptyTemplate(context: BenchContext, restic: BenchRestic): Promise<string> {
  const repository = join(context.scratch, `template-${restic.label}`);
  const env = resticEnv(context, repository, join(context.scratch, `template-cache-${restic.label}`));
  expectSuccess(`restic ${restic.label} init`, await runRestic(restic, env, ['init']));
  // bash's `times` prints the CPU time of the shell's children (restic): user and system, in that order
  const cpuMs = async (): Promise<number> => {
    const result = expectSuccess('restic cat config', await measure('bash', ['-c', '"$0" cat config >/dev/null && times', restic.binary], { env }));
    const children = result.stdout.trim().split('\n').at(-1) ?? '';
    const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]));
    if (seconds.length !== 2) throw new Error(`bash times printed ${JSON.stringify(result.stdout)}`);
    return ((seconds[0] ?? 0) + (seconds[1] ?? 0)) * 1000;
  };
  const params = await quietKeyParameters(repository, BENCH_PASSWORD, cpuMs);
  context.log(`restic ${restic.label}: template key N=${params.N} r=${params.r} p=${params.p} (one unit of p: ${params.unitMs.toFixed(0)} ms)`);
  return repository;
}

/** A copy of `template` at `repository` (a plain folder copy, as restic's local backend is plain files). */
export function copyRepository(template: string, repository: string): string {
  mkdirSync(dirname(repository), { recursive: true });
  cpSync(template, repository, { recursive: true, preserveTimestamps: true });
  return repository;
}

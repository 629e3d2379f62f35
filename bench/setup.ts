/** A throwaway drkit setup for benchmarks: config, secrets (0600 in 0700), XDG folders, and `drkit init --yes`. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './types.js';
import { expectSuccess, measure } from './measure.js';

export const BENCH_PASSWORD = 'bench-password-not-secret';

export interface DrkitSetup {
  config: string;
  env: NodeJS.ProcessEnv;
  /** runs `drkit ARGS --config CONFIG` in this setup, polling its memory */
  drkit(args: readonly string[]): ReturnType<typeof measure>;
}

export interface SetupJobs {
  onsite?: string;
  offsite?: string;
  /** the offsite keep policy as YAML flow text (default `{ last: 10 }`) */
  keep?: string;
  /** a PATH that finds the restic to use first */
  path?: string;
}

export async function drkitSetup(context: BenchContext, name: string, sources: readonly string[], jobs: SetupJobs): Promise<DrkitSetup> {
  const root = join(context.scratch, name);
  const secretsDir = join(root, 'secrets');
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  chmodSync(secretsDir, 0o700);
  const secrets = join(secretsDir, 'secrets.env');
  writeFileSync(secrets, `RESTIC_PASSWORD=${BENCH_PASSWORD}\n`, { mode: 0o600 });
  const config = join(root, 'config.yaml');
  let text = `sources: [${sources.map((source) => JSON.stringify(source)).join(', ')}]\nsecrets: ${secrets}\nhost: bench\n`;
  if (jobs.onsite !== undefined) text += `onsite:\n  target: ${jobs.onsite}\n`;
  if (jobs.offsite !== undefined) text += `offsite:\n  repository: ${jobs.offsite}\n  keep: ${jobs.keep ?? '{ last: 10 }'}\n`;
  writeFileSync(config, text);
  const env = {
    ...process.env, XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'config'), XDG_CACHE_HOME: join(root, 'cache'),
    RESTIC_CACHE_DIR: join(root, 'restic-cache'), ...(jobs.path === undefined ? {} : { PATH: jobs.path }),
  };
  const setup: DrkitSetup = {
    config,
    env,
    drkit: (args) => measure(context.node, [context.cli, ...args, '--config', config], { env, pollMs: 25 }),
  };
  expectSuccess(`drkit init (${name})`, await setup.drkit(['init', '--yes']));
  return setup;
}

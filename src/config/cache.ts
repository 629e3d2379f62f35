/**
 * A cache of the validated config, so `drkit status` starts as fast as `node` itself: parsing YAML and loading
 * the schema library cost more than the rest of the command. The cache is keyed on the config file's exact text
 * (kept in the cache and compared whole: no hashing, so not even node:crypto is loaded), its path, HOME (for `~`)
 * and the default host name, and holds the validated config. Secrets live in the secrets file, except one the owner
 * may write into the config itself: a password inside the repository URL (`rest:https://ann:PASS@…`, the only way
 * restic 0.14 takes one). Such a config is never cached (and an old cache of its path is removed), so no second copy
 * of that password lies in the state folder. On a miss, the full loader runs (and reports every mistake with its
 * line) and the cache is rewritten. A cache that cannot be written is no error: the next run just validates again.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Config } from './types.js';
import { pathHash } from '../adapters/paths.js';
import { repositorySecrets } from '../core/redact.js';

const CACHE_VERSION = 2;

interface CacheFile {
  version: number;
  key: string;
  config: Config;
}

function cacheKey(file: string, text: string): string {
  return JSON.stringify([file, homedir(), hostname(), text]);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError('E_CONFIG_MISSING', code === 'ENOENT' ? `config file ${file} does not exist` : `cannot read config file ${file}: ${code ?? String(error)}`, {
      hints: code === 'ENOENT' ? ['create it (see docs/config.md), or point to it with --config PATH'] : [],
    });
  }
}

/** The validated config of `file`, from the cache in `stateDir` when the file is unchanged since it was validated. */
export async function loadConfigCached(file: string, stateDir: string): Promise<Config> {
  const absolute = resolve(file);
  const text = readText(absolute);
  const key = cacheKey(absolute, text);
  const cacheFile = join(stateDir, 'config-cache', `${pathHash(absolute)}.json`);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheFile;
    if (cached.version === CACHE_VERSION && cached.key === key) return cached.config;
  } catch {
    // no cache yet, or a damaged one: validate
  }
  const { parseConfig } = await import('./load.js');
  const config = parseConfig(text, absolute);
  if (config.offsite !== undefined && repositorySecrets(config.offsite.repository).length > 0) {
    rmSync(cacheFile, { force: true });
    return config;
  }
  try {
    mkdirSync(join(stateDir, 'config-cache'), { recursive: true, mode: 0o700 });
    const { writeFileAtomicSync } = await import('../adapters/files.js');
    writeFileAtomicSync(cacheFile, JSON.stringify({ version: CACHE_VERSION, key, config } satisfies CacheFile));
  } catch {
    // a read-only state folder only costs speed
  }
  return config;
}

/**
 * Where drkit keeps things by default, after the XDG base directory specification: the config in
 * $XDG_CONFIG_HOME/drkit (~/.config/drkit), run records and locks in $XDG_STATE_HOME/drkit (~/.local/state/drkit).
 */
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';

function xdg(variable: string, fallback: string): string {
  const value = process.env[variable];
  // the spec says relative values are invalid and must be ignored
  return value !== undefined && value !== '' && isAbsolute(value) ? value : join(homedir(), fallback);
}

export function configHome(): string {
  return xdg('XDG_CONFIG_HOME', '.config');
}

export function defaultConfigPath(): string {
  return join(configHome(), 'drkit', 'config.yaml');
}

/** drkit's own state folder ($XDG_STATE_HOME/drkit): the config cache, and the default config's setup. */
export function stateHome(): string {
  return join(xdg('XDG_STATE_HOME', join('.local', 'state')), 'drkit');
}

/**
 * The state folder of one setup (one config file): its status file (what init provisioned, runs, checks, drills)
 * and its locks. Two configs side by side (a USB disk and B2, a local repository beside another) never share a
 * status file or a lock. The default config keeps the classic place, $XDG_STATE_HOME/drkit; any other config file
 * gets $XDG_STATE_HOME/drkit/setups/<name>-<hash of its absolute path>, so the setup id follows the config's path:
 * a config that is moved is a new setup (run `drkit init --config NEW --yes` again; the disk's marker is adopted
 * with --adopt-marker).
 */
export function stateDir(configFile: string): string {
  const absolute = resolve(configFile);
  if (absolute === defaultConfigPath()) return stateHome();
  return join(stateHome(), 'setups', setupId(absolute));
}

/** A setup's id: the config file's name (letters, digits, '-', '_') and a hash of its absolute path. */
export function setupId(configFile: string): string {
  const absolute = resolve(configFile);
  const name = basename(absolute).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'config';
  return `${name}-${pathHash(absolute)}`;
}

/** A short stable name for a path (FNV-1a, 32 bits): the config cache's file name and the setup id. */
export function pathHash(path: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < path.length; index++) {
    hash ^= path.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** `~` and `~/…` expanded, then resolved against `base` (the config file's folder). */
export function resolvePath(path: string, base: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return resolve(base, path);
}

/**
 * Where drkit keeps things by default, after the XDG base directory specification: the config in
 * $XDG_CONFIG_HOME/drkit (~/.config/drkit), run records and locks in $XDG_STATE_HOME/drkit (~/.local/state/drkit).
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

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

export function stateDir(): string {
  return join(xdg('XDG_STATE_HOME', join('.local', 'state')), 'drkit');
}

/** `~` and `~/…` expanded, then resolved against `base` (the config file's folder). */
export function resolvePath(path: string, base: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return resolve(base, path);
}

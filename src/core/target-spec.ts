/**
 * The one grammar of an onsite target setting, used by the config schema (src/config/schema.ts), the loader
 * (src/config/load.ts) and the target adapter (src/adapters/onsite-target.ts), so a value the config accepts is a
 * value the adapter can open. Pure: a local path is returned as written (the caller resolves it).
 *
 * Grammar (rsync's rule: a colon before any slash makes it remote):
 * - local: anything without a colon before its first slash: `/media/usb/backups`, `./a:b`, `~/backups`;
 * - remote: `[user@]host:path`, host a name (letters, digits, '.', '_', '-': ssh config aliases such as `nas_box`
 *   are names too) or a bracketed IPv6 address; an empty path is the login's home folder (`.`).
 */

export type TargetSpec =
  | { kind: 'local'; path: string }
  /** `path` is on the remote host; a relative path is relative to the login's home folder */
  | { kind: 'remote'; userHost: string; path: string };

export type TargetSpecResult = { ok: true; spec: TargetSpec } | { ok: false; problem: string };

const REMOTE = /^((?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?(?:[A-Za-z0-9_][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])):(.*)$/s;

export const TARGET_SPEC_RULE = 'must be a local folder or [user@]host:path';

/** Parses a target setting; never throws. */
export function parseTargetSpec(text: string): TargetSpecResult {
  if (text.trim() === '') return { ok: false, problem: 'is empty' };
  const slash = text.indexOf('/');
  const colon = text.indexOf(':');
  if (colon === -1 || (slash !== -1 && slash < colon)) return { ok: true, spec: { kind: 'local', path: text } };
  const match = REMOTE.exec(text);
  if (!match) return { ok: false, problem: TARGET_SPEC_RULE };
  const rest = match[2] ?? '';
  return { ok: true, spec: { kind: 'remote', userHost: match[1] ?? '', path: rest === '' ? '.' : rest } };
}

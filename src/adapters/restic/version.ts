/**
 * Which restic this is, and what it can do. Debian bookworm ships 0.14.0; drkit supports 0.14 up to current.
 * Features that appeared later are gated here, in one table, so argument builders and exit-code mapping ask
 * "does this restic have X" instead of comparing numbers all over the adapter. Pure: no process is run here.
 *
 * Sources: restic's CHANGELOG and doc/075_scripting.rst ("Exit codes": 10 and 11 since 0.17.0, 12 since 0.17.1).
 */
import { UserError } from '../../errors.js';

export interface ResticVersion {
  major: number;
  minor: number;
  patch: number;
  /** the text restic printed, e.g. "restic 0.14.0 compiled with go1.19.8 on linux/amd64" */
  text: string;
}

export interface ResticFeatures {
  /** `--retry-lock DURATION` (0.16.0) */
  retryLock: boolean;
  /** exit code 10 "repository does not exist" and 11 "failed to lock repository" (0.17.0) */
  exitCodesRepositoryAndLock: boolean;
  /** exit code 12 "wrong password" (0.17.1) */
  exitCodeWrongPassword: boolean;
  /** `init --json` prints {"message_type":"initialized"} (0.15.0); before that, text only */
  initJson: boolean;
  /** `restore --json` prints status and summary lines (0.16.0); before that, one text line */
  restoreJson: boolean;
}

export const MINIMUM_RESTIC: Readonly<Pick<ResticVersion, 'major' | 'minor' | 'patch'>> = { major: 0, minor: 14, patch: 0 };

const VERSION_PATTERN = /\brestic (\d+)\.(\d+)\.(\d+)/;

/** Reads the output of `restic version`; null when it is not restic's version line. */
export function parseResticVersion(text: string): ResticVersion | null {
  const match = VERSION_PATTERN.exec(text);
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text: text.trim().split('\n')[0] ?? '' };
}

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: Pick<ResticVersion, 'major' | 'minor' | 'patch'>, b: Pick<ResticVersion, 'major' | 'minor' | 'patch'>): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return 0;
}

function atLeast(version: ResticVersion, major: number, minor: number, patch = 0): boolean {
  return compareVersions(version, { major, minor, patch }) >= 0;
}

export function resticFeatures(version: ResticVersion): ResticFeatures {
  return {
    retryLock: atLeast(version, 0, 16),
    exitCodesRepositoryAndLock: atLeast(version, 0, 17),
    exitCodeWrongPassword: atLeast(version, 0, 17, 1),
    initJson: atLeast(version, 0, 15),
    restoreJson: atLeast(version, 0, 16),
  };
}

/** Throws a UserError when this restic is older than drkit supports. */
export function assertSupportedVersion(version: ResticVersion): void {
  if (compareVersions(version, MINIMUM_RESTIC) < 0) {
    throw new UserError('E_RESTIC_TOO_OLD',
      `restic ${version.major}.${version.minor}.${version.patch} is too old: drkit needs restic 0.14.0 or newer`, {
        hints: ['install a newer restic: sudo apt-get install restic (Debian 12 has 0.14), or a release from github.com/restic/restic'],
      });
  }
}

/**
 * The restic binaries the suite runs against: the system's (Debian 12: 0.14) and Debian 13's 0.18, unpacked by
 * `scripts/install-system-deps.sh --with-restic-0.18` into /opt/restic-0.18 (CI always installs it). A restorer
 * boots whatever live USB they find, so the adapter, the drill and the guide's printed path run against each.
 *
 * `DRKIT_TEST_RESTIC_018` overrides the 0.18 path. When it is missing, tests of 0.18 fail loudly under CI=true and
 * are skipped with a reason elsewhere.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ResticBinary {
  /** "0.14" or "0.18" */
  label: string;
  /** the binary to run */
  binary: string;
  /** a PATH that finds this restic first (for the CLI and the guide's commands, which say plain "restic") */
  path: string;
}

const RESTIC_018 = process.env['DRKIT_TEST_RESTIC_018'] ?? '/opt/restic-0.18/usr/bin/restic';

/** The system restic first, then 0.18 when it is installed (always, under CI). */
export function resticBinaries(): ResticBinary[] {
  const systemPath = process.env['PATH'] ?? '/usr/bin:/bin';
  const list: ResticBinary[] = [{ label: 'system', binary: 'restic', path: systemPath }];
  if (existsSync(RESTIC_018)) {
    list.push({ label: '0.18', binary: RESTIC_018, path: `${dirname(RESTIC_018)}:${systemPath}` });
  } else if (process.env['CI'] === 'true') {
    throw new Error(`restic 0.18 is missing at ${RESTIC_018}: .ci/run installs it with scripts/install-system-deps.sh --with-restic-0.18`);
  }
  return list;
}

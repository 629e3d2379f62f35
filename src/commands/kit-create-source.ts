/**
 * Where `kit create` gets its bundle (`--config PATH`: built from the setup; `--bundle FILE`: a JSON file, exactly
 * one of the two), the check before sealing (`--no-check` skips it, loudly), and what is kept once the kit is
 * published: its record in the status file (with the keyed fingerprint) and the canary for the next backups.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BundleInput } from '../core/bundle.js';
import { canaryText, DRILL_COPY_REASON, type KitRecord } from '../core/kit-record.js';
import { kitFingerprint } from '../core/kit-fingerprint.js';
import type { Kit } from '../core/kit.js';
import { UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';
import { defaultConfigPath, stateDir } from '../adapters/paths.js';
import { cronFile, installedUnits } from '../adapters/schedule-files.js';
import { unitBaseName } from '../core/schedule.js';

export interface KitSourceOptions {
  bundle?: string;
  config?: string;
  /** false with --no-check */
  check: boolean;
}

export interface PreparedBundle {
  bundle: BundleInput;
  /** false when --no-check skipped the check: the checklist says "credentials NOT verified" */
  verified: boolean;
  /** the canary the backups will carry, for the guide (config kits only: the canary is this machine's) */
  canaryFor(kit: Kit): { path: string; text: string } | undefined;
  /** records the published kit in the status file and points the canary at it (--config kits only) */
  recordKit(kit: Kit): Promise<void>;
  /**
   * After the kit is published (--config kits only): with `drill.schedule: monthly` a PDF kit's sheets and guide
   * are copied for the scheduled drill into the state folder (src/adapters/kit-store.ts); any older kit's copy goes.
   * Returns the lines to tell the owner.
   */
  keepDrillCopy(kit: Kit, outDir: string, format: 'pdf' | 'text'): string[];
}


/** Loads or builds the bundle and checks it against the repository; nothing is written before `recordKit`. */
export async function prepareKitBundle(options: KitSourceOptions, loadBundleFile: (path: string) => Promise<BundleInput>, io: CommandIO): Promise<PreparedBundle> {
  if ((options.bundle === undefined) === (options.config === undefined)) {
    throw new UserError('E_USAGE', options.bundle === undefined ? 'kit create needs --config PATH (the bundle is built from the setup) or --bundle FILE' : '--config and --bundle exclude each other: give one', {
      hints: ['drkit kit create --config ~/.config/drkit/config.yaml --custodians "Ann,Ben,Cy" --threshold 2 --out kit/'],
    });
  }
  // a kit made from a config belongs to that config's setup (its status file records the kit)
  const dir = stateDir(resolve(options.config ?? defaultConfigPath()));
  const [{ readState }, { checkBundleOpens }, { ensureFingerprintKey, fingerprintKeyFile, canaryFile, recordKit, keepKitCopy, removeKitCopy }] = await Promise.all([
    import('../adapters/state.js'), import('../adapters/kit-check.js'), import('../adapters/kit-store.js'),
  ]);
  let bundle: BundleInput;
  let cacert: string | undefined;
  const expectedIds: { id: string; from: string }[] = [];
  let keyFile: string | undefined;
  let drillSchedule: 'monthly' | 'none' | undefined;
  if (options.config !== undefined) {
    const [{ loadConfig }, { bundleFromConfig }] = await Promise.all([import('../config/load.js'), import('../config/kit-bundle.js')]);
    const config = loadConfig(resolve(options.config));
    drillSchedule = config.drill?.schedule;
    const built = await bundleFromConfig(config, readState(dir));
    bundle = built.bundle;
    cacert = built.cacert;
    if (built.recordedRepositoryId !== undefined) expectedIds.push({ id: built.recordedRepositoryId, from: 'the id recorded at drkit init' });
    keyFile = fingerprintKeyFile(config.secrets, dir);
    if (cacert !== undefined) io.note(`note: offsite.cacert (${cacert}) is not in the kit: a restorer needs that CA file too; keep a copy with the guide`);
  } else {
    bundle = await loadBundleFile(options.bundle ?? '');
  }
  if (bundle.repositoryId !== undefined) expectedIds.unshift({ id: bundle.repositoryId, from: 'the bundle\'s repositoryId' });

  let verified = false;
  if (options.check) {
    const checked = await checkBundleOpens(bundle, { expectedIds, ...(cacert === undefined ? {} : { cacert }) });
    verified = true;
    io.note(`checked: the bundle opens ${checked.repositoryId.slice(0, 8)} with restic ${checked.resticVersion}, in a clean environment with nothing but the bundle`);
  } else {
    io.note('WARNING: --no-check: the credentials were NOT tried against the repository. A mistyped password or URL');
    io.note('WARNING: would be sealed into the kit unnoticed; the checklist says "credentials NOT verified"');
  }
  return {
    bundle, verified,
    canaryFor: (kit: Kit) => (keyFile !== undefined ? { path: canaryFile(dir), text: canaryText(kit.kitIdDisplay, kit.createdOn) } : undefined),
    recordKit: async (kit: Kit) => {
      // a --bundle kit may describe any repository: only a kit built from this setup is this setup's kit
      if (keyFile === undefined) return;
      const record: KitRecord = {
        kitId: kit.kitIdDisplay, createdOn: kit.createdOn, createdAt: new Date().toISOString(),
        custodians: kit.shares.map((share) => share.custodian), n: kit.n, k: kit.k, verified,
        fingerprint: kitFingerprint(bundle, await ensureFingerprintKey(keyFile)),
      };
      await recordKit(dir, record);
    },
    keepDrillCopy: (kit: Kit, outDir: string, format: 'pdf' | 'text') => {
      if (keyFile === undefined) return [];
      if (drillSchedule === 'monthly' && format === 'pdf') {
        const copy = keepKitCopy(dir, kit.kitIdDisplay, resolve(outDir));
        const kept = `kept the sheets and the guide for the monthly drill in ${copy} (private to you; the backups leave it out): ${DRILL_COPY_REASON}`;
        // the wizard installs the timers after the kit; by hand, the owner is told the one command that adds it
        return drillScheduled() ? [kept] : [kept, 'the monthly drill has no timer yet: drkit schedule install adds it'];
      }
      // a new kit supersedes the old one: its kept sheets must not linger
      const removed = removeKitCopy(dir);
      if (drillSchedule === 'monthly') return [`the monthly drill needs the kit's PDFs: a text kit cannot be drilled, so no copy is kept${removed ? ' (the old kit\'s copy was removed)' : ''}`];
      return removed ? ['removed the old kit\'s copy kept for the drill: it is superseded'] : [];
    },
  };
}

/** Whether drkit's drill timer (or its crontab line) is installed. */
function drillScheduled(): boolean {
  if (installedUnits().includes(`${unitBaseName('drill')}.timer`)) return true;
  try {
    return readFileSync(cronFile(), 'utf8').includes(`# ${unitBaseName('drill')}`);
  } catch {
    return false;
  }
}

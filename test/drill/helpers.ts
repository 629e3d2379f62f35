/**
 * A real setup for drills: source files, `rclone serve restic` on 127.0.0.1, a config and a 0600 secrets file,
 * `drkit init` and `drkit backup offsite`, then a 3-of-5 PDF kit sealed by `drkit kit create --bundle` from a
 * bundle built from the same config and secrets (until `kit create --config` lands). Fixture builders damage it:
 * the repository (fixtures/repos/damage.sh), a sheet (a share altered consistently, with its checks recomputed) and
 * the guide (a misprinted combiner listing).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BundleInput } from '../../src/core/bundle.js';
import { createKit, type Kit } from '../../src/core/kit.js';
import { encodeShare, decodeShareBytes, formatShareText, shareFingerprint, shareQrPayload } from '../../src/core/share.js';
import { systemRandom } from '../../src/adapters/random.js';
import { packageRoot } from '../../src/paths.js';
import { readPackageText } from '../../src/render/assets.js';
import { renderGuide } from '../../src/render/guide.js';
import { writePdfKit } from '../../src/render/kit-pdf.js';
import { renderSheet } from '../../src/render/sheet.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { ResticBinary } from '../helpers/restic-versions.js';
import { startRcloneRestServer, type RunningServer } from '../helpers/servers.js';

export interface DrillSetup {
  base: string;
  source: string;
  config: string;
  kitDir: string;
  server: RunningServer;
  password: string;
  bundle: BundleInput;
  restic: ResticBinary;
  env: Record<string, string>;
}

export const SOURCE_FILES: Record<string, string | Buffer> = {
  'letter.txt': 'Dear family,\n',
  // incompressible, so its pack is the repository's largest and the missing-pack fixture removes data, not trees
  // (restic 0.14 retries a missing tree pack for a minute and a half before check reports it)
  'photos/cat.jpg': randomBytes(70_000),
  'photos/odd name [1]*.txt': 'glob characters in a name\n',
  'notes/todo.md': '- restore drill\n',
};

function check(result: CliResult, what: string): CliResult {
  if (result.exitStatus !== 0) throw new Error(`${what} failed (${String(result.exitStatus)}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

export async function makeSetup(restic: ResticBinary, options: { kit?: 'cli' | 'none' } = {}): Promise<DrillSetup> {
  const base = mkdtempSync(join(tmpdir(), 'drkit-drilltest-'));
  const source = join(base, 'source');
  for (const [name, content] of Object.entries(SOURCE_FILES)) {
    mkdirSync(dirname(join(source, name)), { recursive: true });
    writeFileSync(join(source, name), content);
  }
  const server = await startRcloneRestServer();
  const password = 'correct horse battery 2024';
  const secretsDir = join(base, 'secrets');
  mkdirSync(secretsDir, { mode: 0o700 });
  writeFileSync(join(secretsDir, 'secrets'), `RESTIC_PASSWORD=${password}\n`, { mode: 0o600 });
  chmodSync(secretsDir, 0o700);
  const config = join(base, 'config.yaml');
  writeFileSync(config, [
    `sources: [${JSON.stringify(source)}]`, `secrets: ${JSON.stringify(join(secretsDir, 'secrets'))}`, 'host: drillhost',
    'offsite:', `  repository: ${server.repository}`, '  giveUpAfter: 20s', '',
  ].join('\n'));
  const env = { XDG_STATE_HOME: join(base, 'state'), XDG_CONFIG_HOME: join(base, 'xdg-config'), PATH: restic.path };
  const setup: DrillSetup = {
    base, source, config, kitDir: join(base, 'kit'), server, password, restic, env,
    bundle: { owner: 'Ann Example', repository: server.repository, resticPassword: password, env: {}, onsite: 'USB disk in the hall cupboard' },
  };
  check(await runCli(['init', '--config', config, '--yes'], { env }), 'drkit init');
  check(await runCli(['backup', 'offsite', '--config', config], { env }), 'drkit backup offsite');
  if (options.kit !== 'none') await sealKit(setup, setup.bundle, setup.kitDir);
  return setup;
}

/** `drkit kit create --bundle` (PDF kit, self-tested) of `bundle` into `dir`. */
export async function sealKit(setup: DrillSetup, bundle: BundleInput, dir: string): Promise<void> {
  const file = join(setup.base, `bundle-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(bundle), { mode: 0o600 });
  check(await runCli(['kit', 'create', '--bundle', file, '--custodians', 'Ann,Ben,Cy,Dee,Eve', '--threshold', '3', '--out', dir], { env: setup.env }), 'drkit kit create');
  rmSync(file);
}

export interface DrillRun {
  result: CliResult;
  report: DrillJson;
}

export interface DrillJson {
  message_type: 'drill';
  verdict: 'passed' | 'failed';
  isolation: 'bwrap' | 'none';
  isolationReason: string | null;
  kitId: string | null;
  sheetsUsed: { file: string; share: number; fingerprint: string }[];
  snapshot: { id: string; time: string } | null;
  sample: number | null;
  vias: { via: string; verdict: string; filesChecked: number; bytesChecked: number; mismatchCount: number; mismatches: string[]; changedSinceSnapshot: number; resticVerify: boolean; notRestoredCount: number; changed?: string[]; commands?: { run: number; typed: number; skipped: number } }[];
  check: string;
  canary: string;
  findings: { code: string; message: string; via?: string; details?: Record<string, unknown> }[];
  versions: { restic: string | null; gpg: string | null; python: string | null; bwrap: string | null };
  durationMs: number;
}

/** `drkit drill --json` on the setup; `kitDir` defaults to the setup's kit. */
export async function drill(setup: DrillSetup, args: readonly string[], options: { kitDir?: string; env?: Record<string, string> } = {}): Promise<DrillRun> {
  const result = await runCli(['drill', '--config', setup.config, '--kit', options.kitDir ?? setup.kitDir, '--json', ...args], { env: { ...setup.env, ...options.env } });
  const line = result.stdout.split('\n').find((text) => text.includes('"message_type":"drill"'));
  if (line === undefined) throw new Error(`drkit drill printed no report (${String(result.exitStatus)}):\n${result.stderr}\n${result.stdout}`);
  return { result, report: JSON.parse(line) as DrillJson };
}

export async function teardown(setup: DrillSetup): Promise<void> {
  await setup.server.stop();
  rmSync(setup.base, { recursive: true, force: true });
}

/** fixtures/repos/damage.sh on the setup's repository; prints what it removed. */
export function damageRepository(setup: DrillSetup, what: 'missing-pack' | 'delete'): string {
  return execFileSync('bash', [join(packageRoot(), 'fixtures', 'repos', 'damage.sh'), what, setup.server.dataDir], { encoding: 'utf8' }).trim();
}

/** restic itself on the setup's repository, the password in a 0600 file. */
export function resticRaw(setup: DrillSetup, args: readonly string[]): string {
  const file = join(setup.base, 'secrets', 'restic-password');
  writeFileSync(file, setup.password, { mode: 0o600 });
  try {
    return execFileSync(setup.restic.binary, [...args], { encoding: 'utf8', env: { PATH: setup.restic.path, HOME: setup.base, RESTIC_REPOSITORY: setup.server.repository, RESTIC_PASSWORD_FILE: file, RESTIC_CACHE_DIR: join(setup.base, 'restic-cache') } });
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * A PDF kit made in-process (no self-test) for fixtures that alter one part of it; `alterSheet` replaces a
 * sheet's share with a consistent forgery (new bytes, checks recomputed, the kit's fingerprint list kept), and
 * `misprintCombiner` renders a guide whose combiner listing stops with an error.
 */
export async function inProcessKit(bundle: BundleInput, dir: string): Promise<Kit> {
  const { kit } = await createKit(bundle, { custodians: ['Ann', 'Ben', 'Cy', 'Dee', 'Eve'], threshold: 3, random: systemRandom, now: new Date() });
  await writePdfKit(kit, { outDir: dir, paper: 'a4', selfTest: false });
  return kit;
}

export async function alterSheet(kit: Kit, dir: string, number: number): Promise<{ forged: string; listed: string }> {
  const original = kit.shares[number - 1];
  if (original === undefined) throw new Error(`no share ${number}`);
  const decoded = decodeShareBytes(original.bytes);
  const secretShare = new Uint8Array(decoded.secretShare);
  secretShare[0] = (secretShare[0] ?? 0) ^ 0x5a;
  const forgedShare = { ...decoded, secretShare };
  const bytes = encodeShare(forgedShare);
  const { text, dataLines } = formatShareText(forgedShare, kit.fingerprints);
  const share = { ...original, bytes, text, dataLines, qrPayload: shareQrPayload(bytes), fingerprint: shareFingerprint(bytes) };
  await renderSheet(kit, share, { paper: 'a4' }).save(join(dir, `sheet-${number}.pdf`));
  return { forged: share.fingerprint, listed: original.fingerprint };
}

export async function misprintCombiner(kit: Kit, dir: string): Promise<void> {
  // the listing is the short combiner: the drill's guide path types it
  const source = readPackageText('templates', 'recover', 'combine-short.py');
  const lines = source.slice(0, source.lastIndexOf('\n#=') + 1).split('\n');
  lines.splice(1, 0, 'raise SystemExit("misprinted combiner (drill fixture)")');
  // sealed again, as a misprint made by the renderer itself would be: the listing and its seal agree, the program is wrong
  const body = lines.join('\n');
  const typedCombiner = `${body}#=${createHash('sha256').update(body).digest('hex').slice(0, 16)}\n`;
  const combiner = readPackageText('templates', 'recover', 'combine.py');
  await renderGuide(kit, { paper: 'a4', combiner, typedCombiner }).pdf.save(join(dir, 'guide.pdf'));
}

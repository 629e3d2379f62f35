/**
 * The monthly drill chosen in the wizard (`init --answers FILE --yes`), end to end through the built CLI against
 * `rclone serve restic` on 127.0.0.1 and a folder as the onsite disk: the config's drill section, the kit copy
 * kept in the state folder (0700/0600) and named by drill.kit, the drill timer in `schedule print` (systemd and
 * cron), both backups leaving the copy out (read back from restic and from the rsync snapshot), a newer kit
 * replacing the copy, and the drill turned off removing it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { parseSecrets } from '../../src/adapters/secrets.js';
import { runProgram } from '../../src/adapters/exec.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startRcloneRestServer } from '../helpers/servers.js';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

function ok(result: CliResult, what: string): CliResult {
  assert.equal(result.exitStatus, 0, `${what} failed (${String(result.exitStatus)}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** Every file under `dir`, relative, with "/" */
function walk(dir: string, at = ''): string[] {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((entry) => {
    const rel = at === '' ? entry.name : `${at}/${entry.name}`;
    return entry.isDirectory() ? walk(dir, rel) : [rel];
  });
}

test('the monthly drill from the wizard: drill section, kit copy 0700/0600, the drill timer, left out of both backups, replaced by a new kit, removed when turned off', async () => {
  const root = mkdtempSync(join(tmpdir(), 'drkit-wizard-drill-'));
  const server = await startRcloneRestServer();
  try {
    const source = join(root, 'data');
    mkdirSync(join(source, 'docs'), { recursive: true });
    writeFileSync(join(source, 'docs', 'letter.txt'), 'dear custodian\n');
    const home = join(root, 'home');
    mkdirSync(home);
    // the state folder lies inside the backed-up folder, as ~/.local/state does under a backed-up home
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(source, '.state'), XDG_CACHE_HOME: join(home, '.cache') };
    const state = join(env.XDG_STATE_HOME, 'drkit');
    const config = join(env.XDG_CONFIG_HOME, 'drkit', 'config.yaml');
    const usb = join(root, 'usb', 'drkit');
    const kitOut = join(root, 'kit');
    const answers = join(root, 'answers.yaml');
    writeFileSync(answers, [
      `sources: [${source}]`, 'onsite: folder', `onsiteTarget: ${usb}`, 'offsite: url', `repositoryUrl: ${server.repository}`, 'passwordMode: generate',
      'drillSchedule: monthly', 'custodians:', '  - { name: Ann }', '  - { name: Ben }', '  - { name: Cy }', 'threshold: 2', 'owner: Ann Owner',
      'then: [schedule, backup, kit]', `kitOut: ${kitOut}`, '',
    ].join('\n'));
    const first = ok(await runCli(['init', '--answers', answers, '--yes'], { env }), 'init --answers');
    const said = first.stdout + first.stderr;
    // the first schedule install comes before the kit: the drill is wanted, and it says why it is not there yet
    assert.match(said, /the monthly drill \(drill\.schedule: monthly\) is not scheduled: no kit copy exists yet/);
    assert.match(said, /this computer's secrets file already holds the same credentials, so keeping the sheets here for the drill exposes nothing more; the printed sheets stay the only copy that survives the computer/);
    assert.match(said, /adding the monthly drill's timer, now that its copy of the kit exists/);
    // the kit said it before the wizard added the timer; a kit made once the timer exists does not (below)
    assert.match(said, /the monthly drill has no timer yet: drkit schedule install adds it/);

    const parsed = parseConfig(readFileSync(config, 'utf8'), config);
    assert.equal(parsed.drill?.schedule, 'monthly');
    assert.equal(parsed.drill?.kit, join(state, 'kit', 'current'));
    const kitId = (JSON.parse(readFileSync(join(kitOut, 'kit.json'), 'utf8')) as { kitId: string }).kitId;
    const copy = join(state, 'kit', kitId);
    assert.equal(mode(join(state, 'kit')), '700');
    assert.equal(mode(copy), '700');
    assert.deepEqual(readdirSync(copy).sort(), ['guide.pdf', 'sheet-1.pdf', 'sheet-2.pdf', 'sheet-3.pdf']);
    for (const name of readdirSync(copy)) assert.equal(mode(join(copy, name)), '600', name);
    assert.deepEqual(readFileSync(join(copy, 'sheet-2.pdf')), readFileSync(join(kitOut, 'sheet-2.pdf')));
    assert.match(readFileSync(join(env.XDG_CONFIG_HOME, 'drkit', 'answers.yaml'), 'utf8'), /drillSchedule: monthly/);

    // the drill's timer: installed by the wizard once the copy existed, and in both printed forms
    assert.ok(existsSync(join(env.XDG_CONFIG_HOME, 'systemd', 'user', 'drkit-backup-drill.timer')));
    const units = ok(await runCli(['schedule', 'print', '--config', config], { env }), 'schedule print');
    assert.match(units.stdout, /# .*drkit-backup-drill\.service\n[\s\S]*ExecStart=.*"drill" "--config" "[^"]*config\.yaml"/);
    assert.match(units.stdout, /drkit-backup-drill\.timer\n[\s\S]*OnCalendar=\*-\*-01 04:00:00/);
    const cron = ok(await runCli(['schedule', 'print', '--cron', '--config', config], { env }), 'schedule print --cron');
    assert.match(cron.stdout, /^0 4 1 \* \* .* drill --config \S+ # drkit-backup-drill$/m);

    // both backups ran after the kit: the canary of the state folder is in them, the kit copy is not
    const status = JSON.parse(readFileSync(join(state, 'status.json'), 'utf8')) as { runs: { job: string; outcome: string }[] };
    assert.ok(status.runs.filter((run) => run.outcome === 'success').length >= 2, 'the backups ran');
    ok(await runCli(['backup', 'all', '--config', config], { env }), 'backup all with the kit copy in place');
    const secrets = parseSecrets(readFileSync(join(env.XDG_CONFIG_HOME, 'drkit', 'secrets', 'secrets.env'), 'utf8'), 'secrets');
    const passwordFile = join(root, 'restic-password');
    writeFileSync(passwordFile, secrets.RESTIC_PASSWORD ?? '', { mode: 0o600 });
    const listed = await runProgram('restic', ['ls', 'latest', '--no-cache'], { env: { RESTIC_REPOSITORY: server.repository, RESTIC_PASSWORD_FILE: passwordFile, HOME: home } });
    rmSync(passwordFile);
    assert.equal(listed.exitStatus, 0, listed.stderrTail);
    assert.match(listed.stdout, /\.state\/drkit\/canary\/drkit-canary\.txt$/m, 'the state folder is backed up');
    assert.match(listed.stdout, /\.state\/drkit\/status\.json$/m);
    assert.doesNotMatch(listed.stdout, /\.state\/drkit\/kit\b/, 'restic did not store the kit copy');
    const host = readdirSync(usb).find((name) => !name.startsWith('.')) ?? '';
    const latest = join(usb, host, 'latest');
    const onsiteFiles = walk(latest);
    assert.ok(onsiteFiles.some((file) => file.endsWith('.state/drkit/status.json')), 'the state folder is in the rsync snapshot');
    assert.ok(!onsiteFiles.some((file) => file.includes('.state/drkit/kit/')), 'rsync did not store the kit copy');

    // the scheduled drill's own command (the unit's ExecStart) finds the kit through drill.kit, the copy's link
    const drilled = await runCli(['drill', '--config', config, '--via', 'tool', '--sheets', '1,3', '--json'], { env });
    assert.equal(drilled.exitStatus, 0, `${drilled.stderr}\n${drilled.stdout}`);
    assert.equal((JSON.parse(drilled.stdout.split('\n').find((line) => line.includes('"message_type":"drill"')) ?? '{}') as { kitId?: string }).kitId, kitId);

    // a newer kit replaces the copy: the superseded sheets do not linger
    const newOut = join(root, 'kit-new');
    const newKit = ok(await runCli(['kit', 'create', '--config', config, '--custodians', 'Ann,Ben', '--threshold', '2', '--out', newOut, '--supersedes', kitId], { env }), 'the new kit');
    assert.doesNotMatch(newKit.stderr + newKit.stdout, /has no timer yet/);
    const newId = (JSON.parse(readFileSync(join(newOut, 'kit.json'), 'utf8')) as { kitId: string }).kitId;
    assert.deepEqual(readdirSync(join(state, 'kit')).sort(), ['current', newId].sort());
    assert.deepEqual(readdirSync(join(state, 'kit', newId)).sort(), ['guide.pdf', 'sheet-1.pdf', 'sheet-2.pdf']);

    // drkit status still flags a drill older than drill.maxAge (the kit create above took longer than a second)
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^drill:\n/m, 'drill:\n  maxAge: 1s\n'));
    const stale = await runCli(['status', '--config', config], { env });
    assert.equal(stale.exitStatus, 5, stale.stdout);
    assert.match(stale.stdout, /last drill via tool: .*more than drill\.maxAge 1s: run drkit drill/);

    // the drill turned off: the copy goes, the config says so, the timer is no longer printed or installed
    const off = ok(await runCli(['init', '--answers', join(env.XDG_CONFIG_HOME, 'drkit', 'answers.yaml'), '--drill-schedule', 'none', '--yes'], { env }), 'init --drill-schedule none');
    assert.match(off.stderr, /removed the copy of the sheets kept for the monthly drill .*: the drill is off/);
    assert.equal(existsSync(join(state, 'kit')), false);
    const offConfig = parseConfig(readFileSync(config, 'utf8'), config);
    assert.equal(offConfig.drill?.schedule, 'none');
    assert.equal(offConfig.drill?.kit, undefined);
    const offUnits = ok(await runCli(['schedule', 'print', '--config', config], { env }), 'schedule print, drill off');
    assert.doesNotMatch(offUnits.stdout, /drkit-backup-drill/);
    const reinstalled = ok(await runCli(['schedule', 'install', '--config', config], { env }), 'schedule install, drill off');
    assert.match(reinstalled.stderr, /removed drkit-backup-drill\.service, drkit-backup-drill\.timer: no longer scheduled/);
    assert.equal(existsSync(join(env.XDG_CONFIG_HOME, 'systemd', 'user', 'drkit-backup-drill.timer')), false);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * `drkit demo`: the whole job, end to end, on local stand-ins, so a newcomer sees it work in one command.
 *
 * In a throwaway folder it makes sample data, starts `rclone serve restic` on 127.0.0.1 as the offsite server and
 * uses a folder as the onsite disk, then runs the real commands one after the other, exactly as the owner would
 * type them (each is printed first): init, backup of both copies, status, kit create (3 of 5, PDF sheets), and a
 * drill by both paths (the printed guide and the tool). Each step is a child process of the built CLI with the
 * demo's own XDG folders, so nothing of the owner's real setup is read or touched.
 *
 * Every exit stops the server; the folder is removed unless --keep (or --dir) asks to keep it.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSampleFiles } from '../core/demo-data.js';
import { startRestServer, type RestServer } from '../adapters/rest-server.js';
import { systemRandom } from '../adapters/random.js';
import { ExitCode, ToolError, UserError } from '../errors.js';
import type { CommandIO } from '../ui/io.js';

export interface DemoOptions {
  dir?: string;
  keep: boolean;
  json: boolean;
}

interface Step {
  name: string;
  args: string[];
  /** exit codes that still let the demo go on (e.g. status 5 before anything ran) */
  accept?: readonly number[];
}

interface StepResult {
  name: string;
  command: string;
  exitCode: number;
  durationMs: number;
  /** the step's --json messages (in --json mode only) */
  messages: unknown[];
}

const CUSTODIANS = 'Ann Example <ann@example.org>,Ben Example <+44 20 7946 0001>,Cy Example <cy@example.org>,Dee Example <dee@example.org>,Eve Example <eve@example.org>';

function cliPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');
}

/** Lays out the demo folder: sample data, the onsite "disk", the secrets file (0600 in 0700) and the config. */
function prepare(root: string, repository: string): { config: string; env: NodeJS.ProcessEnv; data: string; kit: string } {
  const data = join(root, 'data');
  for (const file of makeSampleFiles(systemRandom)) {
    const path = join(data, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  const disk = join(root, 'usb-disk');
  mkdirSync(join(disk, 'drkit'), { recursive: true });
  const privateDir = join(root, 'config', 'drkit', 'secrets');
  mkdirSync(privateDir, { recursive: true, mode: 0o700 });
  chmodSync(privateDir, 0o700);
  const secrets = join(privateDir, 'secrets.env');
  // a fresh random password: the demo's repository is as real as any other
  writeFileSync(secrets, `RESTIC_PASSWORD=${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  const config = join(root, 'config', 'drkit', 'config.yaml');
  writeFileSync(config, [
    '# made by drkit demo: a setup on local stand-ins (docs/config.md explains every key)',
    `sources: [${JSON.stringify(data)}]`,
    `secrets: ${JSON.stringify(secrets)}`,
    'host: demo',
    'onsite:',
    `  target: ${JSON.stringify(join(disk, 'drkit'))}`,
    'offsite:',
    `  repository: ${JSON.stringify(repository)}`,
    'kit:',
    '  owner: Demo Owner',
    '  notes: This is a demo kit made by drkit demo on local stand-ins; nothing here is real.',
    '',
  ].join('\n'), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_STATE_HOME: join(root, 'state'),
    XDG_CACHE_HOME: join(root, 'cache'),
  };
  for (const name of Object.keys(env)) if (name.startsWith('RESTIC_') || name.startsWith('AWS_') || name.startsWith('B2_')) delete env[name];
  return { config, env, data, kit: join(root, 'kit') };
}

function runStep(step: Step, env: NodeJS.ProcessEnv, io: CommandIO, onChild: (kill: (() => void) | null) => void): Promise<StepResult> {
  const command = `drkit ${step.args.map((arg) => (/^[\w./:=@,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`)).join(' ')}`;
  const started = Date.now();
  if (!io.jsonMode) io.note(`\n== ${step.name}\n$ ${command}`);
  return new Promise((resolvePromise, reject) => {
    const args = io.jsonMode ? [...step.args, '--json'] : step.args;
    const child = spawn(process.execPath, [cliPath(), ...args], { env, stdio: ['ignore', io.jsonMode ? 'pipe' : 'inherit', 'inherit'] });
    onChild(() => child.kill('SIGTERM'));
    let stdout = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => { stdout += chunk; });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      onChild(null);
      const messages: unknown[] = [];
      for (const line of stdout.split('\n')) {
        if (line.trim() === '') continue;
        try { messages.push(JSON.parse(line)); } catch { /* a non-JSON line is not a message */ }
      }
      resolvePromise({ name: step.name, command, exitCode: code ?? (signal === null ? 1 : 128 + 15), durationMs: Date.now() - started, messages });
    });
  });
}

export async function run(options: DemoOptions, io: CommandIO): Promise<number> {
  const keep = options.keep || options.dir !== undefined;
  let root: string;
  if (options.dir !== undefined) {
    root = resolve(options.dir);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    if (readdirSync(root).length > 0) {
      throw new UserError('E_DEMO_DIR', `--dir ${root} is not empty`, { hints: ['give a new or empty folder; the demo writes a whole setup there'] });
    }
  } else {
    root = mkdtempSync(join(tmpdir(), 'drkit-demo-'));
  }
  chmodSync(root, 0o700);

  let server: RestServer | null = null;
  let killChild: (() => void) | null = null;
  let interrupted = false;
  const onSignal = (): void => { interrupted = true; killChild?.(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: StepResult[] = [];
  const started = Date.now();
  try {
    if (!io.jsonMode) io.note(`drkit demo: a complete setup on local stand-ins in ${root}`);
    server = await startRestServer(join(root, 'offsite-server'));
    if (!io.jsonMode) io.note(`offsite stand-in: rclone serve restic on 127.0.0.1:${server.port} (instead of Backblaze B2)`);
    const { config, env, kit } = prepare(root, server.repository);
    // the kit comes first (it needs only the repository id init recorded), so the first backup already carries
    // the kit's canary and the drill can check it; the repository check then makes status whole
    const steps: Step[] = [
      { name: 'set up: write the onsite disk\'s marker, create the restic repository', args: ['init', '--config', config, '--yes'] },
      { name: 'seal the kit: 5 custodians, any 3 open it (checked against the repository first)', args: ['kit', 'create', '--config', config, '--custodians', CUSTODIANS, '--threshold', '3', '--out', kit] },
      { name: 'back up: rsync snapshot onsite, restic snapshot offsite', args: ['backup', 'all', '--config', config] },
      { name: 'check the offsite repository: restic check', args: ['check', '--config', config] },
      { name: 'drill: restore in a clean room from 3 sheets, by the printed guide and by drkit, and compare', args: ['drill', '--config', config, '--kit', kit, '--via', 'both'] },
      { name: 'status: every job, the repository check, the kit and the drill', args: ['status', '--config', config] },
    ];
    for (const step of steps) {
      const result = await runStep(step, env, io, (kill) => { killChild = kill; });
      results.push(result);
      if (interrupted) return ExitCode.interrupted;
      if (result.exitCode !== 0 && !(step.accept ?? []).includes(result.exitCode)) {
        throw new ToolError('E_DEMO_STEP', `demo step "${step.name}" failed (exit ${result.exitCode})`, {
          program: 'drkit', exitStatus: result.exitCode, exitCode: ExitCode.toolError,
          hints: ['the output above says why; run the demo with --keep to look at the files it made'],
        });
      }
    }
    const durationMs = Date.now() - started;
    if (io.jsonMode) {
      io.json({ message_type: 'demo', verdict: 'ok', dir: root, kept: keep, durationMs,
        files: keep ? { config, kit, sheets: join(kit, 'sheet-*.pdf'), guide: join(kit, 'guide.pdf'), checklist: join(kit, 'checklist.pdf') } : null,
        steps: results });
    } else {
      io.out('');
      io.out(`demo finished in ${(durationMs / 1000).toFixed(1)} s: two backups, a sealed 3-of-5 kit, and a drill that restored from the paper alone`);
      if (keep) {
        io.out(`  the sheets:    ${join(kit, 'sheet-1.pdf')} … sheet-5.pdf`);
        io.out(`  the guide:     ${join(kit, 'guide.pdf')}`);
        io.out(`  the checklist: ${join(kit, 'checklist.pdf')}`);
        io.out(`  the config:    ${config}`);
        io.out(`  drill report:  drkit status --config ${config}  (state in ${join(root, 'state', 'drkit')})`);
      } else {
        io.out('  the demo folder was removed; run drkit demo --keep to look at the sheets, the guide and the drill report');
      }
      io.out('next: drkit init sets up your own backups');
    }
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server?.stop();
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}



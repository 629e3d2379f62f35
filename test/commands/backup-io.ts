/** Test helpers for the backup-side commands: a captured CommandIO and a throwaway setup (config, secrets, XDG dirs). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../src/ui/io.js';
import { setupId } from '../../src/adapters/paths.js';

export interface CapturedIO extends CommandIO {
  outLines: string[];
  noteLines: string[];
  jsonValues: Record<string, unknown>[];
}

export function captureIO(jsonMode = false): CapturedIO {
  const outLines: string[] = [];
  const noteLines: string[] = [];
  const jsonValues: Record<string, unknown>[] = [];
  return {
    outLines, noteLines, jsonValues,
    out: (line) => { outLines.push(line); },
    note: (line) => { noteLines.push(line); },
    json: (value) => { jsonValues.push(JSON.parse(JSON.stringify(value)) as Record<string, unknown>); },
    jsonMode,
    interactive: false,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  };
}

export const PASSWORD = 'tr0ub4dor-and-3-horses';

export interface Sandbox {
  root: string;
  config: string;
  secrets: string;
  source: string;
  target: string;
  repository: string;
  stateDir: string;
  /** the environment the built CLI needs (XDG dirs inside the sandbox) */
  env: Record<string, string>;
  writeConfig(text: string): void;
  cleanup(): void;
}

/**
 * A sandbox with a source folder of a few files, an onsite target folder, a secrets file (0600 in 0700) and XDG
 * dirs; it sets XDG_STATE_HOME and XDG_CONFIG_HOME in process.env for in-process command runs (restored by cleanup).
 */
export function makeSandbox(options: { repository?: string } = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'drkit-cmd-'));
  const source = join(root, 'data');
  mkdirSync(join(source, 'docs'), { recursive: true });
  writeFileSync(join(source, 'docs', 'letter.txt'), 'dear custodian\n');
  writeFileSync(join(source, 'photo.raw'), Buffer.alloc(64 * 1024, 7));
  const target = join(root, 'usb');
  mkdirSync(target);
  const secretsDir = join(root, 'secrets');
  mkdirSync(secretsDir, { mode: 0o700 });
  chmodSync(secretsDir, 0o700);
  const secrets = join(secretsDir, 'secrets.env');
  writeFileSync(secrets, `RESTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
  chmodSync(secrets, 0o600);
  const repository = options.repository ?? join(root, 'repo');
  const config = join(root, 'config.yaml');
  const env = { XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'xdg-config') };
  const saved = { XDG_STATE_HOME: process.env.XDG_STATE_HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
  Object.assign(process.env, env);
  const writeConfig = (text: string): void => writeFileSync(config, text);
  writeConfig(`sources: [${source}]\nsecrets: ${secrets}\nonsite:\n  target: ${target}\noffsite:\n  repository: ${repository}\n  keep: { last: 5 }\n`);
  return {
    root, config, secrets, source, target, repository, stateDir: join(root, 'state', 'drkit', 'setups', setupId(config)), env, writeConfig,
    cleanup: () => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

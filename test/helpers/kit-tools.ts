/** Running the real printed combiner and gpg on kit texts, for interop tests. */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../src/adapters/exec.js';
import { combinerPath } from '../../src/paths.js';

export interface CombinerRun { exitStatus: number | null; stdout: string; stderr: string; openpgp: Buffer | null }

/**
 * Writes the texts as files named `names` (and envelope.txt) in a fresh folder and runs python3 combine.py there
 * (`program`: the full combiner unless told, e.g. shortCombinerPath(); `python`: another interpreter, e.g. an older one).
 */
export async function runCombiner(names: readonly string[], texts: readonly string[], envelope: string, program = combinerPath(), python = 'python3'): Promise<CombinerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-combine-'));
  try {
    names.forEach((name, i) => writeFileSync(join(dir, name), texts[i] ?? ''));
    writeFileSync(join(dir, 'envelope.txt'), envelope);
    const result = await runProgram(python, [program, 'envelope.txt', ...names], { cwd: dir });
    let openpgp: Buffer | null = null;
    try { openpgp = readFileSync(join(dir, 'kit.gpg')); } catch { openpgp = null; }
    return { exitStatus: result.exitStatus, stdout: result.stdout, stderr: result.stderrTail, openpgp };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decrypts an OpenPGP message with the system gpg, passphrase on fd 0, in a throwaway GNUPGHOME. */
export async function gpgDecrypt(message: Uint8Array, passphrase: string): Promise<{ exitStatus: number | null; plaintext: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'drkit-gpg-'));
  try {
    writeFileSync(join(dir, 'kit.gpg'), message);
    const result = await runProgram('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--decrypt', join(dir, 'kit.gpg')], {
      input: `${passphrase}\n`, env: { GNUPGHOME: dir }, debianPackage: 'gnupg',
    });
    return { exitStatus: result.exitStatus, plaintext: result.stdout, stderr: result.stderrTail };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

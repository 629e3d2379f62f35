import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.js';
import { parseSecrets, readSecretsFile, secretValues } from '../../src/adapters/secrets.js';
import { redactText } from '../../src/core/redact.js';

function setup(fileMode: number, dirMode: number, text = 'RESTIC_PASSWORD=correct horse\n'): { dir: string; file: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'drkit-secrets-'));
  const dir = join(root, 'secrets');
  mkdirSync(dir);
  const file = join(dir, 'secrets.env');
  writeFileSync(file, text);
  chmodSync(file, fileMode);
  chmodSync(dir, dirMode);
  return { dir, file, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('a 0600 file in a 0700 folder is read', () => {
  const { file, cleanup } = setup(0o600, 0o700, '# restic\nRESTIC_PASSWORD=correct horse\nexport AWS_ACCESS_KEY_ID="AKIA1"\n\nAWS_SECRET_ACCESS_KEY=\'s3cr=t\'\n');
  try {
    assert.deepEqual(readSecretsFile(file), { RESTIC_PASSWORD: 'correct horse', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's3cr=t' });
  } finally {
    cleanup();
  }
});

test('a file readable by others is refused, naming the file and the chmod that fixes it', () => {
  const { file, cleanup } = setup(0o644, 0o700);
  try {
    assert.throws(() => readSecretsFile(file), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.code, 'E_SECRETS_MODE');
      assert.equal(error.message, `secrets file ${file} can be read by others (mode 0644): it must be 0600`);
      assert.deepEqual(error.hints, [`chmod 600 ${file}`]);
      assert.ok(!error.message.includes('correct horse'));
      return true;
    });
  } finally {
    cleanup();
  }
});

test('a folder open to others is refused with its chmod', () => {
  const { dir, file, cleanup } = setup(0o600, 0o755);
  try {
    assert.throws(() => readSecretsFile(file), (error: unknown) =>
      error instanceof UserError && error.code === 'E_SECRETS_MODE' && error.hints[0] === `chmod 700 ${dir}` && error.message.includes(file));
  } finally {
    cleanup();
  }
});

test('a missing file says how to create it', () => {
  assert.throws(() => readSecretsFile('/nonexistent/drkit/secrets.env'), (error: unknown) =>
    error instanceof UserError && error.code === 'E_SECRETS_MISSING' && /install -m 600/.test(error.hints[0] ?? ''));
});

test('a malformed line is named by number, never echoed', () => {
  assert.throws(() => parseSecrets('RESTIC_PASSWORD=x\nhunter2 hunter2\n', '/s/secrets.env'), (error: unknown) =>
    error instanceof UserError && error.message === '/s/secrets.env:2: not a KEY=value line' && !error.message.includes('hunter2'));
  assert.throws(() => parseSecrets('A=1\nA=2\n', '/s'), /A is set twice/);
});

test('redaction replaces every secret value', () => {
  const values = secretValues({ RESTIC_PASSWORD: 'correct horse', SHORT: 'wrong' });
  assert.deepEqual(values, ['correct horse']);
  assert.equal(redactText('failed with correct horse and correct horse', values), 'failed with … and …');
});

import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DrkitError, ExitCode, exitCodeFor, UserError } from '../../src/errors.js';
import { run } from '../../src/commands/init.js';
import { readState } from '../../src/adapters/state.js';
import { captureIO, makeSandbox, PASSWORD } from './backup-io.js';

test('init --yes writes the marker, creates the repository, records both; a second run changes nothing', async () => {
  const box = makeSandbox();
  try {
    const io = captureIO();
    assert.equal(await run({ config: box.config, yes: true }, io), ExitCode.ok);
    const state = readState(box.stateDir);
    const marker = readFileSync(join(box.target, '.drkit-target'), 'utf8').trim();
    assert.match(marker, /^[0-9a-f-]{36}$/);
    assert.equal(state.onsite?.markerId, marker);
    assert.match(state.offsite?.repositoryId ?? '', /^[0-9a-f]{64}$/);
    assert.equal(io.outLines[0], `onsite: wrote marker ${marker} to ${box.target}`);
    assert.match(io.outLines[1] ?? '', /^offsite: created the repository .* \(id [0-9a-f]{8}\)$/);
    assert.ok(!readFileSync(join(box.stateDir, 'status.json'), 'utf8').includes(PASSWORD));

    const again = captureIO(true);
    assert.equal(await run({ config: box.config, yes: true, json: true }, again), ExitCode.ok);
    const summary = again.jsonValues[0] as { onsite: { created: boolean; markerId: string }; offsite: { created: boolean; repositoryId: string } };
    assert.deepEqual(summary.onsite, { target: box.target, markerId: marker, created: false });
    assert.equal(summary.offsite.created, false);
    assert.equal(summary.offsite.repositoryId, state.offsite?.repositoryId);
    assert.deepEqual(readState(box.stateDir).onsite, state.onsite, 'the record is kept as it was');
  } finally {
    box.cleanup();
  }
});

test('init on an existing repository with a wrong password: typed error with a hint, nothing re-created', async () => {
  const box = makeSandbox();
  try {
    await run({ config: box.config, yes: true }, captureIO());
    writeFileSync(box.secrets, 'RESTIC_PASSWORD=not-the-password\n');
    await assert.rejects(run({ config: box.config, yes: true }, captureIO()), (error: unknown) => {
      assert.ok(error instanceof DrkitError);
      assert.equal(error.code, 'E_RESTIC_WRONG_PASSWORD');
      assert.equal(exitCodeFor(error), ExitCode.userError);
      assert.ok(error.hints.length > 0);
      assert.ok(!error.message.includes('not-the-password'));
      return true;
    });
  } finally {
    box.cleanup();
  }
});

test('init refuses a secrets file others can read, naming the file and the fix', async () => {
  const box = makeSandbox();
  try {
    chmodSync(box.secrets, 0o640);
    await assert.rejects(run({ config: box.config, yes: true }, captureIO()), (error: unknown) =>
      error instanceof UserError && error.code === 'E_SECRETS_MODE' && error.message.includes(box.secrets) && error.hints[0] === `chmod 600 ${box.secrets}`);
  } finally {
    box.cleanup();
  }
});

test('init without --yes and without a terminal says how to answer without one; a bad config names its line', async () => {
  const box = makeSandbox();
  try {
    await assert.rejects(run({ config: box.config }, captureIO()), (error: unknown) => error instanceof UserError && error.code === 'E_NO_TERMINAL' && error.hints.some((hint) => hint.includes('--answers FILE --yes')));
    box.writeConfig(`sources: [${box.source}]\nonsite:\n  target: ${box.target}\n  keep:\n    hourly: 3d\n`);
    await assert.rejects(run({ config: box.config, yes: true }, captureIO()), (error: unknown) =>
      error instanceof UserError && error.message === 'config.yaml:5: onsite.keep.hourly: unknown key "hourly"');
  } finally {
    box.cleanup();
  }
});

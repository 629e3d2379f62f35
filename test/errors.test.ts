import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asDrkitError, ExitCode, exitCodeFor, formatError, InternalError, ToolError, UserError } from '../src/errors.js';

test('each kind of error maps to its documented exit code', () => {
  assert.equal(exitCodeFor(new UserError('E_X', 'bad input')), ExitCode.userError);
  assert.equal(exitCodeFor(new ToolError('E_Y', 'restic failed', { program: 'restic', exitStatus: 1 })), ExitCode.toolError);
  assert.equal(exitCodeFor(new InternalError('oops')), ExitCode.internal);
  assert.equal(exitCodeFor(new UserError('E_X', 'no', { exitCode: ExitCode.checkFailed })), ExitCode.checkFailed);
  assert.equal(exitCodeFor(new Error('plain')), ExitCode.internal);
});

test('a user error prints its hints and no stack; context keeps the code', () => {
  const error = new UserError('E_SHARE_LINE', 'line 2 fails its check', { hints: ['retype line 2'] }).withContext('share-3.txt');
  assert.equal(error.code, 'E_SHARE_LINE');
  assert.equal(formatError(error), 'error: share-3.txt: line 2 fails its check\nhint: retype line 2');
  assert.ok(asDrkitError(new Error('boom')) instanceof InternalError);
});

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ping } from '../../src/adapters/healthcheck.js';
import { redactText } from '../../src/core/redact.js';

async function withServer(status: (path: string) => number, fn: (base: string, seen: { path: string; body: string }[]) => Promise<void>): Promise<void> {
  const seen: { path: string; body: string }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => {
      seen.push({ path: request.url ?? '', body });
      response.statusCode = status(request.url ?? '');
      response.end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.close();
  }
}

test('pings reach the server with their body', async () => {
  await withServer(() => 200, async (base, seen) => {
    assert.deepEqual(await ping(`${base}/abc/start`), { ok: true });
    assert.deepEqual(await ping(`${base}/abc/fail`, 'E_RESTIC: repository unreachable'), { ok: true });
    assert.deepEqual(seen, [{ path: '/abc/start', body: '' }, { path: '/abc/fail', body: 'E_RESTIC: repository unreachable' }]);
  });
});

test('a failing ping is a note, not an exception; 5xx is retried once, 4xx is not', async () => {
  await withServer((path) => (path.startsWith('/gone') ? 404 : 503), async (base, seen) => {
    const gone = await ping(`${base}/gone`);
    assert.equal(gone.ok, false);
    assert.match(gone.problem ?? '', /HTTP 404$/);
    assert.equal(seen.length, 1);
    const busy = await ping(`${base}/busy`);
    assert.match(busy.problem ?? '', /HTTP 503$/);
    assert.equal(seen.length, 3);
  });
  const refused = await ping('http://127.0.0.1:1/x', '', 2000);
  assert.equal(refused.ok, false);
  assert.match(refused.problem ?? '', /^healthcheck ping to http:\/\/127\.0\.0\.1:1\/x failed: /);
});

test('user info is removed from URLs shown in notes', () => {
  assert.equal(redactText('https://user:pw@hc.example/abc'), 'https://user:…@hc.example/abc');
});

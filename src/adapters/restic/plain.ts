/**
 * Reading a restic repository's files as plain bytes, without restic: a local repository (a path, or `local:PATH`)
 * through the file system, a `rest:` repository through its HTTP API (`GET /config`, `GET /snapshots/`). No key
 * is derived and nothing is decrypted, so this costs a file read or one round trip instead of a restic start and
 * its ~0.5 s of scrypt.
 *
 * What it is for (see ./identity.ts and src/jobs/offsite.ts): the encrypted `config` file's bytes as the
 * repository's fingerprint, and the snapshot file names (a snapshot's id is the SHA-256 of its file) to turn the
 * short id restic 0.14 prints into the full one.
 *
 * Everything here is best effort: any other backend (s3:, b2:, sftp:, rclone:, …), an error, a redirect or a
 * timeout gives null, and the caller falls back to restic itself, which reports faults properly.
 */
import { readFile, readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isAbsolute, join, resolve } from 'node:path';

type Location =
  | { kind: 'local'; path: string }
  | { kind: 'rest'; url: URL; authorization?: string };

const TIMEOUT_MS = 10_000;
const MAX_BYTES = 1024 * 1024;

/** Where a repository string points, for the backends that can be read plainly; null for the others. */
function locate(repository: string): Location | null {
  if (repository.startsWith('rest:')) {
    let url: URL;
    try {
      url = new URL(repository.slice('rest:'.length));
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    const authorization = url.username === '' ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    return { kind: 'rest', url, ...(authorization === undefined ? {} : { authorization }) };
  }
  const path = repository.startsWith('local:') ? repository.slice('local:'.length) : repository;
  // any other "scheme:" (s3:, b2:, sftp:, rclone:, azure:, gs:, swift:) is not a local path
  if (/^[a-z][a-z0-9]*:/.test(path) && !isAbsolute(path)) return null;
  return { kind: 'local', path: resolve(path) };
}

/** restic's REST API v2 (a listing's entries are {name, size}); rclone serve restic refuses v1 listings */
const REST_V2 = 'application/vnd.x.restic.rest.v2';

function get(location: Extract<Location, { kind: 'rest' }>, name: string, cacert: Buffer | undefined): Promise<Buffer | null> {
  const url = new URL(name, location.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((done) => {
    const request = send(url, {
      method: 'GET', timeout: TIMEOUT_MS,
      headers: { accept: REST_V2, ...(location.authorization === undefined ? {} : { authorization: location.authorization }) },
      ...(cacert === undefined ? {} : { ca: cacert }),
    }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        done(null);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) { request.destroy(); done(null); return; }
        chunks.push(chunk);
      });
      response.on('end', () => done(Buffer.concat(chunks)));
      response.on('error', () => done(null));
    });
    request.on('timeout', () => { request.destroy(); done(null); });
    request.on('error', () => done(null));
    request.end();
  });
}

async function readCacert(cacert: string | undefined): Promise<Buffer | undefined | null> {
  if (cacert === undefined) return undefined;
  try {
    return await readFile(cacert);
  } catch {
    return null;
  }
}

/** The repository's `config` file as stored (encrypted), or null when it cannot be read without restic. */
export async function readPlainConfig(repository: string, options: { cacert?: string } = {}): Promise<Buffer | null> {
  const location = locate(repository);
  if (location === null) return null;
  if (location.kind === 'local') {
    try {
      return await readFile(join(location.path, 'config'));
    } catch {
      return null;
    }
  }
  const cacert = await readCacert(options.cacert);
  return cacert === null ? null : get(location, 'config', cacert);
}

/** The names (ids) of the repository's snapshot files, or null when they cannot be listed without restic. */
export async function listPlainSnapshots(repository: string, options: { cacert?: string } = {}): Promise<string[] | null> {
  const location = locate(repository);
  if (location === null) return null;
  if (location.kind === 'local') {
    try {
      return (await readdir(join(location.path, 'snapshots'))).filter((name) => /^[0-9a-f]{64}$/.test(name));
    } catch {
      return null;
    }
  }
  const cacert = await readCacert(options.cacert);
  if (cacert === null) return null;
  const body = await get(location, 'snapshots/', cacert);
  if (body === null) return null;
  try {
    // REST API v2: [{"name": "id", "size": n}, …]; a server that only speaks v1 answers ["id", …]
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(value)) return null;
    const names = value.map((entry: unknown) => (typeof entry === 'string' ? entry
      : typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string' ? (entry as { name: string }).name : ''));
    return names.filter((name) => /^[0-9a-f]{64}$/.test(name));
  } catch {
    return null;
  }
}

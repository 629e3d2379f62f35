/**
 * The template repositories' key, made with the key parameters of a normal `restic init` rather than ones
 * calibrated on a loaded machine. restic calibrates scrypt at init: it doubles N up to its 60 MiB memory cap
 * (N = 2^15 with r = 8) and then raises p until one derivation takes 500 ms. On a busy machine each trial is slow,
 * so p comes out low and every later open of that repository is cheaper than the owner's would be (the issue
 * measured 331 ms instead of 836 ms), which flatters anything that opens the repository more often than raw restic.
 *
 * Here p is chosen the same way, from restic's own speed: the template's key is re-sealed with p = 1 and with
 * p = 9, `restic cat config` runs several times with each, and the lowest CPU times (user + system, which waiting
 * for a core does not inflate, unlike wall time) give the cost of one unit of p; p is then what makes the
 * derivation take 500 ms, as on a quiet machine. The key file
 * restic wrote is re-sealed with those parameters: the master key inside is
 * decrypted with the old derived key and encrypted again with the new one, in restic's format (scrypt → 32 bytes
 * AES-256-CTR key ‖ 16 bytes AES-128 key k ‖ 16 bytes Poly1305 r; data = IV ‖ ciphertext ‖ Poly1305-AES MAC).
 * The MAC of the old key file is recomputed and compared first, so a mistake here fails loudly instead of
 * leaving a repository restic cannot open.
 */
import { createCipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** restic's calibration: 500 ms per derivation, N = 2^15 and r = 8 under its 60 MiB memory cap */
const TARGET_MS = 500;
const N = 32_768;
const R = 8;

export interface KeyParameters { N: number; r: number; p: number }

function derive(password: string, salt: Buffer, params: KeyParameters): Buffer {
  return scryptSync(password, salt, 64, { N: params.N, r: params.r, p: params.p, maxmem: 256 * 1024 * 1024 });
}

/**
 * The parameters `restic init` would pick on this machine when quiet, measured with `binary` on the local
 * repository `repository` (its key is left re-sealed with them). `open` runs one `restic cat config` and
 * resolves with the CPU time it took, in ms.
 */
export async function quietKeyParameters(repository: string, password: string, open: () => Promise<number>): Promise<KeyParameters & { unitMs: number }> {
  const fastest = async (p: number, runs: number): Promise<number> => {
    resealKey(repository, password, { N, r: R, p });
    let best = Infinity;
    for (let run = 0; run < runs; run++) best = Math.min(best, await open());
    return best;
  };
  const one = await fastest(1, 5);
  const nine = await fastest(9, 4);
  const unitMs = Math.max(1, (nine - one) / 8);
  const params = { N, r: R, p: Math.min(64, Math.max(1, Math.round(TARGET_MS / unitMs))) };
  resealKey(repository, password, params);
  return { ...params, unitMs };
}

const P1305 = (1n << 130n) - 5n;

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index] ?? 0);
  return value;
}

/** Poly1305-AES as restic uses it: r from the key (clamped), s = AES-128(k, nonce). */
function mac(message: Buffer, nonce: Buffer, k: Buffer, rBytes: Buffer): Buffer {
  const r = littleEndian(rBytes) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const aes = createCipheriv('aes-128-ecb', k, null).setAutoPadding(false);
  const s = littleEndian(Buffer.concat([aes.update(nonce), aes.final()]));
  let accumulator = 0n;
  for (let offset = 0; offset < message.length; offset += 16) {
    const block = message.subarray(offset, offset + 16);
    accumulator = ((accumulator + littleEndian(block) + (1n << BigInt(8 * block.length))) * r) % P1305;
  }
  let tag = (accumulator + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let index = 0; index < 16; index++) { out[index] = Number(tag & 0xffn); tag >>= 8n; }
  return out;
}

function ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

interface KeyFile { kdf: string; N: number; r: number; p: number; salt: string; data: string; [field: string]: unknown }

/** Re-seals the only key of the local repository `repository` with `params`. */
export function resealKey(repository: string, password: string, params: KeyParameters): void {
  const names = readdirSync(join(repository, 'keys'));
  if (names.length !== 1 || names[0] === undefined) throw new Error(`${repository}: expected one key, found ${names.length}`);
  const file = join(repository, 'keys', names[0]);
  const key = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  if (key.kdf !== 'scrypt') throw new Error(`${file}: kdf ${key.kdf}, not scrypt`);
  const old = derive(password, Buffer.from(key.salt, 'base64'), key);
  const sealed = Buffer.from(key.data, 'base64');
  const iv = sealed.subarray(0, 16);
  const ciphertext = sealed.subarray(16, sealed.length - 16);
  if (!mac(ciphertext, iv, old.subarray(32, 48), old.subarray(48, 64)).equals(sealed.subarray(sealed.length - 16))) {
    throw new Error(`${file}: the recomputed MAC does not match (wrong password, or this re-sealing is wrong)`);
  }
  const master = ctr(old.subarray(0, 32), iv, ciphertext);
  const salt = randomBytes(64);
  const fresh = derive(password, salt, params);
  const newIv = randomBytes(16);
  const newCiphertext = ctr(fresh.subarray(0, 32), newIv, master);
  const data = Buffer.concat([newIv, newCiphertext, mac(newCiphertext, newIv, fresh.subarray(32, 48), fresh.subarray(48, 64))]);
  const text = JSON.stringify({ ...key, N: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), data: data.toString('base64') });
  // a repository file is named after the SHA-256 of its bytes (restic ≥ 0.17 checks this when it loads a key)
  writeFileSync(join(repository, 'keys', createHash('sha256').update(text).digest('hex')), text, { mode: 0o400 });
  rmSync(file, { force: true });
}

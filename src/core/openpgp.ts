/**
 * The smallest OpenPGP message `gpg --decrypt` opens with a passphrase (docs/format.md §4, RFC 4880):
 * SKESK v4 without an encrypted session key (the S2K output is the message key), then SEIPD v1 (AES-256-CFB with
 * a Modification Detection Code) around one compressed packet holding one literal packet.
 *
 * Why drkit writes these four packets itself instead of calling OpenPGP.js's encrypt(): OpenPGP.js always adds an
 * encrypted session key (33 more bytes, 53 more characters for a restorer to type) and draws its own random prefix
 * and salt, so no known-answer vector could pin its output. Reading stays with OpenPGP.js and gpg, two independent
 * implementations that the tests run against every envelope written here.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { RandomBytes } from './random.js';

const AES256 = 9;
const S2K_ITERATED_SALTED = 3;
const SHA256 = 8;
const ZIP = 1;
/** 65,536 bytes hashed: the passphrase has 256 bits of entropy, so stretching buys nothing */
export const S2K_COUNT_BYTE = 0x60;

/** RFC 4880 §3.7.1.3: the number of bytes hashed for a coded count. */
export function s2kByteCount(coded: number): number {
  return (16 + (coded & 15)) << ((coded >> 4) + 6);
}

/** Iterated and salted S2K with SHA-256, producing a 32-byte AES-256 key. */
export function s2kIteratedSalted(passphrase: string, salt: Uint8Array, coded: number): Buffer {
  const data = Buffer.concat([salt, Buffer.from(passphrase, 'utf8')]);
  const total = Math.max(s2kByteCount(coded), data.length);
  const hash = createHash('sha256');
  const full = Math.floor(total / data.length);
  // hash whole repetitions in large blocks rather than one small update each
  const block = Buffer.concat(Array.from({ length: Math.min(full, 1024) }, () => data));
  let remaining = total;
  while (remaining >= block.length) {
    hash.update(block);
    remaining -= block.length;
  }
  if (remaining > 0) hash.update(block.subarray(0, remaining));
  return hash.digest();
}

/** A new-format packet header (RFC 4880 §4.2.2). */
function packetHeader(tag: number, length: number): Buffer {
  const first = 0xc0 | tag;
  if (length < 192) return Buffer.from([first, length]);
  if (length < 8384) {
    const rest = length - 192;
    return Buffer.from([first, (rest >> 8) + 192, rest & 0xff]);
  }
  const out = Buffer.alloc(6);
  out[0] = first;
  out[1] = 0xff;
  out.writeUInt32BE(length, 2);
  return out;
}

function packet(tag: number, body: Uint8Array): Buffer {
  return Buffer.concat([packetHeader(tag, body.length), body]);
}

/**
 * Encrypts `plaintext` to the passphrase. `random` supplies the 8-byte S2K salt, then the 16-byte prefix.
 */
export function encryptWithPassphrase(plaintext: Uint8Array, passphrase: string, random: RandomBytes): Uint8Array {
  const salt = random(8);
  const prefixRandom = random(16);
  const key = s2kIteratedSalted(passphrase, salt, S2K_COUNT_BYTE);
  const skesk = packet(3, Buffer.concat([Buffer.from([4, AES256, S2K_ITERATED_SALTED, SHA256]), salt, Buffer.from([S2K_COUNT_BYTE])]));

  const literalPacket = packet(11, Buffer.concat([Buffer.from([0x62, 0, 0, 0, 0, 0]), plaintext]));
  // ZIP (raw deflate) saves about a quarter of the bundle's characters (labels repeat); there is no attacker-chosen
  // text beside the secrets and no oracle, so compression leaks nothing here
  const literal = packet(8, Buffer.concat([Buffer.from([ZIP]), deflateRawSync(literalPacket, { level: 9 })]));
  const prefix = Buffer.concat([prefixRandom, prefixRandom.subarray(14, 16)]);
  const mdcHeader = Buffer.from([0xd3, 0x14]);
  const mdc = createHash('sha1').update(prefix).update(literal).update(mdcHeader).digest();
  const cipher = createCipheriv('aes-256-cfb', key, Buffer.alloc(16));
  const encrypted = Buffer.concat([cipher.update(Buffer.concat([prefix, literal, mdcHeader, mdc])), cipher.final()]);
  const seipd = packet(18, Buffer.concat([Buffer.from([1]), encrypted]));
  return new Uint8Array(Buffer.concat([skesk, seipd]));
}

/**
 * Known-answer helpers: a seeded random source, and a way to make the audited shamir-secret-sharing library's
 * split deterministic. The library draws from node:crypto's randomBytes and takes no source; for vectors only, we
 * swap that function and resync the ESM bindings (module.syncBuiltinESMExports), call split, and put it back.
 */
import crypto, { createHash, randomInt } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { split } from 'shamir-secret-sharing';
import { deterministicRandom, type RandomBytes } from '../../src/core/random.js';
import { systemRandom } from '../../src/adapters/random.js';
import { createKit, type Kit, type KitShare, type Splitter } from '../../src/core/kit.js';
import type { BundleInput } from '../../src/core/bundle.js';

export function seededRandom(seed: string): RandomBytes {
  return deterministicRandom(seed, (data) => new Uint8Array(createHash('sha256').update(data).digest()));
}

/** The library's own split, fed by a seeded stream instead of the OS. */
export function seededLibrarySplit(seed: string): Splitter {
  const random = seededRandom(`${seed}/shamir`);
  return async (secret, shares, threshold) => {
    const original = crypto.randomBytes;
    // an unpooled Buffer, as the real randomBytes returns: the library reads `.buffer` whole
    (crypto as { randomBytes: unknown }).randomBytes = (size: number) => Buffer.from(random(size).buffer);
    syncBuiltinESMExports();
    try {
      // split draws all its randomness synchronously, before its first await
      const promise = split(secret, shares, threshold);
      return await promise;
    } finally {
      (crypto as { randomBytes: unknown }).randomBytes = original;
      syncBuiltinESMExports();
    }
  };
}

export const typicalB2Bundle: BundleInput = {
  owner: 'Ann Example',
  repository: 's3:s3.us-west-004.backblazeb2.com/ann-example-backup',
  resticPassword: 'T8mqV3xKp2NcR7wYh4ZfL9sBd6GjE1uA',
  env: { AWS_ACCESS_KEY_ID: '0045f2a9c1b7e3d0000000007', AWS_SECRET_ACCESS_KEY: 'K004qW8eR2tY6uI0oP4aS8dF2gH6jK0' },
  repositoryId: '5e1f0c3a9b',
  onsite: 'USB disk "Backup" in the hall cupboard',
};

/**
 * A kit of random size (n in 2..15, k in 2..n) sealed from the typical bundle with the system's randomness, and a
 * random k of its shares as share files would name them: what the random-kit tests of both combiners start from.
 */
export async function randomKitAndChoice(): Promise<{ kit: Kit; passphrase: string; chosen: KitShare[]; names: string[]; texts: string[] }> {
  const n = randomInt(2, 16);
  const k = randomInt(2, n + 1);
  const { kit, passphrase } = await createKit(typicalB2Bundle, { custodians: Array.from({ length: n }, (_, i) => `C${i}`), threshold: k, random: systemRandom, now: new Date() });
  const chosen = [...kit.shares].sort(() => Math.random() - 0.5).slice(0, k);
  return { kit, passphrase, chosen, names: chosen.map((share) => `share-${share.number}.txt`), texts: chosen.map((share) => share.text) };
}

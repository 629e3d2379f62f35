/**
 * Randomness is a parameter of the core, never a global: production passes node:crypto's randomBytes (through
 * the command), known-answer tests pass a seeded generator. See `seededRandom` for the test generator.
 */
export type RandomBytes = (length: number) => Uint8Array;

/**
 * A deterministic byte stream for known-answer vectors and tests only: SHA-256(seed ‖ counter) blocks.
 * Never used to make a real kit.
 */
export function deterministicRandom(seed: string, sha256: (data: Uint8Array) => Uint8Array): RandomBytes {
  let counter = 0;
  let pool = new Uint8Array(0);
  const seedBytes = new TextEncoder().encode(seed);
  return (length: number) => {
    while (pool.length < length) {
      const block = new Uint8Array(seedBytes.length + 4);
      block.set(seedBytes);
      new DataView(block.buffer).setUint32(seedBytes.length, counter++);
      const next = new Uint8Array(pool.length + 32);
      next.set(pool);
      next.set(sha256(block), pool.length);
      pool = next;
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

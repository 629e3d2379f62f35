/**
 * Randomness is a parameter of the core, never a global: production passes node:crypto's randomBytes (through
 * the command), known-answer tests pass a seeded generator. See `seededRandom` for the test generator.
 */
export type RandomBytes = (length: number) => Uint8Array;

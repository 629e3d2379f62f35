/** The production source of randomness for the core: the operating system's CSPRNG. */
import { randomBytes } from 'node:crypto';
import type { RandomBytes } from '../core/random.js';

export const systemRandom: RandomBytes = (length) => new Uint8Array(randomBytes(length));

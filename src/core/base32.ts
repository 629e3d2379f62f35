/**
 * Crockford base32, uppercase (docs/format.md §1). Chosen because a person can type it without ambiguity
 * (no I, L, O, U), reading accepts the usual misreadings (O→0, I/L→1), and every character is in the QR code's
 * alphanumeric mode, which packs 5.5 bits per character instead of 8.
 */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const VALUES: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (let i = 0; i < ALPHABET.length; i++) {
    const char = ALPHABET.charAt(i);
    map.set(char, i);
    map.set(char.toLowerCase(), i);
  }
  for (const [alias, value] of [['O', 0], ['o', 0], ['I', 1], ['i', 1], ['L', 1], ['l', 1]] as const) map.set(alias, value);
  return map;
})();

/** The value (0…31) of a typed character, accepting lowercase and the O/I/L aliases; undefined if not allowed. */
export function symbolValue(char: string): number | undefined {
  return VALUES.get(char);
}

/** Bytes → characters, 5 bits each, most significant bit first, the last character zero-padded. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET.charAt((buffer >> (bits - 5)) & 31);
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/** The number of characters `byteLength` bytes take. */
export function base32Length(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5);
}

export type Base32DecodeFailure = 'length' | 'padding';

/**
 * Symbol values → bytes. Fails (returns the reason) when the count of symbols fits no whole number of bytes
 * or the padding bits are not zero: a decoder never guesses.
 */
export function decodeSymbols(symbols: readonly number[]): Uint8Array | Base32DecodeFailure {
  const byteLength = Math.floor((symbols.length * 5) / 8);
  if (base32Length(byteLength) !== symbols.length) return 'length';
  const out = new Uint8Array(byteLength);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const symbol of symbols) {
    buffer = (buffer << 5) | symbol;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >> (bits - 8)) & 0xff;
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return 'padding';
  return out;
}

/** Strict decode of a string (aliases accepted): bytes, or why not. */
export function decodeBase32(text: string): Uint8Array | Base32DecodeFailure | 'character' {
  const symbols: number[] = [];
  for (const char of text) {
    const value = symbolValue(char);
    if (value === undefined) return 'character';
    symbols.push(value);
  }
  return decodeSymbols(symbols);
}

/** The first `byteCount` bytes that `symbols` encode, ignoring what follows (for reading a header early). */
export function leadingBytes(symbols: readonly number[], byteCount: number): Uint8Array {
  const out = new Uint8Array(byteCount);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const symbol of symbols) {
    if (index >= byteCount) break;
    buffer = ((buffer << 5) | symbol) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

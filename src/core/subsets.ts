/** Every `size`-element subset of `items`, in order (for "every k of n shares open the kit"). */
export function* subsets<T>(items: readonly T[], size: number, start = 0): Generator<T[]> {
  if (size === 0) { yield []; return; }
  for (let i = start; i <= items.length - size; i++) {
    for (const rest of subsets(items, size - 1, i + 1)) yield [items[i] as T, ...rest];
  }
}

/** Byte-for-byte equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

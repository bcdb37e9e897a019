/**
 * A last-in first-out stack of whole numbers below 2^32 (frame numbers, paging-file slots) in a typed
 * array. Not a plain array: freeing the frames of a trimmed or exited process pushes tens of thousands
 * at once, and a plain array of that many numbers is reallocated in the large-object space each time it
 * grows, which cost more than the rest of freeing a frame.
 */
export class NumberStack {
  private items: Uint32Array;
  private count: number;

  constructor(from: ArrayLike<number> = []) {
    this.items = new Uint32Array(Math.max(64, from.length));
    this.items.set(from);
    this.count = from.length;
  }

  get length(): number {
    return this.count;
  }

  push(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 32)) throw new RangeError(`internal: ${n} cannot go on a stack of numbers below 2^32`);
    if (this.count === this.items.length) {
      const grown = new Uint32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count++] = n;
  }

  /** The number pushed last, taken off; undefined when the stack is empty. */
  pop(): number | undefined {
    return this.count > 0 ? this.items[--this.count] : undefined;
  }

  /** The numbers, bottom first, as an array of their own. */
  toArray(): Uint32Array {
    return this.items.slice(0, this.count);
  }
}

/** A bounded FIFO over a fixed array: O(1) push, shift and drop, no allocation per event. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }
  push(item: T): void {
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
  }
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return item;
  }
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }
  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size) out.push(this.shift() as T);
    return out;
  }
}

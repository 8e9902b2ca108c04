/**
 * Decoded blocks kept by recency within a byte budget, so windows that overlap (tile halos) do not
 * fetch and decode the same block twice. Holds promises, so concurrent reads of one block share one decode.
 */
export class BlockCache<T extends { byteLength: number }> {
  private readonly entries = new Map<string, Promise<T>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = load();
    if (this.budgetBytes <= 0) return pending;
    this.entries.set(key, pending);
    pending.then(
      (value) => {
        if (this.entries.get(key) !== pending) return;
        this.sizes.set(key, value.byteLength);
        this.bytes += value.byteLength;
        this.evict();
      },
      () => this.entries.delete(key), // a failed block is not cached: the next read tries again
    );
    return pending;
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.budgetBytes) return;
      const size = this.sizes.get(key);
      if (size === undefined) continue; // still loading
      this.entries.delete(key);
      this.sizes.delete(key);
      this.bytes -= size;
    }
  }

  clear(): void {
    this.entries.clear();
    this.sizes.clear();
    this.bytes = 0;
  }
}

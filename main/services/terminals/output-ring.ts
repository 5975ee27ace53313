/**
 * The recent output of one terminal, bounded by `capacity` characters, so a reloaded page can redraw it.
 * Old output is dropped in whole lines where it can be, so a replay starts at a line's beginning.
 */
export class OutputRing {
  private readonly chunks: string[] = [];
  private size = 0;

  constructor(private readonly capacity = 256 * 1024) {}

  /** Appends output, dropping the oldest beyond the capacity. */
  push(data: string): void {
    if (data.length === 0) return;
    if (data.length >= this.capacity) {
      this.chunks.length = 0;
      this.size = 0;
      data = data.slice(data.length - this.capacity);
    }
    this.chunks.push(data);
    this.size += data.length;
    if (this.size > this.capacity) this.trim();
  }

  /** Everything kept, oldest first. */
  read(): string {
    if (this.chunks.length > 1) {
      const joined = this.chunks.join('');
      this.chunks.length = 0;
      this.chunks.push(joined);
    }
    return this.chunks[0] ?? '';
  }

  /** Characters kept. */
  get length(): number {
    return this.size;
  }

  private trim(): void {
    let excess = this.size - this.capacity;
    while (excess > 0 && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
        excess -= head.length;
        continue;
      }
      // Cut inside the head chunk, and on to the next line start when one is near, so no half escape sequence leads.
      let cut = excess;
      const newline = head.indexOf('\n', cut);
      if (newline !== -1 && newline - cut < 4096) cut = newline + 1;
      this.chunks[0] = head.slice(cut);
      this.size -= cut;
      excess = 0;
    }
  }
}

/** What a streaming column writes into: a DOM Text node in the page (appendData is all it needs). */
export interface TextSink {
  appendData(text: string): void;
}

/**
 * Routes `prompt.delta` text to the columns of a run without React: each delta is appended to its column's text
 * node as it arrives (no re-render per token, no copy of the text so far). The chunks are also kept, so a column
 * mounted late (the first token can beat React's commit) or mounted again starts with everything that arrived.
 */
export class StreamSink {
  private readonly sinks = new Map<number, TextSink>();
  private readonly chunks = new Map<number, string[]>();
  private readonly lengths = new Map<number, number>();

  /** A column's (new, empty) text node is mounted: what arrived before is written first. */
  attach(target: number, sink: TextSink): void {
    this.sinks.set(target, sink);
    const before = this.chunks.get(target);
    if (before && before.length > 0) {
      const whole = before.join('');
      this.chunks.set(target, [whole]);
      sink.appendData(whole);
    }
  }

  detach(target: number, sink: TextSink): void {
    if (this.sinks.get(target) === sink) this.sinks.delete(target);
  }

  /** One delta: kept, and written now when its column is there. */
  append(target: number, text: string): void {
    if (text === '') return;
    this.lengths.set(target, (this.lengths.get(target) ?? 0) + text.length);
    const kept = this.chunks.get(target);
    if (kept) kept.push(text);
    else this.chunks.set(target, [text]);
    this.sinks.get(target)?.appendData(text);
  }

  /** The whole text of a column so far. */
  text(target: number): string {
    return (this.chunks.get(target) ?? []).join('');
  }

  /** Characters streamed so far into a column. */
  length(target: number): number {
    return this.lengths.get(target) ?? 0;
  }
}

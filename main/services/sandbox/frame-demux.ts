/** A stream of a non-TTY container: 1 stdout, 2 stderr. */
export type FrameStream = 'stdout' | 'stderr';

/**
 * Splits Docker's multiplexed attach stream (8-byte headers: stream type, 3 zero bytes, big-endian length)
 * into payloads. Unlike dockerode's demuxStream, the receiver can be swapped while the stream is open: a
 * pooled container's stream is read first by the pool (waiting for the launcher's ready line) and then by
 * the run it serves.
 */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(public onFrame: (stream: FrameStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      // Type 0 (stdin) is never sent by Docker; anything else than 2 is output.
      this.onFrame(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }
}

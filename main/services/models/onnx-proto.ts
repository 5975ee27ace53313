import { open, type FileHandle } from 'node:fs/promises';

/**
 * A small protobuf wire-format reader over a file, for onnx.proto3: varints and length-delimited fields are
 * read through a window of the file, and fields nobody asks for (raw tensor data) are skipped by moving the
 * position, so a large model's weights are never read into memory.
 */

/** A byte that does not fit the protobuf wire format (the file is not the message it claims to be). */
export class ProtoFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoFormatError';
  }
}

export const WireType = { varint: 0, fixed64: 1, len: 2, fixed32: 5 } as const;

/** Random access to the bytes of a file or a buffer, through a window refilled on demand. */
export class ByteSource {
  private window: Buffer;
  private windowStart = 0;
  private windowLength = 0;

  private constructor(
    private readonly handle: FileHandle | null,
    readonly size: number,
    initial: Buffer | null,
    windowSize: number,
  ) {
    this.window = initial ?? Buffer.alloc(windowSize);
    if (initial) this.windowLength = initial.length;
  }

  static fromBuffer(buffer: Buffer): ByteSource {
    return new ByteSource(null, buffer.length, buffer, buffer.length);
  }

  static async openFile(file: string, windowSize = 64 * 1024): Promise<ByteSource> {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      return new ByteSource(handle, size, null, windowSize);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }

  /** Makes [pos, pos + length) readable from the window (length ≤ the window's size unless it grows). */
  async ensure(pos: number, length: number): Promise<void> {
    if (pos >= this.windowStart && pos + length <= this.windowStart + this.windowLength) return;
    if (!this.handle) throw new ProtoFormatError(`a field runs past the end of the data (offset ${pos})`);
    if (length > this.window.length) this.window = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(this.window, 0, this.window.length, pos);
    this.windowStart = pos;
    this.windowLength = bytesRead;
    if (bytesRead < length) throw new ProtoFormatError(`a field runs past the end of the file (offset ${pos})`);
  }

  byteAt(pos: number): number {
    return this.window[pos - this.windowStart]!;
  }

  slice(pos: number, length: number): Buffer {
    const start = pos - this.windowStart;
    return this.window.subarray(start, start + length);
  }
}

/** A field's number and wire type, with its payload's range for length-delimited fields. */
export interface FieldTag {
  field: number;
  wire: number;
}

const twoTo32 = 2 ** 32;

/** Reads the fields of one message: [pos, end) of a source. */
export class ProtoReader {
  constructor(
    private readonly source: ByteSource,
    private pos: number,
    private readonly end: number,
  ) {}

  static async ofFile(file: string): Promise<{ reader: ProtoReader; source: ByteSource }> {
    const source = await ByteSource.openFile(file);
    return { reader: new ProtoReader(source, 0, source.size), source };
  }

  static ofBuffer(buffer: Buffer): ProtoReader {
    return new ProtoReader(ByteSource.fromBuffer(buffer), 0, buffer.length);
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** The next field's tag; refuses wire types that onnx.proto never uses (groups, reserved). */
  async tag(): Promise<FieldTag> {
    const value = await this.varint();
    const wire = value % 8;
    const field = Math.floor(value / 8);
    if (field < 1 || field > 536_870_911) throw new ProtoFormatError(`field number ${field} at offset ${this.pos}`);
    if (wire !== WireType.varint && wire !== WireType.fixed64 && wire !== WireType.len && wire !== WireType.fixed32) {
      throw new ProtoFormatError(`wire type ${wire} (field ${field}) at offset ${this.pos}`);
    }
    return { field, wire };
  }

  /** A varint as a JS number (int64 values above 2^53 lose precision; negative int64 come back negative). */
  async varint(): Promise<number> {
    await this.source.ensure(this.pos, Math.min(10, this.end - this.pos));
    let low = 0;
    let high = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoFormatError(`a varint runs past its message (offset ${this.pos})`);
      const byte = this.source.byteAt(this.pos++);
      if (i < 4) low += (byte & 0x7f) * 2 ** (7 * i);
      else if (i === 4) {
        low += (byte & 0x0f) * 2 ** 28;
        high += (byte & 0x7f) >> 4;
      } else high += (byte & 0x7f) * 2 ** (7 * (i - 5) + 3);
      if ((byte & 0x80) === 0) {
        // 10-byte varints are negative int64 (two's complement).
        if (high >= 2 ** 31) return -((twoTo32 - 1 - high) * twoTo32 + (twoTo32 - low));
        return high * twoTo32 + low;
      }
    }
    throw new ProtoFormatError(`a varint longer than 10 bytes at offset ${this.pos}`);
  }

  /** The length of a length-delimited field, checked against the enclosing message. */
  private async length(): Promise<number> {
    const length = await this.varint();
    if (length < 0 || this.pos + length > this.end) throw new ProtoFormatError(`a field of ${length} bytes runs past its message (offset ${this.pos})`);
    return length;
  }

  /** A length-delimited sub-message, to read with its own reader. */
  async message(): Promise<ProtoReader> {
    const length = await this.length();
    const reader = new ProtoReader(this.source, this.pos, this.pos + length);
    this.pos += length;
    return reader;
  }

  async bytes(): Promise<Buffer> {
    const length = await this.length();
    await this.source.ensure(this.pos, length);
    const bytes = Buffer.from(this.source.slice(this.pos, length));
    this.pos += length;
    return bytes;
  }

  async string(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  /** Skips a length-delimited field without reading it, answering its size. */
  async skipBytes(): Promise<number> {
    const length = await this.length();
    this.pos += length;
    return length;
  }

  /** A repeated varint field (int64 dims, …): one value, or a packed run of them. */
  async varints(wire: number): Promise<number[]> {
    if (wire === WireType.varint) return [await this.varint()];
    if (wire !== WireType.len) throw new ProtoFormatError(`a repeated integer with wire type ${wire}`);
    const length = await this.length();
    const reader = new ProtoReader(this.source, this.pos, this.pos + length);
    this.pos += length;
    const values: number[] = [];
    while (reader.more()) values.push(await reader.varint());
    return values;
  }

  /** Skips any field by its wire type. */
  async skip(wire: number): Promise<void> {
    if (wire === WireType.varint) await this.varint();
    else if (wire === WireType.len) await this.skipBytes();
    else {
      const size = wire === WireType.fixed64 ? 8 : 4;
      if (this.pos + size > this.end) throw new ProtoFormatError(`a fixed field runs past its message (offset ${this.pos})`);
      this.pos += size;
    }
  }

  /** Fails unless the field has the wire type its schema declares. */
  static expect(tag: FieldTag, wire: number, what: string): void {
    if (tag.wire !== wire) throw new ProtoFormatError(`${what} (field ${tag.field}) has wire type ${tag.wire}, not ${wire}`);
  }
}

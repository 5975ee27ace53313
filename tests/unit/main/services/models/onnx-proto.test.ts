import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProtoFormatError, ProtoReader } from '../../../../../main/services/models/onnx-proto';

function varintBytes(value: bigint): number[] {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return bytes;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the protobuf wire reader', () => {
  it('reads varints of every length, negative int64 included', async () => {
    const values = [0n, 1n, 127n, 128n, 300n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 32n + 5n, 2n ** 52n + 3n, -1n, -2n, -(2n ** 40n)];
    const reader = ProtoReader.ofBuffer(Buffer.from(values.flatMap(varintBytes)));
    const read: number[] = [];
    while (reader.more()) read.push(await reader.varint());
    expect(read).toEqual(values.map(Number));
  });

  it('reads tags, strings, packed and unpacked repeated integers, and skips every wire type', async () => {
    const bytes = Buffer.from([
      ...[0x0a, 3, ...Buffer.from('abc')], // field 1, len "abc"
      ...[0x12, 3, ...varintBytes(300n), 7], // field 2, packed [300, 7]
      ...[0x10, 9], // field 2, one varint 9
      ...[0x19, 1, 2, 3, 4, 5, 6, 7, 8], // field 3, fixed64
      ...[0x25, 1, 2, 3, 4], // field 4, fixed32
      ...[0x2a, 2, 0xff, 0xff], // field 5, len (skipped)
      ...[0x30, 42], // field 6, varint
    ]);
    const reader = ProtoReader.ofBuffer(bytes);
    const seen: unknown[] = [];
    while (reader.more()) {
      const tag = await reader.tag();
      if (tag.field === 1) seen.push(await reader.string());
      else if (tag.field === 2) seen.push(await reader.varints(tag.wire));
      else if (tag.field === 6) seen.push(await reader.varint());
      else {
        await reader.skip(tag.wire);
        seen.push(`skipped ${tag.field}`);
      }
    }
    expect(seen).toEqual(['abc', [300, 7], [9], 'skipped 3', 'skipped 4', 'skipped 5', 42]);
  });

  it('refuses lengths past the message, group wire types and truncated varints', async () => {
    const tooLong = ProtoReader.ofBuffer(Buffer.from([0x0a, 10, 1, 2]));
    await tooLong.tag();
    await expect(tooLong.string()).rejects.toBeInstanceOf(ProtoFormatError);
    await expect(ProtoReader.ofBuffer(Buffer.from([0x0b])).tag()).rejects.toThrow(/wire type 3/);
    await expect(ProtoReader.ofBuffer(Buffer.from([0x80, 0x80])).varint()).rejects.toThrow(/runs past/);
  });

  it('reads a file through a small window, skipping a large field without reading it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-proto-'));
    dirs.push(dir);
    const big = Buffer.alloc(300_000, 7);
    const file = path.join(dir, 'message.bin');
    await writeFile(file, Buffer.concat([Buffer.from([0x0a, ...varintBytes(BigInt(big.length))]), big, Buffer.from([0x12, 2, ...Buffer.from('ok')])]));
    const { reader, source } = await ProtoReader.ofFile(file);
    try {
      const first = await reader.tag();
      expect(first.field).toBe(1);
      expect(await reader.skipBytes()).toBe(big.length);
      await reader.tag();
      expect(await reader.string()).toBe('ok');
      expect(reader.more()).toBe(false);
    } finally {
      await source.close();
    }
  });
});

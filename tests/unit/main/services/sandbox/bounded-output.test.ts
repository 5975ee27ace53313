import { describe, expect, it } from 'vitest';
import { BoundedOutput, truncationMarker } from '../../../../../main/services/sandbox/bounded-output';

describe('BoundedOutput', () => {
  it('keeps each stream up to the cap, counts the rest and marks it', () => {
    const streamed: string[] = [];
    const output = new BoundedOutput(10, (stream, text) => streamed.push(`${stream}:${text}`));
    output.write('stdout', Buffer.from('12345678'));
    output.write('stdout', Buffer.from('abcdef'));
    output.write('stderr', Buffer.from('err'));
    output.finish();
    expect(output.text('stdout')).toBe(`12345678ab${truncationMarker(4)}`);
    expect(output.text('stderr')).toBe('err');
    expect(output.truncated).toBe(true);
    expect(output.droppedBytes('stdout')).toBe(4);
    expect(streamed).toEqual(['stdout:12345678', 'stdout:ab', 'stderr:err', `stdout:${truncationMarker(4)}`]);
  });

  it('does not split a UTF-8 character across streamed chunks', () => {
    const streamed: string[] = [];
    const output = new BoundedOutput(100, (_stream, text) => streamed.push(text));
    const bytes = Buffer.from('é✓');
    output.write('stdout', bytes.subarray(0, 1));
    output.write('stdout', bytes.subarray(1, 4));
    output.write('stdout', bytes.subarray(4));
    output.finish();
    expect(streamed.join('')).toBe('é✓');
    expect(streamed.every((text) => !text.includes('\ufffd'))).toBe(true);
    expect(output.truncated).toBe(false);
  });
});

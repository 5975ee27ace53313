import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../../../../main/core/logger';

describe('logger', () => {
  it('never writes secret-looking fields in clear', () => {
    const lines: string[] = [];
    const logger = createLogger([{ write: (line) => lines.push(line) }], 'info').child('server');
    logger.info('started', { token: 'abc123', apiKey: 'sk-live', port: 4870 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('abc123');
    expect(lines[0]).not.toContain('sk-live');
    expect(JSON.parse(lines[0]!)).toMatchObject({ scope: 'orrery.server', message: 'started', port: 4870, token: '[redacted]' });
  });

  it('drops lines under the level and keeps errors readable', () => {
    const lines: string[] = [];
    const logger = createLogger([{ write: (line) => lines.push(line) }], 'warn');
    logger.info('quiet');
    logger.error('loud', { error: new Error('why') });
    expect(lines).toHaveLength(1);
    expect(redact({ error: new Error('why') })).toEqual({ error: { name: 'Error', message: 'why' } });
  });
});

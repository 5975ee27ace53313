import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { compileRunQuery, parseRunQuery } from '../../../../../main/services/tracking/run-query';

function errorOf(query: string): string {
  try {
    compileRunQuery(parseRunQuery(query));
  } catch (error) {
    if (isOrreryError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error(`"${query}" parsed`);
}

describe('parseRunQuery', () => {
  it('parses comparisons joined by and/or/not with parentheses, and binds all values', () => {
    const tree = parseRunQuery('params.lr > 0.01 and (metrics.loss < 0.5 or not tags ~ "base line") and status = finished');
    const compiled = compileRunQuery(tree);
    expect(compiled.params).toEqual(['$."lr"', 0.01, 'loss', 0.5, '%base line%', 'finished']);
    expect(compiled.sql).not.toContain('finished');
    expect(compiled.sql).not.toContain('0.01');
  });

  it('names the position of errors', () => {
    expect(errorOf('params.lr >')).toMatch(/^invalid_input: Query error at position 12: expected a value/);
    expect(errorOf('foo = 1')).toMatch(/position 1: unknown field "foo"/);
    expect(errorOf('status = "open')).toMatch(/position 10: the string is not closed/);
    expect(errorOf('status finished')).toMatch(/position 8: expected an operator/);
    expect(errorOf('status = a b')).toMatch(/position 12: unexpected "b"/);
    expect(errorOf('tags > 3')).toMatch(/tags only take/);
    expect(errorOf('   ')).toMatch(/empty/);
  });
});

describe('compiled queries on SQLite', () => {
  const db = new Database(':memory:');
  beforeAll(() => {
    db.exec(`CREATE TABLE runs (id TEXT, name TEXT, status TEXT, source TEXT, job_id TEXT, created_at INTEGER, params TEXT, tags TEXT);
      CREATE TABLE metric_keys (run_id TEXT, key TEXT, last_value REAL);`);
    const insert = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, NULL, ?, ?, ?)');
    insert.run('a', 'alpha', 'finished', 'sdk', 1, JSON.stringify({ lr: 0.1, opt: 'adam', 'a.b': 1 }), JSON.stringify(['baseline', 'x']));
    insert.run('b', 'beta', 'failed', 'sdk', 2, JSON.stringify({ lr: 0.001, opt: 'sgd' }), JSON.stringify(['exp']));
    insert.run('c', "o'quote", 'finished', 'job', 3, JSON.stringify({ lr: 0.05 }), JSON.stringify(['100%']));
    db.prepare('INSERT INTO metric_keys VALUES (?, ?, ?)').run('a', 'loss', 0.2);
    db.prepare('INSERT INTO metric_keys VALUES (?, ?, ?)').run('b', 'loss', 0.9);
    db.prepare('INSERT INTO metric_keys VALUES (?, ?, ?)').run('c', 'loss', 0.4);
  });
  afterAll(() => db.close());
  const ids = (query: string) => {
    const c = compileRunQuery(parseRunQuery(query));
    return (db.prepare(`SELECT id FROM runs r WHERE ${c.sql} ORDER BY id`).pluck().all(...c.params) as string[]).join(',');
  };

  it('filters by params, metrics, tags and status', () => {
    expect(ids('params.lr > 0.01')).toBe('a,c');
    expect(ids('params.lr > 0.01 and metrics.loss < 0.3')).toBe('a');
    expect(ids('params.opt = adam or params.opt = "sgd"')).toBe('a,b');
    expect(ids('tags ~ "BASE"')).toBe('a');
    expect(ids('tags = exp')).toBe('b');
    expect(ids('tags ~ "%"')).toBe('c');
    expect(ids('not status = finished')).toBe('b');
    expect(ids('status != failed and source = job')).toBe('c');
    expect(ids('name ~ "\'"')).toBe('c');
    expect(ids('params.a.b = 1')).toBe('a');
    expect(ids("name = \"x' OR 1=1 --\"")).toBe('');
  });
});

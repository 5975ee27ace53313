import { describe, expect, it } from 'vitest';
import { axisPosition, axisTicks, buildAxis, pathData, polylinePoints } from '../../../../renderer/features/experiments/parallel-scale';
import { paramRows, shownParamRows } from '../../../../renderer/features/experiments/param-diff';
import { editQuery, emptyQueryBox, queryAnswered, revertQuery, submitQuery } from '../../../../renderer/features/experiments/query-box';
import { cellText, defaultColumns, gridTemplate, nextSort, toggleColumn, visibleColumns } from '../../../../renderer/features/experiments/run-columns';
import { summaryOf } from './fixtures';

describe('the query box', () => {
  it('sends the trimmed draft, shows its rows once answered, and does not resend the same query', () => {
    const typed = editQuery(emptyQueryBox, '  params.lr > 0.01 ');
    const sent = submitQuery(typed);
    expect(sent?.send).toBe('params.lr > 0.01');
    const answered = queryAnswered(sent!.state, 'params.lr > 0.01', null);
    expect(answered).toMatchObject({ applied: 'params.lr > 0.01', error: null, pending: null });
    expect(submitQuery(answered)).toBeNull();
  });

  it('keeps the applied query when the server refuses one, shows its message, and Escape reverts', () => {
    const applied = { ...emptyQueryBox, draft: 'status = finished', applied: 'status = finished' };
    const sent = submitQuery(editQuery(applied, 'params.lr >'))!;
    const refused = queryAnswered(sent.state, 'params.lr >', 'Query error at position 12: a value is missing');
    expect(refused).toMatchObject({ applied: 'status = finished', draft: 'params.lr >', error: 'Query error at position 12: a value is missing' });
    // The same refused query may be sent again (the error stays until an answer).
    expect(submitQuery(refused)?.send).toBe('params.lr >');
    expect(revertQuery(refused)).toMatchObject({ draft: 'status = finished', error: null });
  });

  it('drops the answer of a query that is no longer the pending one', () => {
    const first = submitQuery(editQuery(emptyQueryBox, 'a = 1'))!;
    const second = submitQuery(editQuery(first.state, 'b = 2'))!;
    expect(queryAnswered(second.state, 'a = 1', null)).toBe(second.state);
  });
});

describe('param diff', () => {
  const runs = [
    summaryOf('a', { params: { lr: 0.1, batch: 32, opt: 'adam', layers: [64, 64] } }),
    summaryOf('b', { params: { lr: 0.01, batch: 32, opt: 'adam', layers: [64, 64], warmup: 100 } }),
  ];

  it('lists every key once, sorted, marking those whose values differ (a missing key differs)', () => {
    const rows = paramRows(runs);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['batch', false],
      ['layers', false],
      ['lr', true],
      ['opt', false],
      ['warmup', true],
    ]);
    expect(rows.find((r) => r.key === 'warmup')?.values).toEqual(['', '100']);
    expect(rows.find((r) => r.key === 'layers')?.values).toEqual(['[64,64]', '[64,64]']);
  });

  it('keeps only the differing rows when asked', () => {
    expect(shownParamRows(paramRows(runs), true).map((r) => r.key)).toEqual(['lr', 'warmup']);
    expect(shownParamRows(paramRows(runs), false)).toHaveLength(5);
  });

  it('tells 1 from "1"', () => {
    const rows = paramRows([summaryOf('a', { params: { seed: 1 } }), summaryOf('b', { params: { seed: '1' } })]);
    expect(rows[0]?.differs).toBe(true);
  });
});

describe('parallel-coordinate scaling', () => {
  it('puts numbers between min (0) and max (1), and a shared value in the middle', () => {
    const axis = buildAxis('lr', [0.1, 0.3, undefined, 0.2]);
    expect(axis).toEqual({ kind: 'number', label: 'lr', min: 0.1, max: 0.3 });
    expect(axisPosition(axis, 0.2)).toBeCloseTo(0.5, 12);
    expect(axisPosition(axis, 0.3)).toBe(1);
    expect(axisPosition(axis, undefined)).toBeNull();
    expect(axisPosition(buildAxis('batch', [32, 32]), 32)).toBe(0.5);
  });

  it('spreads categories evenly in natural order', () => {
    const axis = buildAxis('opt', ['sgd', 'adam', 'adamw', 'adam']);
    expect(axis).toEqual({ kind: 'category', label: 'opt', categories: ['adam', 'adamw', 'sgd'] });
    expect(axisTicks(axis).map((t) => [t.label, t.position])).toEqual([
      ['adam', 0],
      ['adamw', 0.5],
      ['sgd', 1],
    ]);
    expect(buildAxis('mixed', [1, 'x']).kind).toBe('category');
  });

  it('draws a run through the axes in pixels, leaving a gap where it lacks a value', () => {
    const axes = [buildAxis('a', [0, 10]), buildAxis('b', [0, 10]), buildAxis('c', [0, 10])];
    const box = { width: 220, height: 120, padX: 10, padY: 10 };
    const points = polylinePoints(axes, [0, undefined, 10], box);
    expect(points).toEqual([[10, 110], null, [210, 10]]);
    expect(pathData(points)).toBe('M10.0,110.0M210.0,10.0');
    expect(pathData(polylinePoints(axes, [0, 5, 10], box))).toBe('M10.0,110.0L110.0,60.0L210.0,10.0');
  });
});

describe('column choice', () => {
  it('defaults to the first params and the first non-system metrics', () => {
    expect(defaultColumns(['a', 'b', 'c', 'd', 'e'], ['sys/cpu', 'loss', 'acc'])).toEqual(['params.a', 'params.b', 'params.c', 'params.d', 'metrics.loss', 'metrics.acc']);
  });

  it('keeps the chosen columns that still exist, in the chosen order', () => {
    expect(visibleColumns(['metrics.loss', 'params.gone', 'params.lr'], ['lr'], ['loss'])).toEqual(['metrics.loss', 'params.lr']);
    expect(visibleColumns(null, ['lr'], ['loss'])).toEqual(['params.lr', 'metrics.loss']);
    expect(toggleColumn(['params.lr'], 'metrics.loss')).toEqual(['params.lr', 'metrics.loss']);
    expect(toggleColumn(['params.lr', 'metrics.loss'], 'params.lr')).toEqual(['metrics.loss']);
  });

  it('sorts a new column descending (names ascending) and flips on a second click', () => {
    expect(nextSort({ by: 'created', dir: 'desc' }, 'metrics.loss')).toEqual({ by: 'metrics.loss', dir: 'desc' });
    expect(nextSort({ by: 'created', dir: 'desc' }, 'name')).toEqual({ by: 'name', dir: 'asc' });
    expect(nextSort({ by: 'metrics.loss', dir: 'desc' }, 'metrics.loss')).toEqual({ by: 'metrics.loss', dir: 'asc' });
  });

  it('formats cells and lays the grid out', () => {
    const run = summaryOf('a', { params: { lr: 0.000123, name: 'x' }, metrics: { loss: 0.5, nan: null } });
    expect(cellText(run, 'params.lr')).toBe('1.23e-4');
    expect(cellText(run, 'params.name')).toBe('x');
    expect(cellText(run, 'metrics.nan')).toBe('—');
    expect(cellText(run, 'metrics.missing')).toBe('');
    expect(gridTemplate(['params.lr'])).toBe('36px 96px 240px 170px 120px');
  });
});

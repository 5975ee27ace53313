import { OrreryError } from '../../../../app/contract/errors';
import { seededRandom } from '../../../../app/lib/random';
import { maxTrials, type ParamSpec, type SweepSpec } from './sweep-spec';

/** One trial's params, in the order the spec names them. */
export type TrialParams = Readonly<Record<string, unknown>>;

/**
 * The trials of a spec: the cartesian product of the grid params, and for each grid point `trials` random draws
 * of the random params (a seeded generator, so the same spec and seed give the same trials).
 */
export function expandTrials(spec: SweepSpec): TrialParams[] {
  const names = Object.keys(spec.params);
  const grid = names.filter((name) => spec.params[name]!.kind === 'grid');
  const random = names.filter((name) => spec.params[name]!.kind !== 'grid');
  const points = gridPoints(grid.map((name) => [name, (spec.params[name] as Extract<ParamSpec, { kind: 'grid' }>).values] as const));
  const draws = random.length > 0 ? (spec.trials ?? 1) : 1;
  const total = points.length * draws;
  if (total > maxTrials) throw new OrreryError('invalid_input', `The sweep makes ${total} trials, over the limit of ${maxTrials}; use fewer grid values or trials.`);
  const next = seededRandom(spec.seed);
  const out: TrialParams[] = [];
  for (const point of points) {
    for (let draw = 0; draw < draws; draw++) {
      const params: Record<string, unknown> = { ...point };
      for (const name of random) params[name] = sample(spec.params[name]!, next);
      out.push(Object.fromEntries(names.map((name) => [name, params[name]])));
    }
  }
  return out;
}

function gridPoints(axes: readonly (readonly [string, readonly unknown[]])[]): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [name, values] of axes) points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  return points;
}

function sample(param: ParamSpec, next: () => number): unknown {
  if (param.kind === 'choice') return param.values[Math.floor(next() * param.values.length)];
  if (param.kind === 'grid') return param.values[0];
  const u = next();
  const raw = param.log ? Math.exp(Math.log(param.min) + u * (Math.log(param.max) - Math.log(param.min))) : param.min + u * (param.max - param.min);
  if (param.int) return Math.min(Math.floor(param.max), Math.max(Math.ceil(param.min), Math.round(raw)));
  return Number(raw.toPrecision(6));
}


/** A trial's params as script arguments: `--name value` each (lists and objects as JSON). */
export function paramArgs(params: TrialParams): string[] {
  return Object.entries(params).flatMap(([name, value]) => [`--${name}`, typeof value === 'string' ? value : JSON.stringify(value)]);
}

/** Keeps switches exhaustive: a case left out fails to typecheck, and throws if reached anyway. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}

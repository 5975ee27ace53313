const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A short random id with a readable prefix (`term_k3v9x2a1`); not for secrets. */
export function newId(prefix: string, length = 10): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `${prefix}_${out}`;
}

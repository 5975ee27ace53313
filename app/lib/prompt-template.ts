import { OrreryError } from '../contract/errors';

/**
 * Prompt templates: `{{name}}` (spaces inside the braces allowed) is replaced by the variable's value; names are
 * letters, digits, `_`, `.` and `-`, starting with a letter or `_`. `\{{` writes `{{` literally. Anything else
 * between double braces is left as text, so JSON examples in a prompt survive. Shared by main (runs, suites) and
 * the renderer (the variable fields of the playground).
 */

export interface TemplateMessage {
  readonly role: string;
  readonly content: string;
}

const variablePattern = /(\\?)\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** The variables of one text, in order of first use. */
export function textVariables(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(variablePattern)) if (match[1] !== '\\') seen.add(match[2]!);
  return [...seen];
}

/** The variables of a message list, in order of first use. */
export function templateVariables(messages: readonly TemplateMessage[]): string[] {
  const seen = new Set<string>();
  for (const message of messages) for (const name of textVariables(message.content)) seen.add(name);
  return [...seen];
}

/** Fills one text; `missing` collects the names with no value. */
function fill(text: string, values: Readonly<Record<string, string>>, missing: Set<string>): string {
  return text.replace(variablePattern, (whole, escape: string, name: string) => {
    if (escape === '\\') return whole.slice(1);
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
}

/**
 * Fills every message; a variable without a value is an `invalid_input` error that names each missing one
 * (and where it is), so nothing is sent with a hole in it.
 */
export function renderTemplate<M extends TemplateMessage>(messages: readonly M[], values: Readonly<Record<string, string>>): M[] {
  const missing = new Set<string>();
  const where: string[] = [];
  const rendered = messages.map((message, index) => {
    const before = missing.size;
    const content = fill(message.content, values, missing);
    if (missing.size > before) where.push(`message ${index + 1} (${message.role})`);
    return { ...message, content };
  });
  if (missing.size > 0) {
    const names = [...missing].map((name) => `{{${name}}}`).join(', ');
    throw new OrreryError(
      'invalid_input',
      `The template uses ${missing.size === 1 ? 'a variable' : 'variables'} with no value: ${names} in ${where.join(', ')}. Give ${missing.size === 1 ? 'it a value' : 'them values'} or remove ${missing.size === 1 ? 'it' : 'them'} from the prompt.`,
    );
  }
  return rendered;
}

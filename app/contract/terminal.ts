import { z } from 'zod';
import { ack, call, event, noInput } from './define';

const terminalId = z.string().min(1).max(64);
const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);

export const terminalInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  shell: z.string(),
  cwd: z.string(),
  pid: z.number().int(),
  cols: z.number().int(),
  rows: z.number().int(),
  createdAt: z.number(),
  /** Null while running. */
  exitCode: z.number().int().nullable(),
});

/** Calls on integrated terminals (a pty per terminal, opened in the project folder). */
export const terminalCalls = {
  'terminal.create': call(
    'Open a terminal in the project folder (or a folder inside it)',
    z
      .object({
        cols: cols.optional(),
        rows: rows.optional(),
        cwd: z.string().min(1).max(4096).optional(),
        title: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    terminalInfoSchema,
  ),
  'terminal.list': call('Terminals of the open project', noInput, z.array(terminalInfoSchema)),
  'terminal.write': call('Send keystrokes or pasted text', z.object({ id: terminalId, data: z.string().max(1_000_000) }).strict(), ack),
  'terminal.resize': call('Resize the pty', z.object({ id: terminalId, cols, rows }).strict(), ack),
  'terminal.ack': call(
    'Flow control: a view has processed this many characters of output (the pty pauses while views lag far behind)',
    z
      .object({
        id: terminalId,
        chars: z.number().int().min(1).max(1_000_000_000),
        /**
         * A view that shows output in a bounded scrollback says how many lines it keeps: while views lag, plain
         * lines that would scroll out of it unseen may then be left out (counted in `skipped` of terminal.data).
         */
        keepLines: z.number().int().min(1).max(10_000_000).optional(),
      })
      .strict(),
    ack,
  ),
  'terminal.kill': call('Close a terminal: its process tree ends', z.object({ id: terminalId }).strict(), ack),
  'terminal.replay': call(
    'The recent output of a terminal (bounded), to redraw it after a reload',
    z.object({ id: terminalId }).strict(),
    z.object({ data: z.string() }),
  ),
} as const;

/** Events from terminals, delivered per terminal id. */
export const terminalEvents = {
  'terminal.data': event(
    'Output from the pty; `skipped`: UTF-8 bytes of plain lines left out before `data` (only for views that declared keepLines)',
    z.object({ data: z.string(), skipped: z.number().int().min(0).optional() }),
  ),
  'terminal.exit': event('The shell ended', z.object({ exitCode: z.number().int(), signal: z.number().int().nullable() })),
} as const;

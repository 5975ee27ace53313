import { z } from 'zod';
import { wireErrorSchema } from './errors';

/**
 * Frames of the WebSocket transport (web host ⇄ renderer). A call answers once with `result` under its
 * `seq`; `sub`/`unsub` manage event delivery for one (event, id); events arrive as `event` frames.
 */
export const clientFrameSchema = z.discriminatedUnion('t', [
  // `input` may be absent: JSON drops `undefined`, and calls without input (app.info) are sent without one.
  z.object({ t: z.literal('call'), seq: z.number().int().nonnegative(), name: z.string().max(100), input: z.unknown().optional() }),
  z.object({ t: z.literal('sub'), event: z.string().max(100), id: z.string().max(200) }),
  z.object({ t: z.literal('unsub'), event: z.string().max(100), id: z.string().max(200) }),
]);

/** A frame from the renderer. */
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** A frame from the host. `error` answers a frame that could not be read at all (no seq to answer). */
export type ServerFrame =
  | { readonly t: 'result'; readonly seq: number; readonly ok: true; readonly value: unknown }
  | { readonly t: 'result'; readonly seq: number; readonly ok: false; readonly error: z.infer<typeof wireErrorSchema> }
  | { readonly t: 'event'; readonly event: string; readonly id: string; readonly payload: unknown }
  | { readonly t: 'error'; readonly error: z.infer<typeof wireErrorSchema> };

/** Path of the WebSocket endpoint on the web host. */
export const webSocketPath = '/ws';
/** Cookie the web host sets once the page was opened with a valid token. */
export const tokenCookieName = 'orrery_token';

export { decodeServerFrame, encodeStreamFrame, fitsStreamFrame } from './stream-frame';

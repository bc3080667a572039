// What an owner and its edge nodes say to each other over Redis pub/sub: the owner's commands
// for its rooms' copies (the media workers' own commands, and a periodic hold that keeps them
// open), and the copies' events back. Every message is checked against these schemas on
// arrival, as a worker's IPC is.
import { z } from 'zod';
import { mediaCommandSchema, mediaEventSchema } from '../media/cluster/protocol.js';

const nodeId = z.string().min(1).max(64);
const spaceId = z.string().min(1).max(64);

export const edgeCommandMessageSchema = z.union([
  z.object({ from: nodeId, cmd: mediaCommandSchema }),
  /** The owner still runs these Spaces and has listeners here: keep their copies open. */
  z.object({ from: nodeId, hold: z.array(spaceId).max(100_000) }),
]);
export type EdgeCommandMessage = z.infer<typeof edgeCommandMessageSchema>;

export const edgeEventMessageSchema = z.object({ from: nodeId, ev: mediaEventSchema });
export type EdgeEventMessage = z.infer<typeof edgeEventMessageSchema>;

/** Parses a pub/sub payload; null (and no exception) for anything malformed. */
export function parseMessage<T>(schema: z.ZodType<T>, text: string): T | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

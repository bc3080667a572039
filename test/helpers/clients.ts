// Test participants: accounts over REST, signalling over a real WebSocket, media through
// node-datachannel peers (see src/bots/ndc-participant.ts).
import { ApiClient } from '../../src/sdk/api.js';
import { joinAsNdcParticipant, type NdcParticipant } from '../../src/bots/ndc-participant.js';
import type { RunningServer } from '../../src/server.js';

export type TestParticipant = NdcParticipant;

let seq = 0;

export async function account(server: { url: string }, handle?: string): Promise<ApiClient> {
  const api = new ApiClient(server.url);
  await api.ensureAccount(handle ?? `user${process.pid}_${++seq}`.slice(0, 20), 'password123');
  return api;
}

export async function joinSpace(
  server: Pick<RunningServer, 'url'>,
  spaceId: string,
  opts: { api?: ApiClient; guest?: boolean; guestName?: string; tag?: number; canPublish?: boolean } = {},
): Promise<TestParticipant> {
  const api = opts.api ?? (opts.guest ? undefined : await account(server));
  return joinAsNdcParticipant(server.url, spaceId, {
    ...(api ? { api } : {}),
    ...(opts.guestName !== undefined ? { guestName: opts.guestName } : {}),
    tag: opts.tag ?? 0,
    canPublish: opts.canPublish ?? true,
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { sleep, until } from './waiting.js';

/**
 * A test's setup step that runs once: every later call waits for the same run. Tests that
 * build on one another call the steps they need, so each runs alone too, while a whole run
 * shares one Space.
 */
export function once(step: () => Promise<void>): () => Promise<void> {
  let run: Promise<void> | null = null;
  return () => (run ??= step());
}

/**
 * Waits until every peer is connected and the speakers are on stage, then has the speakers
 * send silence, and waits until the server has received each speaker's stream: it answers a
 * stream it has packets of with a receiver report on that speaker's mic (once a second), so a
 * report arriving after `startSending` is the event that stands for "the server hears this
 * speaker". Nobody talks yet, so no slot has forwarded anything and sends sender reports
 * that could be mistaken for it.
 */
export async function startStage(speakers: TestParticipant[], everyone: TestParticipant[]): Promise<void> {
  await waitFor(() => everyone.every((p) => p.peer.state === 'connected'), 30_000, 'all peers connected');
  await waitFor(() => speakers.every((s) => s.state.you?.role !== 'listener'), 5000, 'speakers on stage');
  const reportsBefore = speakers.map((s) => s.peer.rtcpReceived);
  for (const s of speakers) {
    s.peer.setTalking(false);
    s.peer.startSending();
  }
  await waitFor(() => speakers.every((s, i) => s.peer.rtcpReceived > reportsBefore[i]!), 30_000, 'a receiver report to every speaker');
}

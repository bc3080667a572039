// Test participants: accounts over REST, signalling over a real WebSocket, media through
// node-datachannel peers.
import WebSocket from 'ws';
import { ApiClient } from '../../src/sdk/api.js';
import { SignallingClient, type WebSocketLike } from '../../src/sdk/signalling.js';
import { NdcPeer } from '../../src/bots/ndc-peer.js';
import type { PersonView, ServerMessage, SpaceSnapshot } from '../../src/protocol/messages.js';
import type { RunningServer } from '../../src/server.js';

export interface TestParticipant {
  handle: string;
  api: ApiClient;
  signalling: SignallingClient;
  peer: NdcPeer;
  state: { space: SpaceSnapshot | null; you: PersonView | null; invited: boolean };
  speaking: Array<Extract<ServerMessage, { type: 'speaking' }>>;
  errors: Array<Extract<ServerMessage, { type: 'error' }>>;
  ended: boolean;
  close(): void;
}

let seq = 0;

export async function account(server: RunningServer, handle?: string): Promise<ApiClient> {
  const api = new ApiClient(server.url);
  await api.ensureAccount(handle ?? `user${process.pid}_${++seq}`.slice(0, 20), 'password123');
  return api;
}

export async function joinSpace(
  server: RunningServer,
  spaceId: string,
  opts: { api?: ApiClient; guest?: boolean; tag?: number; canPublish?: boolean } = {},
): Promise<TestParticipant> {
  const api = opts.api ?? (opts.guest ? new ApiClient(server.url) : await account(server));
  const signalling = new SignallingClient({
    url: server.url.replace(/^http/, 'ws') + '/ws',
    spaceId,
    ...(api.token ? { token: api.token } : {}),
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  });
  const peer = new NdcPeer({ signalling, canPublish: opts.canPublish ?? true, tag: opts.tag ?? 0 });
  const p: TestParticipant = {
    handle: '',
    api,
    signalling,
    peer,
    state: { space: null, you: null, invited: false },
    speaking: [],
    errors: [],
    ended: false,
    close() {
      peer.close();
      signalling.close();
    },
  };
  signalling.on('state', (m) => (p.state = { space: m.space, you: m.you, invited: m.invited }));
  signalling.on('speaking', (m) => p.speaking.push(m));
  signalling.on('error', (m) => p.errors.push(m));
  signalling.on('ended', () => (p.ended = true));
  const welcome = await signalling.connect();
  p.handle = welcome.you.handle;
  return p;
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

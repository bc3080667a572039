// An encoder's reconnect: a host who publishes only through WHIP (node-datachannel as the
// encoder, as OBS would) stops (DELETE); the Space outlives the host grace, as the WHIP grace
// is longer; the same key POSTed again resumes the broadcast in the same Space (a listener
// hears it again); stopped once more, the Space ends when the WHIP grace runs out. The server
// runs in its own process, as operators run it; the encoder trickles its candidates
// (test/helpers/trickled-offer.ts says why).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeDataChannel from 'node-datachannel';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomMediaPort } from '../helpers/server.js';
import { trickledSession } from '../helpers/trickled-offer.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { ApiClient } from '../../src/sdk/api.js';
import type { SpaceSummary } from '../../src/protocol/messages.js';

const HOST_GRACE_MS = 2000;
const WHIP_GRACE_MS = 20_000;
/** The first 4 payload bytes of every packet the encoder sends: how the listener knows it heard it. */
const TAG = 0x57484950;
const LEVEL_EXT_ID = 1;
/** Loudness in -dBov of a talking voice, as a browser's audio-level extension reports it. */
const SYLLABLE_LEVELS = [34, 28, 24, 24, 28, 34];

/** A WHIP encoder sending Opus-sized RTP with the audio-level extension, 50 packets a second. */
class Encoder {
  private readonly pc = new nodeDataChannel.PeerConnection('whip-encoder', { iceServers: [], disableAutoNegotiation: true });
  private readonly track: nodeDataChannel.Track;
  private readonly ssrc = 0x1234abcd;
  private timer: ReturnType<typeof setInterval> | null = null;
  private seq = 0;
  private ts = 0;
  resource = '';

  constructor() {
    const audio = new nodeDataChannel.Audio('0', 'SendOnly');
    audio.addOpusCodec(111);
    audio.addSSRC(this.ssrc, 'enc');
    audio.parseSdpLine(`a=extmap:${LEVEL_EXT_ID} urn:ietf:params:rtp-hdrext:ssrc-audio-level`);
    this.track = this.pc.addTrack(audio);
    this.track.onClosed(() => undefined);
  }

  /** POSTs the offer with `key`; returns the HTTP status (201: publishing once connected). */
  async publish(url: string, key: string): Promise<number> {
    const session = await trickledSession(url, this.pc, { bearer: key });
    if (session.status !== 201) return session.status;
    this.resource = session.resource!;
    this.timer = setInterval(() => this.send(), 20);
    return session.status;
  }

  private send(): void {
    if (!this.track.isOpen()) return;
    const p = Buffer.alloc(12 + 8 + 120);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 960) >>> 0;
    p[0] = 0x90; // V=2, X=1
    p[1] = 111;
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.ts, 4);
    p.writeUInt32BE(this.ssrc, 8);
    p.writeUInt16BE(0xbede, 12);
    p.writeUInt16BE(1, 14);
    p[16] = LEVEL_EXT_ID << 4;
    p[17] = 0x80 | SYLLABLE_LEVELS[this.seq % SYLLABLE_LEVELS.length]!;
    p.writeUInt32BE(TAG, 20);
    this.track.sendMessageBinary(p);
  }

  async stop(key: string): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    const res = await fetch(this.resource, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    this.close();
    return res.status;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.track.close();
    this.pc.close();
  }
}

/** Packets of the encoder's the listener has received, on any audio slot. */
function heard(listener: TestParticipant): number {
  let n = 0;
  for (const s of listener.peer.received.values()) n += s.byTag.get(TAG) ?? 0;
  return n;
}

describe("an encoder's reconnect (WHIP grace)", () => {
  let server: ServerProcess;
  let hostApi: ApiClient;
  let listener: TestParticipant;
  const encoders: Encoder[] = [];

  before(async () => {
    server = await spawnServer({
      dataDir: mkdtempSync(join(tmpdir(), 'spaces-whip-grace-')),
      port: await freePort(),
      mediaPort: randomMediaPort(),
      env: { SPACES_HOST_GRACE_MS: String(HOST_GRACE_MS), SPACES_RECONNECT_GRACE_MS: String(HOST_GRACE_MS), SPACES_WHIP_GRACE_MS: String(WHIP_GRACE_MS) },
    });
    hostApi = await account(server, 'whip_reconnect');
  });
  after(async () => {
    for (const e of encoders) e.close();
    listener?.close();
    await server?.stop();
    // node-datachannel's threads (the encoder's, the listener's) keep this process alive until cleaned up.
    nodeDataChannel.cleanup();
  });

  const spaceState = async (id: string) => (await (await fetch(`${server.url}/api/spaces/${id}`)).json()) as SpaceSummary;

  it('a host who publishes only through WHIP keeps the Space past the host grace, resumes it with the same key, and it ends after the WHIP grace', async () => {
    // A Space created live waits the host grace for its host: the encoder is ready before it exists.
    const first = new Encoder();
    encoders.push(first);
    const spaceId = (await hostApi.createSpace('From an encoder')).id;
    const { key } = await hostApi.issueStreamKey(spaceId);
    const whipUrl = `${server.url}/whip/${spaceId}`;
    assert.equal(await first.publish(whipUrl, key), 201);
    listener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    await waitFor(() => listener.state.space !== null, 10_000, 'the state');
    const hostId = listener.state.space!.hostId;
    const hostOnStage = () => listener.state.space?.stage.find((p) => p.userId === hostId);
    await until(async () => (heard(listener) > 0 ? true : undefined), 30_000, 'the listener hears the encoder', 50);

    // The encoder stops: the host stays on stage, disconnected.
    assert.equal(await first.stop(key), 200);
    await waitFor(() => hostOnStage()?.connected === false, 10_000, 'the host held on stage, disconnected');
    // A listener drops now: their grace (as long as the host's) starts after the host's would
    // have. Once it has run out and they are gone, a host grace would have ended the Space.
    const passerby = await joinSpace(server, spaceId, { canPublish: false });
    await waitFor(() => passerby.state.you !== null, 10_000, "the passer-by's state");
    const passerbyId = passerby.state.you!.userId;
    const listed = () => listener.state.space?.listeners.some((p) => p.userId === passerbyId) ?? false;
    await waitFor(listed, 10_000, 'the passer-by listed');
    passerby.close();
    await waitFor(() => !listed() || listener.ended, HOST_GRACE_MS + 30_000, "the passer-by's grace run out");
    assert.equal(listener.ended, false, 'the Space did not end with the host grace');
    assert.equal((await spaceState(spaceId)).state, 'live', 'the Space outlives the host grace');
    assert.equal(hostOnStage()?.role, 'host', 'the host keeps their place');

    // The encoder comes back with the same key: the same Space, the same place, heard again.
    const second = new Encoder();
    encoders.push(second);
    const before = heard(listener);
    assert.equal(await second.publish(whipUrl, key), 201);
    await waitFor(() => hostOnStage()?.connected === true, 10_000, 'the host connected again');
    await until(async () => (heard(listener) > before + 50 ? true : undefined), 30_000, 'the listener hears the resumed encoder', 50);
    assert.equal(hostOnStage()?.role, 'host');
    assert.equal(listener.state.space!.id, spaceId);

    // Stopped for good: the Space ends once the WHIP grace runs out.
    assert.equal(await second.stop(key), 200);
    await waitFor(() => listener.ended, WHIP_GRACE_MS + 30_000, 'the Space ending after the WHIP grace');
    const ended = await spaceState(spaceId);
    assert.equal(ended.state, 'ended');
  });
});

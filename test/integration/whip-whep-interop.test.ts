// WHIP and WHEP offers shaped as clients other than browsers send them, made by a real
// node-datachannel peer and rewritten into those shapes, against the real server: GStreamer's
// bundle-only audio (RFC 8843 §6) is heard by a listener, aiortc's Opus without a=fmtp
// (RFC 7587) plays, and a refused WHIP offer leaves nobody on stage. The clients trickle their
// candidates (test/helpers/trickled-offer.ts says why).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomMediaPort } from '../helpers/server.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { trickledSession } from '../helpers/trickled-offer.js';
import { isRtcp, rtpPayloadOffset } from '../../src/wire/rtp.js';
import type { PersonView } from '../../src/protocol/messages.js';

const TAG = 0x5a5a0001;
const LEVEL_EXT = 1;

/** A client's offer once its candidates are gathered. */
async function gatheredOffer(pc: PeerConnection): Promise<string> {
  pc.setLocalDescription('offer');
  await waitFor(() => pc.gatheringState() === 'complete', 10_000, 'candidates gathered');
  return pc.localDescription()!.sdp;
}

/** The offer with the m-line of `mid` as GStreamer's webrtcbin sends it: port 0, a=bundle-only. */
function bundleOnly(sdp: string, mid: string): string {
  const sections = sdp.split(/\r\n(?=m=)/);
  return sections
    .map((s) => (s.includes(`\r\na=mid:${mid}\r\n`) ? s.replace(/^(m=\S+) \d+ /, '$1 0 ').replace(/^(m=[^\r]*)\r\n/, '$1\r\na=bundle-only\r\n') : s))
    .join('\r\n');
}

describe('WHIP and WHEP interop: offers of GStreamer and aiortc, refused offers', () => {
  let server: ServerProcess;
  let spaceId: string;
  let hostId: string;
  let key: string;
  let listener: TestParticipant;
  const closers: Array<() => void> = [];
  /** Every track stays referenced until the end: node-datachannel must not collect one in use. */
  const tracks: Track[] = [];
  const keep = (track: Track): Track => {
    track.onClosed(() => undefined);
    tracks.push(track);
    return track;
  };

  before(async () => {
    server = await spawnServer({ dataDir: mkdtempSync(join(tmpdir(), 'spaces-interop-')), port: await freePort(), mediaPort: randomMediaPort() });
    const host = await account(server);
    hostId = (await host.me()).user.id;
    spaceId = (await host.createSpace('Interop')).id;
    key = (await host.issueStreamKey(spaceId)).key;
    listener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
  });

  after(async () => {
    for (const track of tracks) track.close();
    for (const close of closers.reverse()) close();
    listener?.close();
    await server?.stop();
    nodeDataChannel.cleanup();
  });

  const post = (kind: 'whip' | 'whep', body: string) =>
    fetch(`${server.url}/${kind}/${spaceId}`, {
      method: 'POST',
      headers: { ...(kind === 'whip' ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/sdp' },
      body,
    });

  /** The stage as a newcomer's first state shows it: what the server holds now. */
  async function stageNow(): Promise<PersonView[]> {
    const probe = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    await waitFor(() => probe.state.space !== null, 10_000, 'first state');
    const stage = probe.state.space!.stage;
    probe.close();
    return stage;
  }

  it('a WHIP body that is not SDP is a 400 that changes nothing: the key owner is not put on stage', async () => {
    const before = await stageNow();
    const res = await post('whip', 'v=0\r\nthis is not SDP');
    assert.equal(res.status, 400);
    assert.deepEqual(await stageNow(), before);
    assert.ok(!before.some((p) => p.userId === hostId), 'the host had not come');
  });

  it('a WHIP offer the transport refuses after reading it leaves the key owner away, not connected on stage', async () => {
    const pc = new nodeDataChannel.PeerConnection('whip-refused', { iceServers: [], disableAutoNegotiation: true });
    const audio = new nodeDataChannel.Audio('0', 'SendOnly');
    audio.addOpusCodec(111);
    keep(pc.addTrack(audio));
    const offer = (await gatheredOffer(pc)).replace(/a=fingerprint:sha-256 \S+/g, 'a=fingerprint:sha-256 00');
    pc.close();
    const res = await post('whip', offer);
    assert.equal(res.status, 400, await res.text());
    const host = (await stageNow()).find((p) => p.userId === hostId);
    assert.notEqual(host?.connected, true, 'no phantom host: the grace period runs, so the Space can end');
  });

  it("GStreamer's bundle-only audio is heard by a listener, and an aiortc-style player without Opus fmtp hears it", async () => {
    // The publisher: video first, then audio as bundle-only, as simple-whip-client offers them
    // (and, like it, trickling its candidates).
    const pub = new nodeDataChannel.PeerConnection('whip-gst', { iceServers: [], disableAutoNegotiation: true });
    closers.push(() => pub.close());
    const video = new nodeDataChannel.Video('video0', 'SendOnly');
    video.addVP8Codec(96);
    video.addSSRC(1938217052, 'gst');
    keep(pub.addTrack(video));
    const audio = new nodeDataChannel.Audio('audio1', 'SendOnly');
    audio.addOpusCodec(97);
    audio.addSSRC(2650488734, 'gst');
    audio.parseSdpLine(`a=extmap:${LEVEL_EXT} urn:ietf:params:rtp-hdrext:ssrc-audio-level`);
    const mic = keep(pub.addTrack(audio));
    const published = await trickledSession(`${server.url}/whip/${spaceId}`, pub, { bearer: key, shape: (o) => bundleOnly(o, 'audio1') });
    assert.match(published.offer, /m=audio 0 [^\r]*\r\na=bundle-only/);
    assert.equal(published.status, 201, published.body);
    await waitFor(() => mic.isOpen(), 20_000, 'the bundle-only audio track open');

    // Talk (RFC 6464 levels rising and falling like syllables) for as long as the test runs.
    const levels = [34, 28, 24, 24, 28, 34, 45, 45, 45, 45];
    const p = Buffer.alloc(40);
    let n = 0;
    const timer = setInterval(() => {
      p[0] = 0x90;
      p[1] = 97;
      p.writeUInt16BE(n & 0xffff, 2);
      p.writeUInt32BE((n * 960) >>> 0, 4);
      p.writeUInt32BE(2650488734, 8);
      p.writeUInt16BE(0xbede, 12);
      p.writeUInt16BE(1, 14);
      p[16] = LEVEL_EXT << 4;
      p[17] = 0x80 | levels[n % levels.length]!;
      p.writeUInt32BE(TAG, 20);
      n++;
      if (mic.isOpen()) mic.sendMessageBinary(p);
    }, 20);
    closers.push(() => clearInterval(timer));
    await waitFor(() => listener.peer.packetsFromTag(TAG) >= 50, 30_000, `the listener hears the publisher (${listener.peer.packetsFromTag(TAG)})`);

    // The player: Opus offered without a=fmtp, as aiortc does.
    const player = new nodeDataChannel.PeerConnection('whep-aiortc', { iceServers: [], disableAutoNegotiation: true });
    closers.push(() => player.close());
    const inAudio = new nodeDataChannel.Audio('0', 'RecvOnly');
    inAudio.addOpusCodec(96);
    const heard = keep(player.addTrack(inAudio));
    const inVideo = new nodeDataChannel.Video('1', 'RecvOnly');
    inVideo.addVP8Codec(97);
    keep(player.addTrack(inVideo));
    let playerTagged = 0;
    heard.onMessage((buf) => {
      const at = rtpPayloadOffset(buf);
      if (!isRtcp(buf) && at >= 0 && buf.length >= at + 4 && buf.readUInt32BE(at) === TAG) playerTagged++;
    });
    const whep = await trickledSession(`${server.url}/whep/${spaceId}`, player, { shape: (o) => o.replace(/a=fmtp:96 [^\r]*\r\n/, '') });
    assert.doesNotMatch(whep.offer, /a=fmtp:96/);
    assert.equal(whep.status, 201, whep.body);

    await waitFor(() => playerTagged >= 50, 30_000, `the WHEP player hears the publisher (${playerTagged})`);
  });
});

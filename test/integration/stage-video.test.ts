// Stage video over real WebRTC peers: three speakers with cameras (synthetic VP8-shaped
// streams, each tagged) take turns; a viewer's single video slot must follow the active
// speaker, start each source on a keyframe, honour a pin, and show nothing when the active
// speaker's camera is off. Then 13 cameras on stage still cost each viewer one stream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { LOW_LAYER_TAG_BIT } from '../../src/bots/synthetic-camera.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

describe('stage video follows the active speaker', () => {
  let server: RunningServer;
  let speakers: TestParticipant[];
  let viewer: TestParticipant;
  const opened: TestParticipant[] = [];

  before(async () => {
    server = await startTestServer();
    const hostApi = await account(server, 'video_host');
    const spaceId = (await hostApi.createSpace('Faces')).id;
    const host = await joinSpace(server, spaceId, { api: hostApi, tag: 1 });
    speakers = [host];
    for (const n of [2, 3]) {
      const s = await joinSpace(server, spaceId, { api: await account(server, `video_s${n}`), tag: n });
      await s.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, s);
      speakers.push(s);
    }
    viewer = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    opened.push(...speakers, viewer);
    await waitFor(() => opened.every((p) => p.peer.state === 'connected'), 30_000, 'connected');
    for (const s of speakers) {
      await waitFor(() => s.state.you?.role !== 'listener', 30_000, 'on stage');
      await s.signalling.act({ action: 'setCamera', on: true });
      s.peer.startSending();
      s.peer.startVideo();
    }
  });

  after(async () => {
    for (const p of opened) p.close();
    await server?.close();
  });

  const id = (p: TestParticipant) => p.state.you!.userId;

  /** Lets speaker `i` take the floor and checks the viewer's slot switched to them, from a keyframe. */
  async function takeTurn(i: number): Promise<void> {
    const s = speakers[i]!;
    const from = viewer.peer.videoLog.length;
    for (const other of speakers) other.peer.setTalking(other === s);
    await waitFor(() => viewer.activeSpeaker === id(s), 30_000, `speaker ${i + 1} becomes the active speaker`);
    await waitFor(() => viewer.stageVideo.userId === id(s), 30_000, `stage video switches to speaker ${i + 1}`);
    await waitFor(() => viewer.peer.videoFrom(from, s.peer.videoTag).length >= 20, 30_000, 'frames of the new speaker');
    const packets = viewer.peer.videoLog.slice(from);
    const firstOfNew = packets.findIndex((r) => r.tag === s.peer.videoTag);
    assert.ok(packets[firstOfNew]!.keyframeStart, 'the new source starts with a keyframe');
    assert.ok(
      packets.slice(firstOfNew).every((r) => r.tag === s.peer.videoTag),
      'after the switch the slot carries only the new source',
    );
    // Continuity for the decoder: sequence numbers without a jump across the switch.
    if (firstOfNew > 0) {
      assert.equal((packets[firstOfNew]!.seq - packets[firstOfNew - 1]!.seq) & 0xffff, 1, 'contiguous sequence numbers');
      assert.equal((packets[firstOfNew]!.pictureId - packets[firstOfNew - 1]!.pictureId) & 0x7fff, 1, 'contiguous picture IDs');
    }
  }

  it('switches the single slot to each speaker in turn, from a keyframe', async () => {
    await takeTurn(1);
    await takeTurn(2);
    await takeTurn(0);
    await takeTurn(1);
  });

  it('keeps a pinned speaker on this viewer, whoever talks, until unpinned', async () => {
    await viewer.signalling.pin(id(speakers[2]!));
    await waitFor(() => viewer.stageVideo.userId === id(speakers[2]!) && viewer.stageVideo.pinned, 30_000, 'pinned video');
    for (const other of speakers) other.peer.setTalking(other === speakers[0]);
    await waitFor(() => viewer.activeSpeaker === id(speakers[0]!), 30_000, 'host takes the floor');
    const from = viewer.peer.videoLog.length;
    // A second of video (30 packets) after the host took the floor: all of it the pinned speaker's.
    await waitFor(() => viewer.peer.videoLog.length >= from + 30, 30_000, 'video after the floor changed');
    assert.ok(
      viewer.peer.videoLog.slice(from).every((r) => r.tag === speakers[2]!.peer.videoTag),
      'still the pinned speaker',
    );
    await viewer.signalling.pin(null);
    await waitFor(() => viewer.stageVideo.userId === id(speakers[0]!), 30_000, 'back to the active speaker');
  });

  it('shows no video while the active speaker has the camera off', async () => {
    const host = speakers[0]!;
    for (const s of speakers) s.peer.setTalking(s === host);
    // The host's voice comes over the same connection as the video, so it paces the waits:
    // a machine too busy to deliver video would not deliver these packets either.
    const heard = () => viewer.peer.packetsFromTag(host.peer.options.tag ?? 0);
    await host.signalling.act({ action: 'setCamera', on: false });
    await waitFor(() => viewer.stageVideo.userId === null, 30_000, 'slot empty');
    // 15 packets of the host's voice (0.3 s) let video packets already in flight land...
    let heardFrom = heard();
    await waitFor(() => heard() >= heardFrom + 15, 30_000, 'the host heard after the slot emptied');
    const from = viewer.peer.videoLog.length;
    // ...then 40 more (0.8 s) in which no video may come.
    heardFrom = heard();
    await waitFor(() => heard() >= heardFrom + 40, 30_000, 'the host heard with the camera off');
    assert.equal(viewer.peer.videoLog.length - from, 0, 'no video packets');
    await host.signalling.act({ action: 'setCamera', on: true });
    await waitFor(() => viewer.stageVideo.userId === id(host), 30_000, 'video again');
    for (const s of speakers) s.peer.setTalking(false);
  });

  it('moves a viewer on a lossy link to the low layer, from a keyframe, and only that viewer', async () => {
    const speaker = speakers[1]!;
    for (const s of speakers) s.peer.setTalking(s === speaker);
    await waitFor(() => viewer.stageVideo.userId === id(speaker), 30_000, 'speaker 2 on the stage video');
    const other = await joinSpace(server, viewer.state.space!.id, { guest: true, canPublish: false });
    opened.push(other);
    await waitFor(() => other.stageVideo.userId === id(speaker), 30_000, 'second viewer sees speaker 2');
    const lowTag = (speaker.peer.videoTag | LOW_LAYER_TAG_BIT) >>> 0;
    const from = viewer.peer.videoLog.length;
    viewer.peer.reportVideoLoss(0.3);
    await waitFor(() => viewer.peer.videoFrom(from, lowTag).length >= 10, 30_000, 'low layer at the lossy viewer');
    const packets = viewer.peer.videoLog.slice(from);
    const firstLow = packets.findIndex((r) => r.tag === lowTag);
    assert.ok(packets[firstLow]!.keyframeStart, 'the low layer starts with a keyframe');
    assert.ok(
      packets.slice(firstLow).every((r) => r.tag === lowTag),
      'only the low layer after the switch',
    );
    const otherFrom = other.peer.videoLog.length;
    await waitFor(() => other.peer.videoLog.length >= otherFrom + 15, 30_000, 'video at the other viewer');
    assert.ok(
      other.peer.videoLog.slice(otherFrom).every((r) => r.tag === speaker.peer.videoTag),
      'the other viewer keeps the high layer',
    );
    viewer.peer.reportVideoLoss(0);
  });

  it('answers a viewer NACK from the source cache, and ignores packets it no longer has', async () => {
    // The receiver's SRTP replay protection discards a copy of a packet it already has, so
    // the repair is observed at the server: the packet was found, rewritten and resent.
    for (const s of speakers) s.peer.setTalking(s === speakers[0]);
    await waitFor(() => viewer.stageVideo.userId === id(speakers[0]!), 30_000, 'host on the stage video');
    const start = viewer.peer.videoLog.length;
    await waitFor(() => viewer.peer.videoLog.length > start + 10, 30_000, 'video flowing');
    const retransmissions = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(text.match(/^spaces_rtp_retransmissions_total (\d+)/m)![1]);
    };
    /** The retransmission count once it has grown past `n`; the limit bounds a hang. */
    const resentSince = (n: number) =>
      until(
        async () => {
          const now = await retransmissions();
          return now > n ? now : undefined;
        },
        30_000,
        'a retransmission',
      );
    const before = await retransmissions();
    viewer.peer.nackVideo(viewer.peer.videoLog.at(-5)!.seq);
    const after = await resentSince(before);
    assert.equal(after, before + 1, 'one packet resent');
    // A packet from before this source started (or long gone) is not ours to repair. NACKs
    // are handled in order, so once a NACK for a packet the server has is answered, the
    // unknown one was handled before it: only that one may have been resent. (A scrape that
    // fell between the two, handled back to back, would miss a wrongly resent packet: a window
    // of microseconds, where the old 300 ms pause missed one whenever the machine was slow.)
    viewer.peer.nackVideo((viewer.peer.videoLog.at(-1)!.seq - 30000) & 0xffff);
    viewer.peer.nackVideo(viewer.peer.videoLog.at(-1)!.seq);
    assert.equal(await resentSince(after), after + 1, 'nothing resent for an unknown packet');
  });

  it('sends congestion feedback (REMB) to publishers whose camera is being watched', async () => {
    const shown = speakers.find((s) => s.state.you!.userId === viewer.stageVideo.userId)!;
    await waitFor(() => shown.peer.cameras[0]!.lastRembBps > 0, 30_000, 'REMB at the shown publisher');
    assert.ok(shown.peer.cameras[0]!.lastRembBps >= 150_000);
  });

  it('tells a participant who joins who the active speaker is, at once', async () => {
    const spaceId = viewer.state.space!.id;
    const late = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    opened.push(late);
    await waitFor(() => late.activeSpeaker !== null, 30_000, 'active speaker on join');
    assert.equal(late.activeSpeaker, viewer.activeSpeaker);
  });
});

describe('13 cameras on stage', () => {
  let server: RunningServer;
  const opened: TestParticipant[] = [];
  after(async () => {
    for (const p of opened) p.close();
    await server?.close();
  });

  it('sends each viewer one video stream, not 13', async () => {
    server = await startTestServer();
    const hostApi = await account(server, 'cams_host');
    const spaceId = (await hostApi.createSpace('Full stage')).id;
    const host = await joinSpace(server, spaceId, { api: hostApi, tag: 100 });
    opened.push(host);
    for (let n = 1; n < 13; n++) {
      const s = await joinSpace(server, spaceId, { api: await account(server, `cams_${n}`), tag: 100 + n });
      opened.push(s);
      await s.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, s);
    }
    const viewer = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    opened.push(viewer);
    await waitFor(() => opened.every((p) => p.peer.state === 'connected'), 30_000, 'connected');
    const stage = opened.slice(0, 13);
    for (const s of stage) {
      await waitFor(() => s.state.you?.role !== 'listener', 30_000, 'on stage');
      await s.signalling.act({ action: 'setCamera', on: true });
      s.peer.startSending();
      s.peer.startVideo();
    }
    stage[5]!.peer.setTalking(true);
    await waitFor(() => viewer.stageVideo.userId === stage[5]!.state.you!.userId, 30_000, 'a speaker on the stage video');
    const from = viewer.peer.videoLog.length;
    // Two seconds' worth of one stream (~31 packets/s here): every packet from the one shown
    // camera, none of the other twelve (a packet rate would measure the machine, not this).
    await waitFor(() => viewer.peer.videoLog.length >= from + 60, 30_000, 'the stage video flowing');
    const got = viewer.peer.videoLog.slice(from);
    const tags = new Set(got.map((r) => r.tag));
    assert.deepEqual([...tags], [stage[5]!.peer.videoTag], 'one source');
  });
});

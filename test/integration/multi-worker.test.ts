// The media plane spread over two worker processes: a Space's peers land on both, and what
// a publisher on one worker sends reaches listeners on the other through the relay, with
// gating, mute, stage video switching from keyframes, and reconnects all still right.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const LISTENERS = 10;

describe('two media workers', () => {
  let server: RunningServer;
  let speakers: TestParticipant[];
  let listeners: TestParticipant[];
  const opened: TestParticipant[] = [];
  const id = (p: TestParticipant) => p.state.you!.userId;

  before(async () => {
    server = await startTestServer({ mediaWorkers: 2 });
    const hostApi = await account(server, 'mw_host');
    const spaceId = (await hostApi.createSpace('Two cores')).id;
    const host = await joinSpace(server, spaceId, { api: hostApi, tag: 1 });
    const s2 = await joinSpace(server, spaceId, { api: await account(server, 'mw_s2'), tag: 2 });
    await s2.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, s2);
    speakers = [host, s2];
    listeners = [];
    for (let i = 0; i < LISTENERS; i++) listeners.push(await joinSpace(server, spaceId, { guest: true, canPublish: false }));
    opened.push(...speakers, ...listeners);
    await waitFor(() => opened.every((p) => p.peer.state === 'connected'), 20_000, 'connected');
    await waitFor(() => s2.state.you?.role === 'speaker', 3000, 'on stage');
    const reportsBefore = speakers.map((s) => s.peer.rtcpReceived);
    for (const s of speakers) {
      await s.signalling.act({ action: 'setCamera', on: true });
      s.peer.setTalking(false);
      s.peer.startSending();
      s.peer.startVideo();
    }
    // The server hears each speaker once it answers their mic with a receiver report (as in startStage).
    await waitFor(() => speakers.every((s, i) => s.peer.rtcpReceived > reportsBefore[i]!), 30_000, 'a receiver report to every speaker');
  });

  after(async () => {
    for (const p of opened) p.close();
    await server?.close();
  });

  it('places peers on both workers, each with its own UDP port', () => {
    const ports = new Set(opened.map((p) => p.peer.pc!.getSelectedCandidatePair()?.remote.port));
    assert.equal(ports.size, 2, `remote ports in use: ${[...ports].join(', ')}`);
    assert.ok(ports.has(server.mediaPort) && ports.has(server.mediaPort + 1));
  });

  it('fans each talking speaker out to every listener on either worker, and no one else', async () => {
    for (const [i, s] of speakers.entries()) {
      const other = speakers[1 - i]!;
      const before = listeners.map((l) => l.peer.packetsFromTag(s.peer.options.tag!));
      const otherBefore = listeners.map((l) => l.peer.packetsFromTag(other.peer.options.tag!));
      s.peer.setTalking(true);
      const got = () => listeners.map((l, k) => l.peer.packetsFromTag(s.peer.options.tag!) - before[k]!);
      await waitFor(() => got().every((n) => n >= 40), 30_000, `speaker ${i + 1} heard by all`);
      s.peer.setTalking(false);
      // The gate's hangover over (nobody in the speaking list), so the next speaker's turn starts silent.
      await waitFor(() => listeners[0]!.speaking.at(-1)?.speakers.length === 0, 30_000, 'nobody speaking');
      const silent = listeners.map((l, k) => l.peer.packetsFromTag(other.peer.options.tag!) - otherBefore[k]!);
      assert.deepEqual(silent, new Array(LISTENERS).fill(0), 'the silent speaker is not forwarded');
    }
  });

  it('switches every viewer, on both workers, to the active speaker from a keyframe', async () => {
    // The previous test ended with speaker 2 talking, so start with the host: each step is a real switch.
    for (const s of [speakers[0]!, speakers[1]!]) {
      const from = listeners.map((l) => l.peer.videoLog.length);
      for (const o of speakers) o.peer.setTalking(o === s);
      await waitFor(() => listeners.every((l) => l.stageVideo.userId === id(s)), 10_000, 'all viewers switched');
      await waitFor(() => listeners.every((l, k) => l.peer.videoFrom(from[k]!, s.peer.videoTag).length >= 10), 5000, 'frames');
      for (const [k, l] of listeners.entries()) {
        const first = l.peer.videoLog.slice(from[k]!).find((r) => r.tag === s.peer.videoTag)!;
        assert.ok(first.keyframeStart, 'starts on a keyframe');
      }
    }
    for (const o of speakers) o.peer.setTalking(false);
  });

  it('stops a muted speaker everywhere', async () => {
    const s2 = speakers[1]!;
    s2.peer.setTalking(true);
    await speakers[0]!.signalling.act({ action: 'mute', userId: id(s2) });
    // Paced by the host's voice over the same connections: 15 packets let what was in flight
    // land, then none of speaker 2's may come while 40 more arrive.
    const host = speakers[0]!;
    const heardHost = () => listeners.map((l) => l.peer.packetsFromTag(host.peer.options.tag!));
    const hostHeard = async (n: number) => {
      const from = heardHost();
      await waitFor(() => heardHost().every((c, k) => c - from[k]! >= n), 30_000, 'the host heard');
    };
    host.peer.setTalking(true);
    await hostHeard(15);
    const before = listeners.map((l) => l.peer.packetsFromTag(2));
    await hostHeard(40);
    host.peer.setTalking(false);
    assert.deepEqual(
      listeners.map((l, k) => l.peer.packetsFromTag(2) - before[k]!),
      new Array(LISTENERS).fill(0),
    );
    s2.peer.setTalking(false);
    await s2.signalling.act({ action: 'setMicMuted', muted: false });
  });

  it('sums the workers\u2019 counters in /metrics', async () => {
    // Workers report once a second: wait for a report that covers the tests above (the limit bounds a hang).
    let text = '';
    const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? NaN);
    const summed = () => value('spaces_rtp_packets_out_total') > value('spaces_rtp_packets_in_total') && value('spaces_active_speaker_switches_total') > 0;
    await until(
      async () => {
        text = await (await fetch(`${server.url}/metrics`)).text();
        return summed() ? true : undefined;
      },
      30_000,
      'the workers\u2019 counters summed',
    ).catch(() => undefined);
    assert.ok(value('spaces_rtp_packets_out_total') > value('spaces_rtp_packets_in_total'));
    assert.ok(value('spaces_active_speaker_switches_total') > 0);
  });
});

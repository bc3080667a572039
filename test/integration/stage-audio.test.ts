// A Space with 3 speakers and 50 listeners, all real WebRTC peers (node-datachannel) on
// loopback against the real server: who hears whom, gating of silent and muted speakers,
// speaking indicators, bringing a listener on stage, and removing a speaker.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, startStage, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const LISTENERS = 50;

describe('stage audio with 3 speakers and 50 listeners', () => {
  let server: RunningServer;
  let host: TestParticipant;
  let speakers: TestParticipant[];
  let listeners: TestParticipant[];
  let everyone: TestParticipant[];
  let spaceId: string;

  before(async () => {
    server = await startTestServer();
    const hostApi = await account(server, 'stage_host');
    spaceId = (await hostApi.createSpace('Three speakers')).id;
    host = await joinSpace(server, spaceId, { api: hostApi, tag: 1 });
    const s2 = await joinSpace(server, spaceId, { api: await account(server, 'stage_s2'), tag: 2 });
    const s3 = await joinSpace(server, spaceId, { api: await account(server, 'stage_s3'), tag: 3 });
    for (const s of [s2, s3]) {
      await s.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, s);
    }
    speakers = [host, s2, s3];
    listeners = [];
    for (let i = 0; i < LISTENERS; i++) listeners.push(await joinSpace(server, spaceId, { guest: true, canPublish: false }));
    everyone = [...speakers, ...listeners];
    await startStage(speakers, everyone);
  });

  after(async () => {
    for (const p of everyone ?? []) p.close();
    await server?.close();
  });

  const counts = (tag: number) => listeners.map((l) => l.peer.packetsFromTag(tag));
  const delta = (beforeCounts: number[], tag: number) => counts(tag).map((n, i) => n - beforeCounts[i]!);
  /** Waits until every listener has `n` more packets of `tag` (20 ms each); the limit bounds a hang. */
  const heard = (beforeCounts: number[], tag: number, n: number, what: string) =>
    waitFor(() => delta(beforeCounts, tag).every((d) => d >= n), 30_000, `${what}: min ${Math.min(...delta(beforeCounts, tag))}`);
  /** Waits until every voice gate has closed (its hangover over): the listeners' speaking list is empty. */
  const quiet = () => waitFor(() => listeners[7]!.speaking.at(-1)?.speakers.length === 0, 30_000, 'nobody speaking');
  /**
   * Proves that `tag` reaches nobody, paced by the host's voice over the same connections: 15
   * packets of it let whatever was already in flight land, then no packet of `tag` may come
   * while 50 more (a second) arrive. A busy machine slows both streams alike.
   */
  async function assertNotForwarded(tag: number, what: string): Promise<void> {
    const host = speakers[0]!;
    host.peer.setTalking(true);
    await heard(counts(1), 1, 15, 'the host, while in-flight packets land');
    const b = counts(tag);
    await heard(counts(1), 1, 50, 'the host');
    assert.deepEqual(delta(b, tag), new Array(LISTENERS).fill(0), what);
    host.peer.setTalking(false);
  }

  it('forwards a talking speaker to every listener, and silent speakers to nobody', async () => {
    const b1 = counts(1);
    const b2 = counts(2);
    const b3 = counts(3);
    host.peer.setTalking(true);
    await heard(b1, 1, 40, 'every listener hears the host');
    // Speakers hear each other, but never themselves.
    await waitFor(() => speakers[1]!.peer.packetsFromTag(1) >= 40, 30_000, 'speaker 2 hears the host');
    host.peer.setTalking(false);
    await quiet();
    // The host's 40 packets arrived meanwhile: silent speakers' would have too.
    assert.deepEqual(delta(b2, 2), new Array(LISTENERS).fill(0), 'silent speaker 2 is not forwarded');
    assert.deepEqual(delta(b3, 3), new Array(LISTENERS).fill(0), 'silent speaker 3 is not forwarded');
    assert.equal(host.peer.packetsFromTag(1), 0, 'the host does not hear itself');
  });

  it('sends speaking indicators naming whoever talks, again and again, and an empty list after', async () => {
    // How often they come is a rate (a timer in the media room) that a busy machine stretches,
    // so not asserted here: here, that they keep coming while the speaker talks.
    const l = listeners[7]!;
    const startIndex = l.speaking.length;
    speakers[1]!.peer.setTalking(true);
    const s2Id = speakers[1]!.state.you!.userId;
    const mentioning = () => l.speaking.slice(startIndex).filter((m) => m.speakers.some((s) => s.userId === s2Id && s.level > 0)).length;
    await waitFor(() => mentioning() >= 5, 30_000, 'five updates naming speaker 2');
    speakers[1]!.peer.setTalking(false);
    await waitFor(() => l.speaking.at(-1)!.speakers.length === 0, 30_000, 'empty speaking list');
  });

  it('hears two overlapping speakers at once', async () => {
    const b2 = counts(2);
    const b3 = counts(3);
    speakers[1]!.peer.setTalking(true);
    speakers[2]!.peer.setTalking(true);
    // Both keep talking until everyone has heard 30 packets of each.
    await heard(b2, 2, 30, 'everyone hears speaker 2');
    await heard(b3, 3, 30, 'everyone hears speaker 3');
    speakers[1]!.peer.setTalking(false);
    speakers[2]!.peer.setTalking(false);
    await quiet();
  });

  it('stops forwarding a speaker the host mutes, even if their client keeps sending', async () => {
    const s2 = speakers[1]!;
    s2.peer.setTalking(true);
    await heard(counts(2), 2, 5, 'speaker 2 heard before the mute');
    await host.signalling.act({ action: 'mute', userId: s2.state.you!.userId });
    await waitFor(() => s2.state.you?.muted === true, 30_000, 'speaker 2 sees itself muted');
    const sentBefore = s2.peer.packetsSent;
    await assertNotForwarded(2, 'no packets of a muted speaker');
    assert.ok(s2.peer.packetsSent > sentBefore, 'the muted client kept sending');
    // Only the speaker can unmute; then they are heard again.
    await s2.signalling.act({ action: 'setMicMuted', muted: false });
    await heard(counts(2), 2, 20, 'heard again after unmuting themselves');
    s2.peer.setTalking(false);
    await quiet();
  });

  it('brings a listener on stage muted (no hot mic), and lets everyone hear them once they unmute', async () => {
    const newcomer = await joinSpace(server, spaceId, { api: await account(server, 'stage_new'), tag: 9 });
    everyone.push(newcomer);
    await waitFor(() => newcomer.peer.state === 'connected', 10_000, 'newcomer connected');
    await newcomer.signalling.act({ action: 'requestToSpeak' });
    await waitFor(() => (host.state.space?.requests ?? []).some((r) => r.userId === newcomer.state.you!.userId), 3000, 'request in queue');
    await host.signalling.act({ action: 'approve', userId: newcomer.state.you!.userId });
    await waitFor(() => newcomer.state.you?.role === 'speaker', 3000, 'newcomer on stage');
    assert.equal(newcomer.state.you?.muted, true, 'on stage muted');
    // Talking from the first moment on stage, as a client that ignored the mute would: the
    // server holds it back until the newcomer unmutes themselves.
    newcomer.peer.setTalking(true);
    newcomer.peer.startSending();
    const sentBefore = newcomer.peer.packetsSent;
    await assertNotForwarded(9, 'nothing of a newcomer who has not unmuted');
    assert.ok(newcomer.peer.packetsSent > sentBefore, 'the newcomer kept sending');
    const b9 = counts(9);
    await newcomer.signalling.act({ action: 'setMicMuted', muted: false });
    await heard(b9, 9, 30, 'every listener hears the newcomer once unmuted');
    await waitFor(() => host.peer.packetsFromTag(9) >= 30, 30_000, 'the host hears the newcomer');
    newcomer.peer.setTalking(false);
    await quiet();
  });

  it('cuts a removed speaker, and keeps them out', async () => {
    const s3 = speakers[2]!;
    const s3Id = s3.state.you!.userId;
    s3.peer.setTalking(true);
    await heard(counts(3), 3, 5, 'speaker 3 heard before the removal');
    await host.signalling.act({ action: 'remove', userId: s3Id });
    await waitFor(() => !host.state.space!.stage.some((p) => p.userId === s3Id), 30_000, 'gone from the stage');
    await assertNotForwarded(3, 'nothing from the removed speaker');
    await assert.rejects(joinSpace(server, spaceId, { api: s3.api }), (err: Error & { code?: string }) => err.code === 'banned');
  });

  it('keeps every slot one continuous stream across talkspurts and speakers', () => {
    // Silent stretches are not forwarded, yet each listener must see sequence numbers that
    // simply continue (loopback loses nothing), or its jitter buffer would drop audio.
    const jumps = listeners.reduce((n, l) => n + [...l.peer.received.values()].reduce((m, s) => m + s.discontinuities, 0), 0);
    assert.equal(jumps, 0);
  });

  it('reports media counters in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? NaN);
    assert.ok(value('spaces_rtp_packets_in_total') > 0);
    assert.ok(value('spaces_rtp_packets_out_total') > value('spaces_rtp_packets_in_total'), 'fan-out sends more than it receives');
    assert.ok(value('spaces_rtp_packets_gated_total') > 0, 'silent packets were held back');
    assert.match(text, /spaces_participants\{role="listener"\} 5\d/);
  });
});

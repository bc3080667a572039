// Every subscriber has exactly three audio slots, and they carry the three most recent
// talkers (DESIGN §3.2). Real node-datachannel peers on loopback against the real server:
// with six people on stage, each one is heard when they talk; a fourth simultaneous voice
// waits until one of the three pauses; and the stage changing sends listeners no new offer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, sleep, startStage, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { AUDIBLE_SPEAKERS } from '../../src/media/room/media-room.js';

const SPEAKERS = 6;
const LISTENERS = 5;

/** The audio m-lines the server offers to send ("a0", "a1", …). */
function audioSlotMids(sdp: string): string[] {
  return sdp
    .split('\r\n')
    .filter((l) => l.startsWith('a=mid:a'))
    .map((l) => l.slice('a=mid:'.length));
}

describe(`${SPEAKERS} on stage, ${AUDIBLE_SPEAKERS} audio slots per subscriber`, () => {
  let server: RunningServer;
  let host: TestParticipant;
  let speakers: TestParticipant[];
  let listeners: TestParticipant[];
  let everyone: TestParticipant[];
  let spaceId: string;
  /** Every offer each listener received, in order. */
  const offers = new Map<TestParticipant, string[]>();

  before(async () => {
    server = await startTestServer();
    const hostApi = await account(server, 'audible_host');
    spaceId = (await hostApi.createSpace('Six speakers')).id;
    host = await joinSpace(server, spaceId, { api: hostApi, tag: 1 });
    speakers = [host];
    for (let i = 2; i <= SPEAKERS; i++) {
      const s = await joinSpace(server, spaceId, { api: await account(server, `audible_s${i}`), tag: i });
      await s.signalling.act({ action: 'requestToSpeak' });
      await host.signalling.act({ action: 'approve', userId: s.state.you!.userId });
      speakers.push(s);
    }
    listeners = [];
    for (let i = 0; i < LISTENERS; i++) {
      const l = await joinSpace(server, spaceId, { guest: true, canPublish: false });
      const list: string[] = [];
      offers.set(l, list);
      l.signalling.on('offer', (msg: { sdp: string }) => list.push(msg.sdp));
      listeners.push(l);
    }
    everyone = [...speakers, ...listeners];
    await startStage(speakers, everyone);
  });

  after(async () => {
    for (const p of everyone ?? []) p.close();
    await server?.close();
  });

  /** Speakers are tagged 1..SPEAKERS in stage order; the tag marks their packets. */
  const tagOf = (s: TestParticipant) => speakers.indexOf(s) + 1;
  const counts = (list: TestParticipant[], tag: number) => list.map((l) => l.peer.packetsFromTag(tag));
  const delta = (list: TestParticipant[], before: number[], tag: number) => counts(list, tag).map((n, i) => n - before[i]!);

  it(`offers every listener exactly ${AUDIBLE_SPEAKERS} audio slots, whatever the size of the stage`, async () => {
    await waitFor(() => listeners.every((l) => offers.get(l)!.length > 0), 5000, 'offers seen');
    for (const l of listeners) {
      // The first offer may have come before the test listened; every one seen has 3 slots.
      for (const sdp of offers.get(l)!) assert.deepEqual(audioSlotMids(sdp), ['a0', 'a1', 'a2']);
    }
  });

  it('lets every listener hear each of the six when they talk in turn', async () => {
    for (const s of speakers) {
      const tag = tagOf(s);
      const b = counts(listeners, tag);
      s.peer.setTalking(true);
      await sleep(1000);
      s.peer.setTalking(false);
      await sleep(400);
      const d = delta(listeners, b, tag);
      assert.ok(
        d.every((n) => n >= 30),
        `every listener hears speaker ${tag}: ${d.join(',')}`,
      );
    }
    await sleep(1500); // everyone's hangover and pause
  });

  it('holds back a fourth simultaneous voice until one of the three pauses', async () => {
    const [a, b, c, d] = speakers.slice(2, 6) as [TestParticipant, TestParticipant, TestParticipant, TestParticipant];
    try {
      for (const s of [a, b, c]) s.peer.setTalking(true);
      await sleep(400);
      d.peer.setTalking(true);
      await sleep(300);
      const before = [a, b, c, d].map((s) => counts(listeners, tagOf(s)));
      await sleep(1000);
      const heard = [a, b, c, d].map((s, i) => delta(listeners, before[i]!, tagOf(s)));
      assert.deepEqual(heard[3], new Array(LISTENERS).fill(0), 'the fourth voice is not forwarded while three talk');
      for (const [i, d3] of heard.slice(0, 3).entries())
        assert.ok(
          d3.every((n) => n >= 30),
          `the three talking are heard (speaker ${tagOf([a, b, c][i]!)}): ${d3.join(',')}`,
        );
      a.peer.setTalking(false);
      // a's voice gate holds for its hangover, then a is quiet long enough to give up its place.
      await sleep(1500);
      const afterPause = counts(listeners, tagOf(d));
      await sleep(800);
      const gained = delta(listeners, afterPause, tagOf(d));
      assert.ok(
        gained.every((n) => n >= 25),
        `the fourth voice is heard once a place is free: ${gained.join(',')}`,
      );
      // The speakers themselves hear it too, through the same three slots.
      assert.ok(b.peer.packetsFromTag(tagOf(d)) > 0, 'a speaker hears the fourth voice');
    } finally {
      // Quiet again, so a failure here does not leave the next test with three talking.
      for (const s of [a, b, c, d]) s.peer.setTalking(false);
      await sleep(1500);
    }
  });

  it('sends listeners no new offer when the stage changes', async () => {
    const seen = listeners.map((l) => offers.get(l)!.length);
    const newcomer = await joinSpace(server, spaceId, { api: await account(server, 'audible_new'), tag: 20 });
    everyone.push(newcomer);
    await waitFor(() => newcomer.peer.state === 'connected', 10_000, 'newcomer connected');
    await newcomer.signalling.act({ action: 'requestToSpeak' });
    await host.signalling.act({ action: 'approve', userId: newcomer.state.you!.userId });
    await waitFor(() => newcomer.state.you?.role === 'speaker', 3000, 'newcomer on stage');
    newcomer.peer.setTalking(true);
    newcomer.peer.startSending();
    await sleep(300);
    const b = counts(listeners, 20);
    await sleep(1000);
    newcomer.peer.setTalking(false);
    const d = delta(listeners, b, 20);
    assert.ok(
      d.every((n) => n >= 30),
      `every listener hears the newcomer: ${d.join(',')}`,
    );
    await host.signalling.act({ action: 'remove', userId: speakers[5]!.state.you!.userId });
    await sleep(500);
    assert.deepEqual(
      listeners.map((l) => offers.get(l)!.length),
      seen,
      'no listener was sent an offer for a stage change',
    );
  });

  it('keeps each slot one continuous stream while it changes hands', () => {
    const jumps = listeners.reduce((n, l) => n + [...l.peer.received.values()].reduce((m, s) => m + s.discontinuities, 0), 0);
    assert.equal(jumps, 0);
  });
});

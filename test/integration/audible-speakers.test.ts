// Every subscriber has exactly three audio slots, and they carry the three most recent
// talkers (DESIGN §3.2). Real node-datachannel peers on loopback against the real server:
// with six people on stage, each one is heard when they talk; a fourth simultaneous voice
// waits until one of the three pauses; and the stage changing sends listeners no new offer.
// Every wait is for packets (counted per speaker at every listener), not for time; each test
// starts from a quiet stage and makes the talk it checks, so any one of them runs alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, startStage, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { AUDIBLE_SPEAKERS } from '../../src/media/room/media-room.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

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
      await approveLive(host, s);
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
  /** Waits until every one of `list` has received `n` more packets of `tag` (20 ms each); the limit bounds a hang. */
  const heard = (list: TestParticipant[], before: number[], tag: number, n: number, what: string) =>
    waitFor(() => delta(list, before, tag).every((d) => d >= n), 30_000, `${what}: ${delta(list, before, tag).join(',')}`);
  /** Everyone stops talking (each test starts from a quiet stage, whatever ran before it). */
  const quiet = () => {
    for (const s of [...speakers, ...extra]) s.peer.setTalking(false);
  };
  const extra: TestParticipant[] = [];

  it(`offers every listener exactly ${AUDIBLE_SPEAKERS} audio slots, whatever the size of the stage`, async () => {
    await waitFor(() => listeners.every((l) => offers.get(l)!.length > 0), 30_000, 'offers seen');
    for (const l of listeners) {
      // The first offer may have come before the test listened; every one seen has 3 slots.
      for (const sdp of offers.get(l)!) assert.deepEqual(audioSlotMids(sdp), ['a0', 'a1', 'a2']);
    }
  });

  it('lets every listener hear each of the six when they talk in turn', async () => {
    quiet();
    for (const s of speakers) {
      const tag = tagOf(s);
      const b = counts(listeners, tag);
      s.peer.setTalking(true);
      // A second of speech at every listener.
      await heard(listeners, b, tag, 50, `every listener hears speaker ${tag}`);
      s.peer.setTalking(false);
    }
  });

  it('holds back a fourth simultaneous voice until one of the three pauses', async () => {
    const [a, b, c, d] = speakers.slice(2, 6) as [TestParticipant, TestParticipant, TestParticipant, TestParticipant];
    quiet();
    try {
      // The three take the three slots: every listener hears each of them.
      const start = [a, b, c].map((s) => counts(listeners, tagOf(s)));
      for (const s of [a, b, c]) s.peer.setTalking(true);
      for (const [i, s] of [a, b, c].entries()) await heard(listeners, start[i]!, tagOf(s), 10, `speaker ${tagOf(s)} takes a slot`);
      d.peer.setTalking(true);
      // While the three go on for another second of speech at every listener, nothing of the fourth arrives.
      const before = [a, b, c, d].map((s) => counts(listeners, tagOf(s)));
      for (const [i, s] of [a, b, c].entries()) await heard(listeners, before[i]!, tagOf(s), 50, `speaker ${tagOf(s)} goes on`);
      assert.deepEqual(delta(listeners, before[3]!, tagOf(d)), new Array(LISTENERS).fill(0), 'the fourth voice is not forwarded while three talk');
      a.peer.setTalking(false);
      // a's voice gate holds for its hangover, then a is quiet long enough to give up its place.
      const afterPause = counts(listeners, tagOf(d));
      await heard(listeners, afterPause, tagOf(d), 25, 'the fourth voice is heard once a place is free');
      // The speakers themselves hear it too, through the same three slots.
      await waitFor(() => b.peer.packetsFromTag(tagOf(d)) > 0, 30_000, 'a speaker hears the fourth voice');
    } finally {
      quiet();
    }
  });

  it('sends listeners no new offer when the stage changes', async () => {
    quiet();
    const seen = listeners.map((l) => offers.get(l)!.length);
    const newcomer = await joinSpace(server, spaceId, { api: await account(server, `audible_new${extra.length}`), tag: 20 + extra.length });
    const tag = 20 + extra.length;
    everyone.push(newcomer);
    extra.push(newcomer);
    await waitFor(() => newcomer.peer.state === 'connected', 30_000, 'newcomer connected');
    await newcomer.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, newcomer);
    await waitFor(() => newcomer.state.you?.role === 'speaker', 30_000, 'newcomer on stage');
    const b = counts(listeners, tag);
    newcomer.peer.setTalking(true);
    newcomer.peer.startSending();
    await heard(listeners, b, tag, 50, 'every listener hears the newcomer');
    newcomer.peer.setTalking(false);
    const removed = newcomer.state.you!.userId;
    await host.signalling.act({ action: 'remove', userId: removed });
    // Every listener has learnt of the change (an offer for it would have been sent with it).
    await waitFor(
      () => listeners.every((l) => !(l.state.space?.stage ?? []).some((p) => p.userId === removed)),
      30_000,
      'the listeners see the newcomer leave the stage',
    );
    assert.deepEqual(
      listeners.map((l) => offers.get(l)!.length),
      seen,
      'no listener was sent an offer for a stage change',
    );
  });

  it('keeps each slot one continuous stream while it changes hands', async () => {
    quiet();
    // Four speakers talk in turn, so at least one slot passes from one to another at every listener.
    for (const s of speakers.slice(0, AUDIBLE_SPEAKERS + 1)) {
      const b = counts(listeners, tagOf(s));
      s.peer.setTalking(true);
      await heard(listeners, b, tagOf(s), 25, `every listener hears speaker ${tagOf(s)}`);
      s.peer.setTalking(false);
    }
    for (const l of listeners) {
      const slots = [...l.peer.received.entries()].filter(([mid]) => mid.startsWith('a'));
      assert.ok(
        slots.some(([, s]) => s.byTag.size >= 2),
        `a slot changed hands: ${slots.map(([mid, s]) => `${mid}:${[...s.byTag.keys()].join('+')}`).join(' ')}`,
      );
      const jumps = slots.reduce((n, [, s]) => n + s.discontinuities, 0);
      assert.equal(jumps, 0, 'no gap or jump in any slot');
    }
  });
});

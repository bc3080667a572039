// Failover in a cluster of three nodes: kill -9 of the node that runs a recorded Space in the
// middle of it. Everyone entered through another node, so their entry URL outlives the owner:
// each client reconnects by itself, is sent to the node that took the Space over, and is back in
// the same place (host, co-host, a muted speaker, a pending request to speak) hearing the stage.
// The comments and the ban are in the shared database, so they survive; the recording is one
// recording with segments from both nodes. The time from the kill until everyone is back and
// hearing is printed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import nodeDataChannel from 'node-datachannel';
import { soleRunner, startCluster, type ClusterNodeProcess, type TestCluster } from '../helpers/cluster.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { finishedRecording } from '../helpers/recordings.js';
import { ApiClient } from '../../src/sdk/api.js';
import type { SignallingError } from '../../src/sdk/signalling.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const HOST_TAG = 1;
/** Half a second of a talking speaker's packets: clearly heard again, not a straggler. */
const HEARD = 25;

type Role = 'host' | 'cohost' | 'speaker' | 'requester' | 'listener';

/** The segments of a recording's VOD audio playlist, with their wall-clock start. */
function playlistSegments(text: string): Array<{ uri: string; wallStartMs: number }> {
  const out: Array<{ uri: string; wallStartMs: number }> = [];
  let at = NaN;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) at = Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length));
    else if (line.endsWith('.m4s')) out.push({ uri: line, wallStartMs: at });
  }
  return out;
}

describe('cluster failover: kill -9 of the node that runs a recorded Space', () => {
  let cluster: TestCluster;
  let owner: ClusterNodeProcess;
  let survivors: ClusterNodeProcess[];
  let hostApi: ApiClient;
  let bannedApi: ApiClient;
  let spaceId: string;
  const people = {} as Record<Role, TestParticipant>;
  let banned: TestParticipant | null = null;
  const welcomes = new Map<TestParticipant, number>();
  const comments = ['before the crash: one', 'before the crash: two', 'before the crash: three'];
  let killedAt = 0;
  let recordedBeforeKill = 0;

  const everyone = () => Object.values(people);
  const id = (p: TestParticipant) => p.state.you!.userId;

  before(async () => {
    cluster = await startCluster({ nodes: 3 });
    hostApi = await account(cluster.nodes[0]!);
    spaceId = (await hostApi.createSpace('Failover', undefined, { record: true })).id;
    owner = await soleRunner(cluster.nodes, 'the node that runs the Space');
    survivors = cluster.nodes.filter((n) => n !== owner);
    // The host's requests go to a node that outlives the owner too.
    hostApi = new ApiClient(survivors[0]!.url, hostApi.token);

    // Everyone enters through a node that will survive (both of them, in turn), and is
    // redirected to the owner.
    let next = 0;
    const enter = async (role: Role | 'banned', api?: ApiClient) => {
      const entry = survivors[next++ % survivors.length]!;
      const p = await joinSpace(
        entry,
        spaceId,
        role === 'listener' ? { guest: true, canPublish: false } : { api: api ?? (await account(entry)), tag: role === 'host' ? HOST_TAG : 0 },
      );
      welcomes.set(p, 0);
      p.signalling.on('welcome', () => {
        welcomes.set(p, (welcomes.get(p) ?? 0) + 1);
        // What the next node says, not what the dead one said, is checked after a failover.
        p.state = { space: null, you: null, invited: false };
      });
      await waitFor(() => p.state.you !== null, 10_000, `${role}: the first state`);
      if (role !== 'banned') people[role] = p;
      return p;
    };
    const host = await enter('host', hostApi);
    const cohost = await enter('cohost');
    await host.signalling.act({ action: 'makeCohost', userId: id(cohost) });
    // Made co-host from the audience, so on stage muted: live once they unmute.
    await cohost.signalling.act({ action: 'setMicMuted', muted: false });
    const speaker = await enter('speaker');
    await speaker.signalling.act({ action: 'requestToSpeak' });
    await approveLive(cohost, speaker);
    await host.signalling.act({ action: 'mute', userId: id(speaker) });
    const requester = await enter('requester');
    await requester.signalling.act({ action: 'requestToSpeak' });
    await enter('listener');
    bannedApi = await account(survivors[0]!);
    banned = await enter('banned', bannedApi);
    await host.signalling.act({ action: 'remove', userId: id(banned) });
    await waitFor(() => banned!.ended || banned!.signalling.status === 'closed', 10_000, 'the removed user out');
    for (const [i, text] of comments.entries()) await [host, requester, cohost][i]!.signalling.comment(text);

    await waitFor(() => everyone().every((p) => p.peer.state === 'connected'), 30_000, 'every peer connected');
    host.peer.setTalking(true);
    host.peer.startSending();
    await waitFor(() => people.listener.peer.packetsFromTag(HOST_TAG) > HEARD, 30_000, 'the listener hears the host');
  });

  after(async () => {
    for (const p of [...Object.values(people), banned]) p?.close();
    await cluster?.close();
    // The bots' node-datachannel threads keep this process alive until the library is cleaned up.
    nodeDataChannel.cleanup();
  });

  it('kill -9 of the owner: everyone is back in the same place on another node, hearing the stage', async (t) => {
    // Something recorded on the owner first: two audio segments in its recording.
    const recorded = await until(
      async () => {
        const rec = await hostApi.getRecording(spaceId).catch(() => null);
        return rec && rec.durationSec > 0 && playlistSegments(await (await fetch(`${owner.url}/hls/${spaceId}/audio.m3u8`)).text()).length >= 2
          ? rec
          : undefined;
      },
      60_000,
      'two live segments recorded on the owner',
      200,
    );
    recordedBeforeKill = recorded.durationSec;
    for (const p of everyone()) welcomes.set(p, 0);
    const heardBefore = people.listener.peer.packetsFromTag(HOST_TAG);
    const speakerHeardBefore = people.speaker.peer.packetsFromTag(HOST_TAG);

    killedAt = Date.now();
    const killed = performance.now();
    await owner.kill9();

    const { host, cohost, speaker, requester, listener } = people;
    await waitFor(
      () =>
        everyone().every((p) => (welcomes.get(p) ?? 0) > 0 && p.signalling.status === 'connected' && p.state.you !== null) &&
        host.state.space?.stage.length === 3 &&
        host.state.space.requests.length === 1 &&
        listener.peer.packetsFromTag(HOST_TAG) > heardBefore + HEARD &&
        speaker.peer.packetsFromTag(HOST_TAG) > speakerHeardBefore + HEARD,
      90_000,
      'everyone back and hearing the host',
    );
    const backMs = performance.now() - killed;
    const next = await soleRunner(survivors, 'the node that took the Space over');
    t.diagnostic(`everyone back in place and hearing the stage ${backMs.toFixed(0)} ms after kill -9 of ${owner.id} (now on ${next.id})`);

    assert.deepEqual(
      host.state.space!.stage.map((p) => [p.userId, p.role, p.muted]),
      [
        [id(host), 'host', false],
        [id(cohost), 'cohost', false],
        [id(speaker), 'speaker', true],
      ],
    );
    assert.deepEqual(
      host.state.space!.requests.map((p) => p.userId),
      [id(requester)],
    );
    assert.equal(speaker.state.you?.muted, true, 'still muted by the host');
    assert.equal(requester.state.you?.requested, true, 'the request to speak still pending');
    assert.equal(listener.state.you?.role, 'listener');
    assert.equal(host.state.space!.state, 'live');
    for (const p of everyone()) assert.equal(p.ended, false, 'nobody was told the Space ended');
  });

  it('the comments survive the owner', async () => {
    for (const node of survivors) {
      const page = await (await fetch(`${node.url}/api/spaces/${spaceId}/comments`)).json();
      assert.deepEqual(
        (page as { comments: Array<{ text: string }> }).comments.map((c) => c.text),
        comments,
        `the comments, as ${node.id} lists them`,
      );
    }
    // The rejoined clients got the history from the new owner as well.
    assert.deepEqual(
      people.listener.comments.map((c) => c.text),
      comments,
    );
  });

  it('the ban survives the owner: the removed user cannot come back', async () => {
    for (const node of survivors) {
      const err = await joinSpace(node, spaceId, { api: bannedApi }).then(
        (p) => {
          p.close();
          return null;
        },
        (e: SignallingError) => e,
      );
      assert.ok(err, `${node.id} let the removed user back in`);
      assert.equal(err.code, 'banned', `refused through ${node.id}: ${err.message}`);
    }
  });

  it('after the host ends the Space, its recording is one recording spanning the kill', async (t) => {
    // A few seconds recorded by the new owner: segments cut after the kill, in the recording.
    const running = await until(
      async () => {
        const rec = await hostApi.getRecording(spaceId).catch(() => null);
        return rec && rec.durationSec > recordedBeforeKill + 2 ? rec : undefined;
      },
      60_000,
      'the new owner recording',
      200,
    );
    assert.equal(running.state, 'recording');
    await people.host.signalling.act({ action: 'end' });
    await waitFor(() => everyone().every((p) => p.ended), 15_000, 'everyone told the Space ended');
    const rec = await finishedRecording(hostApi, spaceId);
    assert.ok(rec, 'the Space has a recording');
    assert.equal(rec.state, 'ready');
    assert.equal(rec.id, running.id, 'the one that was open before the kill');

    const db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM recordings WHERE space_id = $1', [spaceId]);
      assert.equal(Number(rows[0]!.n), 1, 'one recording row for the Space');
    } finally {
      await db.end();
    }

    const base = survivors[0]!.url;
    const audio = await (await fetch(base + rec.playlistUrl.replace('master', 'audio'))).text();
    assert.match(audio, /#EXT-X-ENDLIST/, 'a finished (VOD) playlist');
    const segments = playlistSegments(audio);
    const before = segments.filter((s) => s.wallStartMs < killedAt);
    const afterKill = segments.filter((s) => s.wallStartMs > killedAt);
    assert.ok(before.length > 0, 'segments recorded before the kill');
    assert.ok(afterKill.length > 0, 'segments recorded after the kill');
    // Each encoder run names its segments: the dead owner's and the new owner's.
    const runs = (list: typeof segments) => new Set(list.map((s) => s.uri.split('-')[0]));
    assert.equal([...runs(before)].filter((r) => runs(afterKill).has(r)).length, 0, 'the segments after the kill come from another encoder');
    for (const s of [before[0]!, afterKill.at(-1)!]) assert.equal((await fetch(`${base}/recordings/${rec.id}/${s.uri}`)).status, 200, `${s.uri} is served`);
    const gapSec = (afterKill[0]!.wallStartMs - killedAt) / 1000;
    t.diagnostic(
      `recording ${rec.durationSec.toFixed(1)} s: ${before.length} segments before the kill, ${afterKill.length} after; the first after it starts ${gapSec.toFixed(1)} s after the kill`,
    );
    assert.ok(rec.durationSec > recordedBeforeKill, 'longer than what was recorded before the kill');
  });
});

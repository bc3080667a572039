// Fuzzing signalling end to end: a joined guest sends a real server hundreds of generated
// frames (garbage, wrong shapes, every message type with random fields, actions it may not
// take, SDP and candidates that are nonsense). Each gets an answer or is dropped; the server
// and its workers stay up, and the Space is as the host left it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { CLIENT_ANSWER, TRICKLE_FRAGMENT } from './seeds.js';
import { mutatedLines, RUNS } from './fuzz.js';

const FRAMES = Math.min(2000, Math.max(300, Math.round(RUNS / 10)));

describe('fuzz: signalling frames against a real server', () => {
  let server: RunningServer;
  let host: TestParticipant;
  let spaceId: string;

  before(async () => {
    // No rate limit to hit: every frame must reach the parsers and handlers.
    server = await startTestServer({ messageRate: 1_000_000, messageBurst: 1_000_000 });
    const hostApi = await account(server);
    spaceId = (await hostApi.createSpace('Fuzzed')).id;
    host = await joinSpace(server, spaceId, { api: hostApi });
    await waitFor(() => host.state.space !== null, 5000, 'the host in');
  });

  after(async () => {
    host?.close();
    await server?.close();
  });

  it(`${FRAMES} generated frames: all answered or dropped, nothing crashes, nothing changes`, async () => {
    const userId = fc.oneof(fc.string({ maxLength: 80 }), fc.constant(host.state.you!.userId));
    const action = fc.oneof(
      fc.record({ action: fc.constantFrom('approve', 'deny', 'invite', 'mute', 'moveToAudience', 'remove', 'makeCohost', 'removeCohost'), userId }),
      fc.record({
        action: fc.constantFrom(
          'requestToSpeak',
          'cancelRequest',
          'acceptInvite',
          'declineInvite',
          'muteAll',
          'leaveStage',
          'end',
          'setRecording',
          'setGuestComments',
          'setCamera',
          'setMicMuted',
          'deleteComment',
        ),
      }),
      fc.jsonValue(),
    );
    const message = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({ type: fc.constant('answer'), sdp: fc.oneof(fc.string(), mutatedLines(CLIENT_ANSWER)), rid: fc.string({ maxLength: 8 }) })
        .map((m) => JSON.stringify(m)),
      fc
        .record({
          type: fc.constant('candidate'),
          candidate: fc.oneof(fc.string(), mutatedLines(TRICKLE_FRAGMENT)),
          mid: fc.constantFrom('mic', 'a0', 'zz', ''),
        })
        .map((m) => JSON.stringify(m)),
      fc.record({ type: fc.constant('action'), rid: fc.string({ maxLength: 8 }), body: action }).map((m) => JSON.stringify(m)),
      fc
        .record({
          type: fc.constantFrom('join', 'pin', 'setTier', 'renegotiate', 'comment', 'react', 'ping', 'setName'),
          rid: fc.string({ maxLength: 8 }),
          spaceId: fc.string(),
          userId: fc.oneof(userId, fc.constant(null)),
          tier: fc.string(),
          text: fc.string({ unit: 'binary', maxLength: 300 }),
          name: fc.string({ unit: 'binary', maxLength: 40 }),
          emoji: fc.string(),
        })
        .map((m) => JSON.stringify(m)),
    );
    const frames = fc.sample(message, { numRuns: FRAMES, seed: 42 });
    const before = JSON.stringify(host.state.space!.stage);

    // A guest of its own, on a raw socket: what a hostile client would do.
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws');
    const answers: string[] = [];
    ws.on('message', (data) => answers.push(String(data)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'join', rid: 'join', spaceId }));
    await waitFor(() => answers.some((a) => a.includes('"welcome"')), 5000, 'welcome');
    for (const f of frames) ws.send(f);
    ws.send(JSON.stringify({ type: 'ping', rid: 'last' }));
    await waitFor(() => answers.some((a) => a.includes('"rid":"last"')), 30_000, 'the last answer');
    const errors = answers.filter((a) => a.includes('"type":"error"'));
    assert.ok(errors.length > 0, 'bad frames were answered with errors');
    assert.ok(!answers.some((a) => a.includes('"code":"internal"')), 'no frame caused an internal error');
    ws.close();

    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; workers: Array<{ restarts: number }> };
    assert.equal(health.status, 'ok');
    assert.ok(
      health.workers.every((w) => w.restarts === 0),
      'no worker died',
    );
    assert.equal(JSON.stringify(host.state.space!.stage), before, 'the stage is as the host left it');
    assert.equal(host.state.space!.state, 'live');
  });
});

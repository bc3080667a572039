// Small things an operator meets, each seen for real: a malformed ICE candidate gets a clear
// error and at most one warn line per connection (never an error with a stack); a WHIP PATCH
// with a garbage candidate is a 400; the media workers' logs are in the main JSON log; the
// data directory and the database are private to the service's user.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import nodeDataChannel from 'node-datachannel';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, waitFor } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';

describe('input hygiene and operations', () => {
  let server: RunningServer & { dataDir: string };
  const log: string[] = [];
  let spaceId: string;
  let hostToken: string;

  before(async () => {
    server = await startTestServer({}, {}, { log });
    const host = await account(server);
    hostToken = host.token!;
    spaceId = (await host.createSpace('Hygiene')).id;
  });

  after(async () => {
    await server?.close();
  });

  const lines = () => log.map((l) => JSON.parse(l) as { level: number; msg: string; worker?: string; err?: { stack?: string } });

  it('malformed ICE candidates: a clear error each, one warn line for the connection, no error-level log', async () => {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws');
    const answers: Array<{ type: string; code?: string; message?: string }> = [];
    ws.on('message', (d) => answers.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'join', rid: 'join', spaceId }));
    await waitFor(() => answers.some((a) => a.type === 'welcome'), 5000, 'welcome');
    const before = log.length;
    const garbage = [
      'candidate:',
      'candidate:x 1 udp 1 1.2.3.4 99999 typ host',
      'hello',
      'candidate:1 1 udp 2122260223 not_an_address 5000 typ host',
      'candidate:1 1 sctp 1 1.2.3.4 5 typ host',
      'a=candidate:1 1 udp 1 1.2.3.4 5 typ gateway',
    ];
    for (const candidate of garbage) ws.send(JSON.stringify({ type: 'candidate', candidate, mid: 'mic' }));
    ws.send(JSON.stringify({ type: 'ping', rid: 'done' }));
    await waitFor(() => answers.some((a) => a.type === 'pong'), 5000, 'the pong');
    const errors = answers.filter((a) => a.type === 'error');
    assert.equal(errors.length, garbage.length, 'every bad candidate is answered');
    for (const e of errors) {
      assert.equal(e.code, 'invalid_sdp');
      assert.match(e.message ?? '', /candidate/, 'the message says what was wrong');
    }
    await new Promise((r) => setTimeout(r, 200));
    const mine = lines().slice(before);
    assert.equal(mine.filter((l) => l.level === 40).length, 1, 'one warn line for the connection');
    assert.equal(mine.filter((l) => l.level >= 50).length, 0, 'no error-level line');
    assert.ok(
      mine.every((l) => !l.err?.stack),
      'no stack trace',
    );
    ws.close();
  });

  it('a WHIP PATCH with a garbage candidate is a 400, and a good one is taken', async () => {
    const issued = (await (
      await fetch(`${server.url}/api/spaces/${spaceId}/stream-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hostToken}`, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { key: string };
    // A real offer from a real (node-datachannel) peer, as an encoder would make it.
    const pc = new nodeDataChannel.PeerConnection('whip-test', { iceServers: [], disableAutoNegotiation: true });
    const audio = new nodeDataChannel.Audio('0', 'SendOnly');
    audio.addOpusCodec(111);
    audio.addSSRC(1234, 'enc');
    const track = pc.addTrack(audio);
    track.onClosed(() => undefined);
    pc.setLocalDescription('offer');
    await waitFor(() => pc.gatheringState() === 'complete', 5000, 'gathered');
    const offer = pc.localDescription()!.sdp;
    const res = await fetch(`${server.url}/whip/${spaceId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/sdp' },
      body: offer,
    });
    assert.equal(res.status, 201, await res.clone().text());
    const location = res.headers.get('location')!;
    const patch = (body: string) =>
      fetch(server.url + location, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/trickle-ice-sdpfrag' },
        body,
      });
    const bad = await patch('a=mid:0\r\na=candidate:this is not a candidate\r\n');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'invalid_sdp');
    const good = await patch('a=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n');
    assert.equal(good.status, 204);
    await fetch(server.url + location, { method: 'DELETE', headers: { authorization: `Bearer ${issued.key}` } });
    track.close();
    pc.close();
  });

  it("the media workers' and the codec worker's own log lines are in the main JSON log", () => {
    const workers = new Set(
      lines()
        .filter((l) => l.worker)
        .map((l) => l.worker),
    );
    assert.ok(workers.has('media-0') && workers.has('codec'), `workers seen in the log: ${[...workers].join(', ')}`);
    assert.ok(
      lines().some((l) => l.worker === 'media-0' && l.msg === 'media worker listening'),
      "the worker's own line, as it wrote it",
    );
  });

  it('the data directory and the database files are private to the service user', () => {
    assert.equal(statSync(server.dataDir).mode & 0o777, 0o700);
    for (const f of ['spaces.db', 'spaces.db-wal', 'jwt-secret']) {
      assert.equal(statSync(join(server.dataDir, f)).mode & 0o077, 0, `${f} is readable by nobody else`);
    }
  });
});

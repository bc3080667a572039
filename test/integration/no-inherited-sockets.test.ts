// Regression for a crash any guest could cause: ffmpeg (the HLS encoder, and the H.264
// transcoder) inherited the media process's ICE mux socket. Once every PeerConnection of that
// process had closed, the port was still bound by ffmpeg's copy, the next PeerConnection could
// not gather, and libdatachannel aborted the process. Both ways it was reproduced, with one and
// with two media workers: the server keeps serving, no worker restarts, and no encoder holds a
// socket on the media ports.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { childrenOf, commandOf, socketInodes, udpInodesOnPorts } from '../helpers/processes.js';
import type { RunningServer } from '../../src/server.js';

for (const workers of [1, 2]) {
  describe(`no media socket in any encoder (${workers} media worker${workers > 1 ? 's' : ''})`, () => {
    let server: RunningServer;
    const opened: TestParticipant[] = [];
    const mediaPorts = () => Array.from({ length: workers }, (_, i) => server.mediaPort + i);
    const ffmpegs = () => childrenOf(server.codec.pid!).filter((pid) => commandOf(pid) === 'ffmpeg');

    before(async () => {
      server = await startTestServer({ mediaWorkers: workers });
    });

    after(async () => {
      for (const p of opened) p.close();
      await server?.close();
    });

    const join = async (spaceId: string, opts: Parameters<typeof joinSpace>[2]) => {
      const p = await joinSpace(server, spaceId, opts);
      opened.push(p);
      return p;
    };

    const assertEncodersHoldNoMediaSocket = () => {
      const media = udpInodesOnPorts(mediaPorts());
      assert.ok(media.size > 0, 'the media ports are bound (by the media workers)');
      const encoders = ffmpegs();
      assert.ok(encoders.length > 0, 'an encoder is running');
      for (const pid of encoders) {
        const held = [...socketInodes(pid)].filter((inode) => media.has(inode));
        assert.deepEqual(held, [], `ffmpeg ${pid} holds a media socket`);
      }
      for (let i = 0; i < workers; i++) assert.deepEqual(childrenOf(server.media.pidOf(i)!), [], 'media workers spawn nothing');
    };

    const assertNoRestarts = () => {
      for (const w of [...server.media.status(), server.codec.status()]) {
        assert.equal(w.up, true, `${w.name} up`);
        assert.equal(w.restarts, 0, `${w.name} never restarted`);
      }
    };

    it('two guests join, one turns on Low data mode, both leave, and a third joins and connects', async () => {
      const hostApi = await account(server);
      const spaceId = (await hostApi.createSpace('Low data')).id;
      const g1 = await join(spaceId, { guest: true, canPublish: false });
      const g2 = await join(spaceId, { guest: true, canPublish: false });
      await waitFor(() => g1.peer.state === 'connected' && g2.peer.state === 'connected', 20_000, 'guests connected');
      await g1.signalling.setTier('hls');
      await waitFor(() => ffmpegs().length > 0, 20_000, 'the HLS encoder');
      assertEncodersHoldNoMediaSocket();
      for (const g of [g1, g2]) {
        await g.signalling.leave();
        g.peer.close();
      }
      const g3 = await join(spaceId, { guest: true, canPublish: false });
      await waitFor(() => g3.peer.state === 'connected', 20_000, 'the third guest connected');
      assertNoRestarts();
    });

    it('a host alone turns Record on, reloads, and connects again', async () => {
      const hostApi = await account(server);
      const spaceId = (await hostApi.createSpace('Recorded alone')).id;
      const before = ffmpegs().length;
      const host = await join(spaceId, { api: hostApi });
      await waitFor(() => host.peer.state === 'connected', 20_000, 'host connected');
      await host.signalling.act({ action: 'setRecording', on: true });
      await waitFor(() => ffmpegs().length > before, 20_000, 'the recording encoder');
      assertEncodersHoldNoMediaSocket();
      // A reload: the page's connection and PeerConnection go, a new page joins.
      host.close();
      const again = await join(spaceId, { api: hostApi });
      await waitFor(() => again.peer.state === 'connected', 20_000, 'host connected again');
      assert.equal(again.state.you?.role, 'host');
      assertNoRestarts();
    });
  });
}

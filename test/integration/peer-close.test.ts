// Closing a peer must close each of its tracks, not only the PeerConnection: node-datachannel
// keeps a track's callbacks (one libuv async handle each, walked on every event-loop wake-up)
// until the track itself is closed, and a callback that refers back to its peer keeps the track
// from ever being collected. A closed track's wrapper refuses mid(): that is how we see it.
import { pino } from 'pino';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeDataChannel, { type Track } from 'node-datachannel';
import { Peer } from '../../src/media/transport/peer.js';
import { closePeerConnection, tracksClosing } from '../../src/media/transport/peer-connection.js';
import { createCounters } from '../../src/media/counters.js';
import type { TransportConfig } from '../../src/media/transport/transport-config.js';
import { IGNORED_PEER_EVENTS } from '../helpers/peer-events.js';

const transport: TransportConfig = { udpPort: 47000 + Math.floor(Math.random() * 2000), bindAddress: '127.0.0.1', iceServers: [] };
const isClosed = (track: Track) => {
  try {
    track.mid();
    return false;
  } catch {
    return true;
  }
};

describe('closing peers', () => {
  it('closePeerConnection closes every track and forgets them', () => {
    const pc = new nodeDataChannel.PeerConnection('t', { iceServers: [] });
    const tracks: Track[] = [];
    for (let i = 0; i < 3; i++) {
      const audio = new nodeDataChannel.Audio(`a${i}`, 'SendOnly');
      audio.addOpusCodec(111);
      const track = pc.addTrack(audio);
      track.onMessage(() => tracks.length);
      tracks.push(track);
    }
    const kept = [...tracks];
    assert.ok(kept.every((t) => !isClosed(t)));
    closePeerConnection(pc, tracks);
    assert.equal(tracks.length, 0);
    assert.ok(kept.every(isClosed), 'every track closed');
    closePeerConnection(pc, kept); // closing twice is harmless
  });

  it('a server peer closes all its tracks: microphone, cameras, stage video and audio slots', () => {
    const peer = new Peer('listener', transport, createCounters(), IGNORED_PEER_EVENTS, 3, pino({ level: 'silent' }));
    peer.acceptMedia();
    const tracks = [...peer['tracks']];
    assert.equal(tracks.length, 1 + 2 + 1 + 3);
    peer.close();
    assert.ok(tracks.every(isClosed), `${tracks.filter((t) => !isClosed(t)).length} tracks left open`);
    assert.equal(peer.isClosed, true);
  });

  it("a closed peer's tracks are held until the binding says they are closed, then let go", async () => {
    // Let go before that, a track could be collected while the binding still counted it, and
    // its cleanup() crashed the process (SIGSEGV in TrackWrapper::CleanupAll).
    const before = tracksClosing();
    const peer = new Peer('held', transport, createCounters(), IGNORED_PEER_EVENTS, 3, pino({ level: 'silent' }));
    peer.close();
    assert.equal(tracksClosing(), before + 7, 'held right after close');
    const start = Date.now();
    while (tracksClosing() > before) {
      assert.ok(Date.now() - start < 10_000, `${tracksClosing() - before} tracks never reported closed`);
      await new Promise((r) => setTimeout(r, 10));
    }
  });
});

// What the HLS encoder's video input gets: camera frames or the card, and never a camera inter
// frame on top of the card (ffmpeg would decode it against the card and show garbage until the
// camera's next keyframe, which a WebRTC sender only sends when asked).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAMERA_STALL_MS, CARD_INTERVAL_MS, NO_CAMERA_CARD_MS, VideoFeed } from '../../../src/egress/video-feed.js';

/** A model of the decoder behind the pipe: what its reference frame is, and whether each written frame decodes cleanly. */
class DecoderModel {
  reference: 'none' | 'card' | 'camera' = 'none';
  garbage = 0;
  written: string[] = [];
  card(): void {
    this.reference = 'card';
    this.written.push('card');
  }
  camera(keyframe: boolean): void {
    if (!keyframe && this.reference !== 'camera') this.garbage++;
    this.reference = 'camera';
    this.written.push(keyframe ? 'K' : 'p');
  }
}

/** Drives a feed the way LiveEncoder does: a tick every 20 ms, camera frames when given. */
function harness() {
  const feed = new VideoFeed();
  const decoder = new DecoderModel();
  let keyframeRequests = 0;
  let now = 0;
  const tick = () => {
    if (feed.cardDue(now)) decoder.card();
  };
  const frame = (keyframe: boolean, writeOk = true) => {
    const verdict = feed.camera(keyframe, now);
    if (verdict === 'need-keyframe') keyframeRequests++;
    if (verdict !== 'write') return verdict;
    if (writeOk) decoder.camera(keyframe);
    feed.written(writeOk);
    return verdict;
  };
  /** Advances the clock by `ms`, ticking every 20 ms, with a camera frame every 33 ms when `fps`. */
  const run = (ms: number, fps = false) => {
    const end = now + ms;
    let nextFrame = now;
    while (now < end) {
      if (fps && now >= nextFrame) {
        frame(false);
        nextFrame += 33;
      }
      tick();
      now += 20;
    }
  };
  return { feed, decoder, frame, tick, run, requests: () => keyframeRequests, at: () => now };
}

describe('VideoFeed', () => {
  it('shows the card while no camera is on, a few times a second', () => {
    const h = harness();
    h.run(2000);
    const cards = h.decoder.written.filter((w) => w === 'card').length;
    assert.ok(cards >= Math.floor(2000 / CARD_INTERVAL_MS) - 1 && cards <= Math.ceil(2000 / CARD_INTERVAL_MS), `${cards} cards in 2 s`);
    assert.equal(h.frame(true), 'drop', 'camera frames are dropped while no camera is shown');
  });

  it('a camera that starts at its keyframe replaces the card, and its inter frames follow', () => {
    const h = harness();
    h.run(500);
    h.feed.source('alice');
    assert.equal(h.frame(true), 'write');
    h.run(1000, true);
    assert.equal(h.decoder.garbage, 0);
    assert.deepEqual(h.decoder.written.slice(-5), ['p', 'p', 'p', 'p', 'p'], 'no card while the camera sends');
  });

  it('a camera that stalls freezes first, then the card comes, and the camera returns only at a keyframe', () => {
    const h = harness();
    h.feed.source('alice');
    h.frame(true);
    h.run(500, true);
    const before = h.decoder.written.length;
    h.run(CAMERA_STALL_MS - 40);
    assert.equal(h.decoder.written.length, before, 'a stall shorter than the threshold writes nothing: the picture freezes');
    h.run(400);
    assert.ok(h.decoder.written.slice(before).includes('card'), 'a longer stall brings the card');
    // The camera resumes with inter frames: they are held back and a keyframe is asked for.
    assert.equal(h.frame(false), 'need-keyframe');
    assert.equal(h.frame(false), 'need-keyframe');
    assert.equal(h.requests(), 2);
    h.run(400); // the card goes on meanwhile: held-back frames do not count as a live camera
    assert.equal(h.decoder.written.at(-1), 'card');
    assert.equal(h.frame(true), 'write');
    h.run(300, true);
    assert.equal(h.decoder.garbage, 0, 'no inter frame was decoded against the card');
  });

  it('a camera frame dropped on the way (full pipe) makes the next one wait for a keyframe', () => {
    const h = harness();
    h.feed.source('alice');
    h.frame(true);
    h.frame(false);
    h.frame(false, false);
    assert.equal(h.frame(false), 'need-keyframe');
    assert.equal(h.frame(true), 'write');
    assert.equal(h.frame(false), 'write');
  });

  it('switching to another camera, or to none, needs a keyframe again', () => {
    const h = harness();
    h.feed.source('alice');
    h.frame(true);
    h.feed.source('bob');
    assert.equal(h.frame(false), 'need-keyframe');
    assert.equal(h.frame(true), 'write');
    h.feed.source(null);
    assert.equal(h.frame(false), 'drop');
    h.run(NO_CAMERA_CARD_MS + 40);
    assert.equal(h.decoder.written.at(-1), 'card', 'the card comes soon after the camera goes off');
  });

  it('over a long run with random stalls, nothing written ever decodes against the wrong reference', () => {
    const h = harness();
    h.feed.source('alice');
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let pendingKeyframe = false;
    for (let i = 0; i < 3000; i++) {
      const before = h.requests();
      const stalled = rand() < 0.02;
      if (stalled) h.run(Math.floor(rand() * 2 * CAMERA_STALL_MS));
      h.frame(pendingKeyframe || rand() < 0.005);
      pendingKeyframe = h.requests() > before;
      h.run(33);
    }
    assert.ok(h.feed.cardsWritten > 0 && h.feed.cameraFramesHeldBack > 0, 'the run exercised stalls');
    assert.ok(h.feed.cameraFramesWritten > 2500);
    assert.equal(h.decoder.garbage, 0);
  });
});

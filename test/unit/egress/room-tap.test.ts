// The room tap's outlet (src/media/room/room-tap.ts): the stage-video slot sends RTP and RTCP to
// its outlet; a tap takes the RTP and drops the RTCP, and is always open. That no participant
// can take the tap's viewer id is checked at the entry point: test/integration/tap-viewer-id.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tapOutlet, type RoomTap } from '../../../src/media/room/room-tap.js';

describe('tapOutlet', () => {
  function tap() {
    const seen: Buffer[] = [];
    const t: RoomTap = {
      audio: () => assert.fail('no audio through the video outlet'),
      video: (b) => void seen.push(b),
      videoSource: () => assert.fail('not the outlet’s business'),
    };
    return { t, seen };
  }

  it('is always open', () => {
    const { t } = tap();
    assert.equal(tapOutlet(t).isOpen(), true);
  });

  it('passes RTP to the tap, the same buffer, and reports it sent', () => {
    const { t, seen } = tap();
    const out = tapOutlet(t);
    const rtp = Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x90, 0xe0, 0x80, 0x01, 0x10]);
    const marked = Buffer.from(rtp);
    marked[1] = 0x80 | 96; // marker bit set: 224, still RTP (payload type 96)
    assert.equal(out.sendMessageBinary(rtp), true);
    assert.equal(out.sendMessageBinary(marked), true);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], rtp);
    assert.equal(seen[1], marked);
  });

  it('drops RTCP (packet types 192..223) but reports it sent', () => {
    const { t, seen } = tap();
    const out = tapOutlet(t);
    for (const pt of [192, 200, 201, 205, 206, 223]) {
      assert.equal(out.sendMessageBinary(Buffer.from([0x81, pt, 0, 1, 0, 0, 0, 1])), true, `PT ${pt}`);
    }
    assert.equal(seen.length, 0);
    // 191 and 224 are outside the RTCP range: RTP with the marker bit (PT 63 and 96).
    out.sendMessageBinary(Buffer.from([0x80, 191, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]));
    out.sendMessageBinary(Buffer.from([0x80, 224, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]));
    assert.equal(seen.length, 2);
  });
});

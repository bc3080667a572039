// Who is talking, and how loud, for the speaking indicators: sampled from the publishers'
// voice gates every tick. While anyone talks every tick is reported (the rings follow the
// level); when the set of talkers empties, that is reported once.
import type { AudioPublisher } from '../forwarding/audio-publisher.js';
import type { SpeakingLevel } from './room-handle.js';

export class SpeakingLevels {
  private lastKey = '';

  /** The levels to send now, or null when there is nothing new to say. */
  collect(publishers: Iterable<AudioPublisher>, nowMs: number): SpeakingLevel[] | null {
    const levels: SpeakingLevel[] = [];
    for (const pub of publishers) {
      pub.voice.expire(nowMs);
      const level = pub.voice.takeLevel();
      if (pub.live && pub.voice.open) levels.push({ id: pub.id, level: Math.round(level * 100) / 100 });
    }
    const key = levels.map((l) => l.id).join(',');
    if (levels.length === 0 && key === this.lastKey) return null;
    this.lastKey = key;
    return levels;
  }
}

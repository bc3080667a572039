// Whether a recording's video shows the plain card the encoder draws while nobody on stage has
// a camera on (src/egress/idle-card.ts). The recording keeps no list of its camera stretches,
// so the replay looks at the picture: a frame that is that one colour edge to edge is the card.
import { useEffect, useState, type RefObject } from 'react';
import { IDLE_CARD_RGB } from '../../../src/egress/idle-card.js';

/** Per channel: H.264's colour conversion moves a flat colour by a few steps. */
const TOLERANCE = 12;
const W = 16;
const H = 9;

export function useShowsIdleCard(media: RefObject<HTMLVideoElement | null>, enabled: boolean): boolean {
  const [card, setCard] = useState(false);
  useEffect(() => {
    const video = media.current;
    setCard(false);
    if (!enabled || !video) return;
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    const check = () => {
      if (video.videoWidth === 0 || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) return;
      let data: Uint8ClampedArray;
      try {
        ctx.drawImage(video, 0, 0, W, H);
        data = ctx.getImageData(0, 0, W, H).data;
      } catch {
        return;
      }
      let flat = true;
      for (let i = 0; i < data.length && flat; i += 4) {
        for (let k = 0; k < 3; k++) if (Math.abs(data[i + k]! - IDLE_CARD_RGB[k]!) > TOLERANCE) flat = false;
      }
      setCard(flat);
    };
    // timeupdate comes a few times a second while playing; the others after a jump or a load.
    const events = ['timeupdate', 'seeked', 'loadeddata', 'playing'] as const;
    for (const e of events) video.addEventListener(e, check);
    check();
    return () => {
      for (const e of events) video.removeEventListener(e, check);
    };
  }, [media, enabled]);
  return card;
}

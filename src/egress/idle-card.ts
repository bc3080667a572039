// The colour of the card the HLS video shows (and recordings keep) while nobody on stage has a
// camera on. Apart from idle-frame.ts, which draws it, the web app's replay reads it: it knows a
// no-camera stretch of a recording by this colour and shows the speaker's avatar over it.
export const IDLE_CARD_RGB = [0x15, 0x20, 0x2b] as const;

/** The same colour as ffmpeg's lavfi `color=c=` takes it. */
export const IDLE_CARD_COLOR = `0x${IDLE_CARD_RGB.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

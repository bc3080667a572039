// The HLS tier's sound and picture: one <video> playing the Space's HLS stream (the mix of
// everyone on stage, and the active speaker's camera). It always plays its sound; the stage
// video decides whether its picture is worth showing. While the stream starts (the server's
// encoder needs a moment after a switch) a small status says so instead of a black box.
// It also reports how far behind real time the sound is, so the page can show who talks when
// they are heard rather than seconds before.
import { useEffect, useRef } from 'react';
import { useHls } from '../state/useHls.js';
import { TapToListen } from './TapToListen.js';

interface Props {
  url: string;
  /** The audio-only playlist (Low data mode): the element only plays sound. */
  audioOnly?: boolean;
  /** Whether the stream plays now (its picture can be shown). */
  onPlaying(playing: boolean): void;
  /** How far behind real time the sound is, in ms, about once a second while it plays. */
  onDelay?(ms: number): void;
}

/** Steps of the reported delay: finer would only re-render the page for nothing. */
const DELAY_STEP_MS = 250;
const MAX_DELAY_MS = 15_000;

export function HlsStageMedia({ url, audioOnly = false, onPlaying, onDelay }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const { status, resume, player } = useHls(video, url, true, true, audioOnly);
  const playing = status === 'playing';
  useEffect(() => {
    onPlaying(playing);
    return () => onPlaying(false);
  }, [playing, onPlaying]);

  useEffect(() => {
    if (!playing || !onDelay) return;
    const report = () => {
      const ms = player.current?.delayMs;
      if (ms != null) onDelay(Math.min(MAX_DELAY_MS, Math.round(ms / DELAY_STEP_MS) * DELAY_STEP_MS));
    };
    report();
    const timer = window.setInterval(report, 1000);
    return () => window.clearInterval(timer);
  }, [playing, onDelay, player]);

  let note: string | null = null;
  if (status === 'loading') note = audioOnly ? 'Connecting to the audio…' : 'Connecting to the broadcast…';
  else if (status === 'waiting') note = 'Catching up…';
  else if (status === 'unsupported') note = "This browser can't play the broadcast";

  return (
    <>
      <video ref={video} className="stage-video-media" playsInline data-hls-player="" data-audio-only={audioOnly ? 'true' : undefined} />
      {note && (
        <span className="stage-video-status" role="status">
          {status !== 'unsupported' && <span className="spinner" aria-hidden="true" />}
          {note}
        </span>
      )}
      {status === 'blocked' && <TapToListen onTap={resume} />}
    </>
  );
}

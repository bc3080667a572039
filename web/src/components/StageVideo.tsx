// The stage video: one large 16:9 video for the whole Space. The server switches which camera
// this viewer's single video slot carries (the active speaker's, or whoever the viewer
// pinned) and says so with `stageVideo`; we show exactly that. While the slot carries
// nothing (the person has their camera off), we show that person's avatar instead of a
// frozen frame. Your own camera preview floats in a corner while your camera is on. With no
// camera on at all there is nothing to show: the box folds away (the stage marks who talks).
// On the HLS tier the picture comes from the HLS stream instead (it also carries the sound);
// it is shown while someone on stage has a camera on, and there is no pinning (the broadcast
// is the same for everyone). In Low data mode the HLS stream is the audio-only playlist, so we
// show the speaker's avatar as on an audio-only stage. A broadcast's video is always 16:9, the
// first and largest thing on its page. Reactions float over it (`children`).
import { useEffect, useRef, useState, type CSSProperties, type ReactNode, type RefObject } from 'react';
import type { PersonView } from '../../../src/protocol/messages.js';
import { hueFor } from '../lib/identity.js';
import { Avatar } from './Avatar.js';
import { HlsStageMedia } from './HlsStageMedia.js';
import { CameraIcon, CameraOffIcon, LowDataIcon, PinIcon, UnpinIcon } from './Icons.js';

interface Props {
  /** The remote stage-video track (mid "v0"), once the peer connection has it. */
  track: MediaStreamTrack | null;
  /** The HLS stream to play instead (HLS tier, and a handover from it); null on WebRTC. */
  hlsUrl?: string | null;
  /** How far the HLS sound runs behind real time (ms), as it is measured. */
  onHlsDelay?(ms: number): void;
  /** The HLS stream is audio only (Low data mode): no picture to show. */
  hlsAudioOnly?: boolean;
  /** A broadcast: always the full 16:9 picture, even before the camera is on. */
  broadcast?: boolean;
  /** Drawn over the picture (floating reactions). */
  children?: ReactNode;
  /** Whose camera the slot carries now, from the server (null: nobody's). */
  showing: string | null;
  /** The camera layer the slot carries ('low' on a poor link). */
  layer?: 'high' | 'low';
  /** Whom this viewer pinned (null: following the active speaker). */
  pinnedId: string | null;
  activeSpeaker: string | null;
  /** People on stage. */
  people: PersonView[];
  you: PersonView | null;
  speaking: ReadonlyMap<string, number>;
  /** Your own camera, while it is on. */
  preview: MediaStreamTrack | null;
  onPin(userId: string | null): void;
}

export function StageVideo(props: Props) {
  const {
    track,
    hlsUrl = null,
    onHlsDelay,
    hlsAudioOnly = false,
    broadcast = false,
    children,
    showing,
    layer = 'high',
    pinnedId,
    activeSpeaker,
    people,
    you,
    speaking,
    preview,
    onPin,
  } = props;
  const video = useRef<HTMLVideoElement>(null);
  const hls = hlsUrl !== null;
  const ready = useFirstFrame(video, hls ? null : track, showing);
  const [hlsPlaying, setHlsPlaying] = useState(false);
  const byId = (id: string | null) => (id === null ? undefined : people.find((p) => p.userId === id));

  // The picture is up once the slot carries someone and their first frame has arrived; on HLS,
  // once the stream plays and carries a camera (with none on, it carries a placeholder card).
  const playing = hls ? !hlsAudioOnly && hlsPlaying && people.some((p) => p.camera) : showing !== null && ready;
  // Before anyone has spoken the server shows the first camera that is on; so do we.
  const firstCamera = people.find((p) => p.camera);
  const onScreen = playing ? (hls ? (byId(activeSpeaker) ?? firstCamera) : byId(showing)) : undefined;
  // With nothing on screen: the pinned person (their camera is off), else the active speaker,
  // else whoever has a camera on (a broadcast's host before they speak).
  // (Pins do nothing for the HLS broadcast, which follows the active speaker.)
  const pin = hls ? null : pinnedId;
  const fallback = playing ? undefined : (byId(pin ?? activeSpeaker) ?? firstCamera ?? (broadcast ? people.find((p) => p.role === 'host') : undefined));
  const person = onScreen ?? fallback;
  const pinnedPerson = byId(pinnedId);
  const level = person && !person.muted ? speaking.get(person.userId) : undefined;
  const isYou = person !== undefined && person.userId === you?.userId;
  // Everyone is looking at you and there is nobody else to show you: your own camera, large.
  const selfLarge = preview !== null && !playing && isYou;

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) el.play().catch(() => undefined);
  }, [track]);

  // Nobody on stage has a camera on (or Low data mode): no picture, and the stage itself shows
  // who talks, so no second, larger copy of their avatar above it. The section stays mounted,
  // out of the way, for the media it holds (the HLS sound, the WebRTC video slot) and the HLS
  // player's status. A broadcast keeps its 16:9 screen whatever happens.
  const lowData = hls && hlsAudioOnly;
  const audioOnly = !broadcast && ((showing === null && !people.some((p) => p.camera)) || lowData);
  let note = '';
  if (lowData) note = people.some((p) => p.camera) ? 'Audio only in Low data mode' : '';
  else if (fallback && !audioOnly) {
    if (fallback.userId === you?.userId) note = fallback.camera ? 'Everyone sees your camera' : 'Your camera is off';
    else note = fallback.camera ? 'Starting video…' : 'Camera off';
  }

  return (
    <div className={`stage-video-wrap${audioOnly ? ' is-audio-only' : ''}`}>
      <section
        className={`stage-video${playing ? ' is-playing' : ''}${audioOnly ? ' is-audio-only' : ''}`}
        aria-label="Stage video"
        data-showing={showing ?? ''}
        data-tier={hls ? 'hls' : 'webrtc'}
        data-audio-only={lowData ? 'true' : undefined}
        data-layer={showing ? layer : undefined}
        data-pinned={pinnedId ? 'true' : undefined}
        style={{ '--hue': person ? hueFor(person.handle) : 255 } as CSSProperties}
      >
        {/* Kept mounted on HLS too, so the WebRTC track is in place the moment HLS hands over. */}
        <video ref={video} className="stage-video-media" autoPlay playsInline muted hidden={hls} aria-hidden={playing ? undefined : true} data-stage-video="" />
        {hlsUrl !== null && <HlsStageMedia key={hlsUrl} url={hlsUrl} audioOnly={hlsAudioOnly} onPlaying={setHlsPlaying} onDelay={onHlsDelay} />}
        {!playing && !audioOnly && (
          <div className="stage-video-empty">
            {person ? (
              <>
                <Avatar handle={person.handle} size="xl" level={level} dim={!person.connected} />
                {note && (
                  <span className="stage-video-empty-note">
                    {lowData ? <LowDataIcon size={15} /> : fallback?.camera ? <CameraIcon size={15} /> : <CameraOffIcon size={15} />}
                    {note}
                  </span>
                )}
              </>
            ) : (
              <span className="stage-video-empty-note stage-video-quiet">
                {broadcast ? 'The broadcast starts in a moment' : 'Video of whoever speaks shows up here'}
              </span>
            )}
          </div>
        )}
        {person && !audioOnly && (
          <div className="stage-video-caption">
            {level !== undefined && (
              <span className="active-bars" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
            )}
            <span className="stage-video-name">{person.handle}</span>
            {isYou && <span className="stage-video-tag">You</span>}
            {pin && person.userId === pin && <span className="stage-video-tag">Pinned</span>}
          </div>
        )}
        {!hls && !audioOnly && <PinChip pinned={pinnedPerson ?? (pinnedId ? null : undefined)} onScreen={isYou ? undefined : onScreen} onPin={onPin} />}
      </section>
      {preview && <SelfPreview track={preview} large={selfLarge} handle={you?.handle ?? ''} />}
      {children}
    </div>
  );
}

/**
 * Unpin while a pin holds the video (`pinned`: that person, or null if they are gone), else a
 * Pin for whoever is on screen.
 */
function PinChip({ pinned, onScreen, onPin }: { pinned: PersonView | null | undefined; onScreen: PersonView | undefined; onPin(userId: string | null): void }) {
  return (
    <div className="stage-video-actions">
      {pinned !== undefined ? (
        <button
          type="button"
          className="video-chip"
          onClick={() => onPin(null)}
          title={pinned ? `Stop holding ${pinned.handle} on screen` : 'Follow the active speaker again'}
        >
          <UnpinIcon size={16} />
          <span>Unpin</span>
        </button>
      ) : (
        onScreen && (
          <button
            type="button"
            className="video-chip video-chip-subtle"
            onClick={() => onPin(onScreen.userId)}
            aria-label={`Pin ${onScreen.handle}`}
            title={`Keep ${onScreen.handle} on screen`}
          >
            <PinIcon size={16} />
            <span>Pin</span>
          </button>
        )
      )}
    </div>
  );
}

/**
 * Your own camera, mirrored like a mirror: in a corner of the stage video, or filling it
 * while you are the one everybody sees.
 */
function SelfPreview({ track, large, handle }: { track: MediaStreamTrack; large: boolean; handle: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => undefined);
    return () => {
      el.srcObject = null;
    };
  }, [track]);
  return (
    <figure className={`self-preview${large ? ' is-large' : ''}`}>
      <video ref={ref} autoPlay playsInline muted aria-label="Your camera preview" />
      {large ? (
        <figcaption className="stage-video-caption">
          <span className="stage-video-name">{handle}</span>
          <span className="stage-video-tag">You</span>
        </figcaption>
      ) : (
        <figcaption>You</figcaption>
      )}
    </figure>
  );
}

/**
 * Whether the <video> has a picture of the current source. After the slot carried nothing,
 * its last frame is stale (whoever was on before), so we wait for the next frame before
 * revealing it; a switch from one person straight to another needs no wait.
 */
function useFirstFrame(video: RefObject<HTMLVideoElement | null>, track: MediaStreamTrack | null, showing: string | null): boolean {
  const [ready, setReady] = useState(false);
  const empty = showing === null;
  useEffect(() => {
    setReady(false);
  }, [track, empty]);
  useEffect(() => {
    const el = video.current;
    if (empty || ready || !el || !track) return;
    let done = false;
    const reveal = () => {
      if (done) return;
      done = true;
      setReady(true);
    };
    let handle = -1;
    const media: HTMLVideoElement = el;
    if (typeof media.requestVideoFrameCallback === 'function') handle = media.requestVideoFrameCallback(reveal);
    else media.addEventListener('timeupdate', reveal, { once: true });
    // Never hold the picture back for long, whatever the browser reports.
    const timer = window.setTimeout(reveal, 1200);
    return () => {
      done = true;
      window.clearTimeout(timer);
      if (handle >= 0) media.cancelVideoFrameCallback(handle);
      media.removeEventListener('timeupdate', reveal);
    };
  }, [video, track, empty, ready]);
  return ready && !empty;
}

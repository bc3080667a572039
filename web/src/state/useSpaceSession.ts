// The live session of one Space: owns the SignallingClient and the MediaSession, plays remote
// audio, drives the microphone and the camera, hands over the stage video track, and exposes
// the latest authoritative state from the server.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Action, PersonView, SpaceSnapshot, SpaceSummary } from '../../../src/protocol/messages.js';
import type { ApiClient } from '../../../src/sdk/api.js';
import { MediaSession, STAGE_VIDEO_MID } from '../../../src/sdk/media-session.js';
import {
  SignallingClient,
  type ConnectionStatus,
  type WebSocketLike,
} from '../../../src/sdk/signalling.js';
import { errorCode, errorText } from '../lib/errors.js';
import { getGuestId } from '../lib/guest.js';
import { isOnStage } from '../lib/permissions.js';
import { CameraController, type CameraState } from './camera.js';
import { MicController, type MicState } from './microphone.js';
import { RemoteAudio } from './remoteAudio.js';
import { fetchSpace } from './spaceInfo.js';

export type SessionPhase =
  | 'connecting'
  | 'live'
  | 'scheduled'
  | 'ended'
  | 'removed'
  | 'notFound'
  | 'failed'
  /** The same account joined from another tab or device, which took over. */
  | 'replaced';

/** Close codes the server uses: a newer connection of the same person took over; removed. */
const REPLACED_CLOSE_CODE = 4000;
const REMOVED_CLOSE_CODE = 4001;
const ENDED_CLOSE_REASON = 'space ended';

/** Why a socket closed for good, when the close itself says so. */
function terminalClose(ev: CloseEvent): SessionPhase | null {
  if (ev.code === REPLACED_CLOSE_CODE) return 'replaced';
  if (ev.code === REMOVED_CLOSE_CODE) return 'removed';
  if (ev.reason === ENDED_CLOSE_REASON) return 'ended';
  return null;
}

/** The phase a refused join leads to. */
function phaseForJoinError(code: string | null): SessionPhase {
  if (code === 'space_not_found') return 'notFound';
  if (code === 'space_ended') return 'ended';
  if (code === 'banned') return 'removed';
  if (code === 'space_not_live') return 'scheduled';
  return 'failed';
}

export interface Me {
  userId: string;
  handle: string;
  guest: boolean;
}

/** What this viewer's stage-video slot carries, as the server last said. */
export interface StageVideoState {
  /** Whose camera is on screen (null: nobody's; show the active speaker's avatar instead). */
  userId: string | null;
  pinned: boolean;
  /** Which of the camera's layers the server sends us (it picks the low one on a poor link). */
  layer: 'high' | 'low';
}

export interface SpaceSession {
  phase: SessionPhase;
  status: ConnectionStatus;
  /** The latest snapshot from a 'state' message (live or scheduled Space). */
  space: SpaceSnapshot | null;
  /** For a scheduled Space the server would not let us join: its summary over REST. */
  summary: SpaceSummary | null;
  you: PersonView | null;
  me: Me | null;
  invited: boolean;
  /** userId → loudness 0..1 of everyone talking right now. */
  speaking: ReadonlyMap<string, number>;
  failure: string | null;
  audioBlocked: boolean;
  mic: MicState;
  /** The dominant speaker, from the server's detector. */
  activeSpeaker: string | null;
  stageVideo: StageVideoState;
  /** The remote stage-video track (mid "v0"); one for the whole Space. */
  stageTrack: MediaStreamTrack | null;
  /** Whom this viewer pinned (null: the stage video follows the active speaker). */
  pinnedId: string | null;
  camera: CameraState;
  /** Your own camera while it is on, for the preview. */
  cameraTrack: MediaStreamTrack | null;
  setCamera(on: boolean): void;
  /** Holds the stage video on a person (null: follow the active speaker). Resolves true on success. */
  pin(userId: string | null): Promise<boolean>;
  /** Sends an action; errors become a toast. Resolves true when the server accepted it. */
  act(action: Action): Promise<boolean>;
  leave(): Promise<void>;
  resumeAudio(): void;
  retryMic(): void;
  /** Connects again from scratch (after a drop, or when a scheduled Space goes live). */
  reconnect(): void;
}

interface Options {
  spaceId: string;
  token: string | null;
  api: ApiClient;
  notify(text: string, kind?: 'info' | 'error' | 'success'): void;
}

interface View {
  phase: SessionPhase;
  space: SpaceSnapshot | null;
  summary: SpaceSummary | null;
  you: PersonView | null;
  invited: boolean;
  failure: string | null;
}

const EMPTY_SPEAKING: ReadonlyMap<string, number> = new Map();
const NO_STAGE_VIDEO: StageVideoState = { userId: null, pinned: false, layer: 'high' };
const INITIAL: View = { phase: 'connecting', space: null, summary: null, you: null, invited: false, failure: null };

function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

function sameSpeaking(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (Math.abs((b.get(k) ?? -1) - v) > 0.02) return false;
  return true;
}

export function useSpaceSession({ spaceId, token, api, notify }: Options): SpaceSession {
  const [attempt, setAttempt] = useState(0);
  const [view, setView] = useState<View>(INITIAL);
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [me, setMe] = useState<Me | null>(null);
  const [speaking, setSpeaking] = useState<ReadonlyMap<string, number>>(EMPTY_SPEAKING);
  const [audioBlocked, setAudioBlocked] = useState(false);
  const [mic, setMic] = useState<MicState>('off');
  const [activeSpeaker, setActiveSpeaker] = useState<string | null>(null);
  const [stageVideo, setStageVideo] = useState<StageVideoState>(NO_STAGE_VIDEO);
  const [stageTrack, setStageTrack] = useState<MediaStreamTrack | null>(null);
  const [pinnedId, setPinnedId] = useState<string | null>(null);
  const [camera, setCameraState] = useState<{ state: CameraState; track: MediaStreamTrack | null }>({ state: 'off', track: null });

  const clientRef = useRef<SignallingClient | null>(null);
  const audioRef = useRef<RemoteAudio | null>(null);
  const micRef = useRef<MicController | null>(null);
  const cameraRef = useRef<CameraController | null>(null);
  /** Survives reconnects: the server forgets a viewer's pin with its connection, we pin again. */
  const pinRef = useRef<string | null>(null);
  const pinSpaceRef = useRef(spaceId);
  const leftRef = useRef(false);
  const notifyRef = useRef(notify);
  notifyRef.current = notify;

  useEffect(() => {
    let disposed = false;
    leftRef.current = false;
    setView((v) => ({ ...INITIAL, summary: v.summary }));
    setStatus('connecting');
    setSpeaking(EMPTY_SPEAKING);
    if (pinSpaceRef.current !== spaceId) {
      pinSpaceRef.current = spaceId;
      pinRef.current = null;
      setPinnedId(null);
    }
    setActiveSpeaker(null);
    setStageVideo(NO_STAGE_VIDEO);
    setStageTrack(null);

    const client = new SignallingClient({
      url: wsUrl(),
      spaceId,
      ...(token ? { token } : { guestId: getGuestId() }),
      createSocket: (url) => {
        const ws = new WebSocket(url);
        // Registered before the SDK's onclose, so a final close stops reconnecting before it
        // starts (two tabs of one account would otherwise keep taking the seat from each
        // other), and so an 'ended'/'removed' frame the SDK drops when the close overtakes
        // its deferred dispatch still ends the session.
        ws.addEventListener('close', (ev) => {
          const phase = terminalClose(ev);
          if (!phase || disposed) return;
          client.close();
          finish(phase);
        });
        return ws as unknown as WebSocketLike;
      },
    });
    const audio = new RemoteAudio((blocked) => !disposed && setAudioBlocked(blocked));
    const micCtl = new MicController(
      (s) => !disposed && setMic(s),
      (text) => !disposed && notifyRef.current(text, 'error'),
    );
    const camCtl = new CameraController(
      (action) => actOn(client, action, (text) => !disposed && notifyRef.current(text, 'error')),
      (state, track) => !disposed && setCameraState({ state, track }),
      (text) => !disposed && notifyRef.current(text, 'error'),
    );
    clientRef.current = client;
    audioRef.current = audio;
    micRef.current = micCtl;
    cameraRef.current = camCtl;
    let media: MediaSession | null = null;

    // Once the session is over (ended, removed, replaced…), late messages change nothing.
    let over = false;
    const finish = (phase: SessionPhase) => {
      over = true;
      micCtl.dispose();
      camCtl.dispose();
      setCameraState({ state: 'off', track: null });
      setStageTrack(null);
      setStageVideo(NO_STAGE_VIDEO);
      audio.clear();
      media?.close();
      media = null;
      setSpeaking(EMPTY_SPEAKING);
      setView((v) => ({ ...v, phase, invited: false }));
    };

    // A rejoin the server refuses (the Space ended while we were away, we were removed):
    // connect() has settled long ago, so nobody else is listening for it.
    let welcomed = false;
    client.on('error', (msg) => {
      if (disposed || !welcomed || msg.rid !== 'join') return;
      client.close();
      finish(phaseForJoinError(msg.code));
      setView((v) => ({ ...v, failure: msg.message }));
    });

    // Every (re)join gets a fresh peer connection: the server offers again after 'welcome'.
    client.on('welcome', (msg) => {
      if (disposed || over) return;
      welcomed = true;
      media?.close();
      audio.clear();
      setStageTrack(null);
      setStageVideo(NO_STAGE_VIDEO);
      media = new MediaSession({
        signalling: client,
        iceServers: msg.iceServers,
        onRemoteTrack: (track, mid) => {
          if (disposed || over) return;
          if (track.kind === 'video') {
            // The one stage-video slot; any other video m-line is not ours to show.
            if (mid === STAGE_VIDEO_MID || mid === null) setStageTrack(track);
          } else {
            audio.add(track);
          }
        },
      });
      micCtl.attach(media);
      camCtl.attach(media);
      setMe(msg.you);
      // The server forgets a viewer's pin when its connection goes; hold it again.
      const pinned = pinRef.current;
      if (pinned) {
        client.pin(pinned).catch(() => {
          if (pinRef.current !== pinned) return;
          pinRef.current = null;
          if (!disposed) setPinnedId(null);
        });
      }
    });

    client.on('state', (msg) => {
      if (disposed || over) return;
      const state = msg.space.state;
      if (state === 'ended') {
        setView((v) => ({ ...v, space: msg.space, you: msg.you }));
        finish('ended');
        return;
      }
      micCtl.sync(state === 'live' && isOnStage(msg.you?.role), msg.you?.muted ?? true);
      camCtl.sync(state === 'live' && isOnStage(msg.you?.role), msg.you?.camera ?? false);
      setView({
        phase: state === 'live' ? 'live' : 'scheduled',
        space: msg.space,
        summary: msg.space,
        you: msg.you,
        invited: msg.invited,
        failure: null,
      });
    });

    client.on('speaking', (msg) => {
      if (disposed || over) return;
      const next = new Map(msg.speakers.map((s) => [s.userId, Math.max(0, Math.min(1, s.level))] as const));
      setSpeaking((prev) => (sameSpeaking(prev, next) ? prev : next));
    });

    client.on('activeSpeaker', (msg) => {
      if (disposed || over) return;
      setActiveSpeaker(msg.userId);
    });

    client.on('stageVideo', (msg) => {
      if (disposed || over) return;
      const layer = msg.layer === 'low' ? 'low' : 'high';
      setStageVideo((prev) =>
        prev.userId === msg.userId && prev.pinned === msg.pinned && prev.layer === layer ? prev : { userId: msg.userId, pinned: msg.pinned, layer },
      );
    });

    client.on('ended', () => !disposed && finish('ended'));
    client.on('removed', () => !disposed && finish('removed'));
    client.onStatus((s) => {
      if (disposed) return;
      setStatus(s);
      // Levels are live data: stale ones would show rings on people we can't hear.
      if (s !== 'connected') setSpeaking(EMPTY_SPEAKING);
    });

    client.connect().catch((err: unknown) => {
      if (disposed) return;
      const phase = phaseForJoinError(errorCode(err));
      if (phase === 'scheduled') {
        finish('scheduled');
        fetchSpace(api, spaceId).then(
          (summary) => {
            if (disposed) return;
            if (!summary) setView((v) => ({ ...v, phase: 'notFound' }));
            else setView((v) => ({ ...v, summary, phase: summary.state === 'ended' ? 'ended' : 'scheduled' }));
          },
          () => undefined,
        );
      } else {
        finish(phase);
        if (phase === 'failed') setView((v) => ({ ...v, failure: errorText(err) }));
      }
    });

    return () => {
      disposed = true;
      micCtl.dispose();
      camCtl.dispose();
      audio.clear();
      media?.close();
      if (!leftRef.current && client.status !== 'closed') {
        // Navigating away within the app is leaving; a reload keeps our place (no 'leave').
        void client.leave().catch(() => undefined);
        window.setTimeout(() => client.close(), 1500);
      }
    };
  }, [spaceId, token, attempt, api]);

  // A scheduled Space we could not join: watch for it to go live, then join.
  const waitingForStart = view.phase === 'scheduled' && view.space === null;
  useEffect(() => {
    if (!waitingForStart) return;
    const timer = window.setInterval(() => {
      fetchSpace(api, spaceId).then(
        (s) => {
          if (s?.state === 'live') setAttempt((a) => a + 1);
          else if (s?.state === 'ended') setView((v) => ({ ...v, phase: 'ended' }));
        },
        () => undefined,
      );
    }, 5000);
    return () => window.clearInterval(timer);
  }, [waitingForStart, api, spaceId]);

  const act = useCallback(async (action: Action) => {
    const client = clientRef.current;
    if (!client) return false;
    return actOn(client, action, (text) => notifyRef.current(text, 'error'));
  }, []);

  const setCamera = useCallback((on: boolean) => {
    const cam = cameraRef.current;
    if (!cam) return;
    void (on ? cam.turnOn() : cam.turnOff());
  }, []);

  const pin = useCallback(async (userId: string | null) => {
    const client = clientRef.current;
    if (!client) return false;
    if (client.status !== 'connected') {
      notifyRef.current("You're offline right now. Try again in a moment.", 'error');
      return false;
    }
    const before = pinRef.current;
    pinRef.current = userId;
    setPinnedId(userId);
    try {
      await client.pin(userId);
      return true;
    } catch (err) {
      if (pinRef.current === userId) {
        pinRef.current = before;
        setPinnedId(before);
      }
      notifyRef.current(errorText(err), 'error');
      return false;
    }
  }, []);

  const leave = useCallback(async () => {
    leftRef.current = true;
    micRef.current?.dispose();
    audioRef.current?.clear();
    const client = clientRef.current;
    if (!client) return;
    // Don't keep someone waiting on a dead connection: give the server a moment, then go.
    await Promise.race([client.leave().catch(() => undefined), new Promise((r) => window.setTimeout(r, 1500))]);
    client.close();
  }, []);

  const resumeAudio = useCallback(() => audioRef.current?.resume(), []);
  const retryMic = useCallback(() => micRef.current?.retry(), []);
  const reconnect = useCallback(() => setAttempt((a) => a + 1), []);

  return {
    ...view,
    status,
    me,
    speaking,
    audioBlocked,
    mic,
    activeSpeaker,
    stageVideo,
    stageTrack,
    pinnedId,
    camera: camera.state,
    cameraTrack: camera.track,
    setCamera,
    pin,
    act,
    leave,
    resumeAudio,
    retryMic,
    reconnect,
  };
}

/** Sends an action; errors (and being offline) become a message. Resolves true when accepted. */
async function actOn(client: SignallingClient, action: Action, onError: (text: string) => void): Promise<boolean> {
  if (client.status !== 'connected') {
    onError("You're offline right now. Try again in a moment.");
    return false;
  }
  try {
    await client.act(action);
    return true;
  } catch (err) {
    onError(errorText(err));
    return false;
  }
}

// The live session of one Space: owns the SignallingClient and the MediaSession, plays remote
// audio, drives the microphone and the camera, hands over the stage video track, follows the
// audience tier (WebRTC or HLS), keeps the comments and passes reactions on, and exposes the
// latest authoritative state from the server.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Action, CommentView, PersonView, ReactionEmoji, SpaceSnapshot, SpaceSummary } from '../../../src/protocol/messages.js';
import type { ApiClient } from '../../../src/sdk/api.js';
import { MediaSession, STAGE_VIDEO_MID } from '../../../src/sdk/media-session.js';
import { SignallingClient, type ConnectionStatus, type WebSocketLike } from '../../../src/sdk/signalling.js';
import { errorCode, errorText } from '../lib/errors.js';
import { getGuestId } from '../lib/guest.js';
import { isOnStage } from '../lib/menus.js';
import { CameraController, type CameraState } from './camera.js';
import { chatErrorText, ReactionThrottle, withComment, withoutComment, type ReactionBatch } from './chat.js';
import { MicController, type MicState } from './microphone.js';
import { RemoteAudio } from './remoteAudio.js';
import { actOn, sendRequest } from './requests.js';
import { phaseForJoinError, sameSpeaking, terminalClose, wsUrl, type Me, type SessionPhase, type SpaceSession, type StageVideoState } from './sessionTypes.js';
import { fetchSpace } from './spaceInfo.js';
import { DEFAULT_TIER, TierController, type TierView } from './tier.js';

export type { SpaceSession } from './sessionTypes.js';

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
  const [tier, setTier] = useState<TierView>(DEFAULT_TIER);
  const [tierPending, setTierPending] = useState(false);
  const [comments, setComments] = useState<CommentView[]>([]);

  const clientRef = useRef<SignallingClient | null>(null);
  const audioRef = useRef<RemoteAudio | null>(null);
  const micRef = useRef<MicController | null>(null);
  const cameraRef = useRef<CameraController | null>(null);
  const tierRef = useRef<TierController | null>(null);
  /** Survives reconnects: the server forgets a viewer's pin with its connection, we pin again. */
  const pinRef = useRef<string | null>(null);
  const pinSpaceRef = useRef(spaceId);
  const leftRef = useRef(false);
  /** Who animates reactions: told of every batch, without re-rendering the page for it. */
  const reactionListeners = useRef(new Set<(items: ReactionBatch) => void>());
  const reactionThrottle = useRef(new ReactionThrottle());
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
    setTierPending(false);
    setComments([]);

    const client = new SignallingClient({
      url: wsUrl(),
      spaceId,
      ...(token ? { token } : { guestSecret: getGuestId() }),
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
    const tierCtl = new TierController((t) => !disposed && setTier(t));
    const audio = new RemoteAudio(
      (blocked) => !disposed && setAudioBlocked(blocked),
      () => void whenAudioPlays(() => media?.peerConnection ?? null).then(() => !disposed && tierCtl.onWebrtcAudio()),
    );
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
    tierRef.current = tierCtl;
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
      tierCtl.reset();
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
        onConnectionState: (state) => !disposed && !over && tierCtl.onConnectionState(state),
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

    // On the HLS tier the server has no peer for us (MediaSession closes ours): whatever WebRTC
    // was playing is gone. Back on WebRTC, a fresh offer follows as for a new join.
    client.on('tier', (msg) => {
      if (disposed || over) return;
      if (msg.tier === 'hls') {
        audio.clear();
        setStageTrack(null);
        setStageVideo(NO_STAGE_VIDEO);
        // The broadcast is the same for everyone: a pin means nothing there, nor after it.
        pinRef.current = null;
        setPinnedId(null);
      }
      tierCtl.onTier(msg);
    });

    client.on('state', (msg) => {
      if (disposed || over) return;
      const state = msg.space.state;
      if (state === 'ended') {
        setView((v) => ({ ...v, space: msg.space, you: msg.you }));
        finish('ended');
        return;
      }
      // The host of a broadcast sends the one picture everybody watches: more bits for it.
      camCtl.setProfile(msg.space.kind === 'broadcast' && msg.you?.role === 'host' ? 'broadcast' : 'standard');
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

    // The history comes after every (re)join and replaces what we had.
    client.on('comments', (msg) => {
      if (disposed || over) return;
      setComments(msg.comments.reduce<CommentView[]>(withComment, []));
    });
    client.on('comment', (msg) => {
      if (disposed || over) return;
      setComments((list) => withComment(list, msg.comment));
    });
    client.on('commentDeleted', (msg) => {
      if (disposed || over) return;
      setComments((list) => withoutComment(list, msg.id));
    });
    client.on('reactions', (msg) => {
      if (disposed || over) return;
      for (const listener of reactionListeners.current) listener(msg.items);
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
      tierCtl.reset();
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
    const before = pinRef.current;
    const ok = await sendRequest(
      client,
      (c) => {
        // Shown at once; undone below if the server refuses.
        pinRef.current = userId;
        setPinnedId(userId);
        return c.pin(userId);
      },
      (text) => notifyRef.current(text, 'error'),
    );
    if (!ok && pinRef.current === userId) {
      pinRef.current = before;
      setPinnedId(before);
    }
    return ok;
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

  const setLowData = useCallback(async (on: boolean) => {
    const client = clientRef.current;
    if (!client) return false;
    setTierPending(true);
    const ok = await sendRequest(
      client,
      (c) => c.setTier(on ? 'hls' : 'webrtc'),
      (text) => notifyRef.current(text, 'error'),
    );
    setTierPending(false);
    // The server answers a tier change with `tier` before its ack; none means it kept us on HLS.
    const tierCtl = tierRef.current;
    if (ok && !on && tierCtl?.current.tier === 'hls') {
      tierCtl.keptOnHls();
      notifyRef.current('Lots of people are listening, so you stay on the broadcast stream for now.');
      return false;
    }
    return ok;
  }, []);

  const sendComment = useCallback(async (text: string) => {
    const client = clientRef.current;
    if (!client) return false;
    return sendRequest(
      client,
      async (c) => {
        try {
          await c.comment(text);
        } catch (err) {
          // Said in the chat's own words (rate limits, guests, length).
          throw new Error(chatErrorText(err));
        }
      },
      (message) => notifyRef.current(message, 'error'),
    );
  }, []);

  const deleteComment = useCallback(async (id: string) => {
    const client = clientRef.current;
    if (!client) return false;
    return sendRequest(
      client,
      (c) => c.deleteComment(id),
      (text) => notifyRef.current(text, 'error'),
    );
  }, []);

  const react = useCallback((emoji: ReactionEmoji) => {
    const client = clientRef.current;
    if (!client || !reactionThrottle.current.take()) return;
    void sendRequest(
      client,
      async (c) => {
        try {
          await c.react(emoji);
        } catch (err) {
          throw new Error(chatErrorText(err));
        }
      },
      (text) => notifyRef.current(text, 'error'),
    );
  }, []);

  const onReactions = useCallback((listener: (items: ReactionBatch) => void) => {
    const listeners = reactionListeners.current;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
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
    tier,
    tierPending,
    setLowData,
    comments,
    sendComment,
    deleteComment,
    react,
    onReactions,
  };
}

/**
 * A remote track unmutes on its first packet, but sound comes out only once the jitter buffer
 * has filled: HLS keeps playing until the receiver reports samples played out (at most 2 s).
 */
async function whenAudioPlays(pc: () => RTCPeerConnection | null): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const conn = pc();
    if (!conn) return;
    let played = false;
    try {
      (await conn.getStats()).forEach((s: { type: string; kind?: string; totalSamplesReceived?: number; bytesReceived?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && (s.totalSamplesReceived ?? 0) > 0 && (s.bytesReceived ?? 0) > 0) played = true;
      });
    } catch {
      return;
    }
    if (played) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

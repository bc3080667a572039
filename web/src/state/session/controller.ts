// The live session of one Space as a plain object: it owns the SignallingClient (over any
// socket that fits the SDK's WebSocketLike, a browser's or the `ws` package's), follows the
// Space's state, the comments, reactions, speaking levels and the stage video, the audience
// tier, reconnection and how a session ends, and exposes each part as a Slice for React's
// useSyncExternalStore. The microphone, the camera and WebRTC need a browser: they are the
// SessionMedia it is given (none under node, where its tests run it against a real server).
import type { Action, CommentView, PersonView, ReactionEmoji, SpaceSnapshot } from '../../../../src/protocol/messages.js';
import { SignallingClient } from '../../../../src/sdk/signalling.js';
import { errorCode, errorText } from '../../lib/errors.js';
import { menuItemsFor, type MenuItem } from '../../lib/menus.js';
import { inChatWords, ReactionThrottle, withComment, withoutComment, type ReactionBatch } from '../chat.js';
import { sendRequest } from '../requests.js';
import { DEFAULT_TIER, TierController } from '../tier.js';
import { phaseForJoinError, sameSpeaking, terminalClose } from './ending.js';
import { audienceWith, detailsWith, meWith, sameSummary, sharedPeople, sharedPerson, summaryOf } from './sharing.js';
import { closeFirst } from './socket.js';
import { Slice } from './slice.js';
import type {
  AudienceView,
  ConnectionView,
  MediaHost,
  MeView,
  NoticeKind,
  SessionMedia,
  SessionPhase,
  SpaceSessionOptions,
  SpaceDetails,
  StageVideoState,
  TierSlice,
} from './types.js';

const EMPTY_SPEAKING: ReadonlyMap<string, number> = new Map();
const NO_STAGE_VIDEO: StageVideoState = { userId: null, pinned: false, layer: 'high' };
const NOBODY: PersonView[] = [];
const NO_AUDIENCE: AudienceView = { listeners: NOBODY, listenerCount: 0, requests: NOBODY };
const NO_ME: MeView = { me: null, you: null, invited: false, guest: true, host: false, moderator: false, onStage: false };
const NO_DETAILS: SpaceDetails = { summary: null, joined: false, guestComments: true };

export class SpaceSessionController<M extends SessionMedia = SessionMedia> implements MediaHost {
  readonly connection = new Slice<ConnectionView>({ phase: 'connecting', status: 'connecting', failure: null });
  readonly details = new Slice<SpaceDetails>(NO_DETAILS);
  /** The people on stage, in the server's order. */
  readonly stage = new Slice<PersonView[]>(NOBODY);
  readonly audience = new Slice<AudienceView>(NO_AUDIENCE);
  readonly me = new Slice<MeView>(NO_ME);
  /** The latest comments, oldest first. */
  readonly chat = new Slice<CommentView[]>([]);
  /** userId → loudness 0..1 of everyone talking right now. */
  readonly speaking = new Slice<ReadonlyMap<string, number>>(EMPTY_SPEAKING);
  /** The dominant speaker, from the server's detector. */
  readonly activeSpeaker = new Slice<string | null>(null);
  readonly stageVideo = new Slice<StageVideoState>(NO_STAGE_VIDEO);
  /** Whom this viewer pinned (null: the stage video follows the active speaker). */
  readonly pinned = new Slice<string | null>(null);
  readonly tier = new Slice<TierSlice>({ view: DEFAULT_TIER, pending: false });
  readonly media: M;

  private client: SignallingClient | null = null;
  /** Ends the current connection attempt (see open()); null while stopped. */
  private closeRun: (() => void) | null = null;
  /** Survives reconnects: the server forgets a viewer's pin with its connection, we pin again. */
  private pinnedId: string | null = null;
  private left = false;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly tierCtl = new TierController((view) => this.tier.update((t) => ({ ...t, view })));
  /** Who animates reactions: told of every batch, without changing any slice. */
  private readonly reactionListeners = new Set<(items: ReactionBatch) => void>();
  private readonly reactionThrottle = new ReactionThrottle();

  constructor(private readonly options: SpaceSessionOptions<M>) {
    this.media = options.media(this);
  }

  /** Connects and joins (again after stop()). */
  start(): void {
    if (this.closeRun) return;
    this.left = false;
    this.closeRun = this.open();
  }

  /** Ends the connection; unless leave() did already, the server keeps our place for a while (a reload). */
  stop(): void {
    this.stopPolling();
    const close = this.closeRun;
    this.closeRun = null;
    close?.();
  }

  /** Connects again from scratch (after a drop, or when a scheduled Space goes live). */
  readonly reconnect = (): void => {
    this.stop();
    this.start();
  };

  /** Sends an action; errors become a notice. Resolves true when the server accepted it. */
  readonly act = (action: Action): Promise<boolean> => this.request((c) => c.act(action));

  /** Holds the stage video on a person (null: follow the active speaker). Resolves true on success. */
  readonly pin = async (userId: string | null): Promise<boolean> => {
    const before = this.pinnedId;
    const ok = await this.request((c) => {
      // Shown at once; undone below if the server refuses.
      this.setPinned(userId);
      return c.pin(userId);
    });
    if (!ok && this.pinnedId === userId) this.setPinned(before);
    return ok;
  };

  /** Leaves the Space for good (no place kept), waiting for the server at most leaveGraceMs. */
  readonly leave = async (): Promise<void> => {
    this.left = true;
    this.media.stop();
    const client = this.client;
    if (!client) return;
    // Don't keep someone waiting on a dead connection: give the server a moment, then go.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([client.leave().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, this.options.leaveGraceMs ?? 1500)))]);
    clearTimeout(timer);
    client.close();
  };

  /** Low data mode: receive the Space as HLS (on) or over WebRTC (off). Resolves true when accepted. */
  readonly setLowData = async (on: boolean): Promise<boolean> => {
    if (!this.client) return false;
    this.tier.update((t) => ({ ...t, pending: true }));
    const ok = await this.request((c) => c.setTier(on ? 'hls' : 'webrtc'));
    this.tier.update((t) => ({ ...t, pending: false }));
    // The server answers a tier change with `tier` before its ack; none means it kept us on HLS.
    if (ok && !on && this.tierCtl.current.tier === 'hls') {
      this.tierCtl.keptOnHls();
      this.notify('Lots of people are listening, so you stay on the broadcast stream for now.');
      return false;
    }
    return ok;
  };

  /** Posts a comment; errors (rate limits…) become a notice. Resolves true once everyone has it. */
  readonly sendComment = (text: string): Promise<boolean> => this.request((c) => inChatWords(c.comment(text)));

  /** A guest's display name: null once the server took it, else why not (nothing changed). */
  readonly setGuestName = async (name: string): Promise<string | null> => {
    let refusal = "You're offline right now. Try again in a moment.";
    const ok = this.client
      ? await sendRequest(
          this.client,
          (c) => c.setName(name),
          (text) => (refusal = text),
        )
      : false;
    return ok ? null : refusal;
  };

  /** Deletes a comment for everyone (your own; a host's or co-host's also others'). */
  readonly deleteComment = (id: string): Promise<boolean> => this.request((c) => c.deleteComment(id));

  /** Sends a reaction; everyone sees it float over the stage, you too. */
  readonly react = (emoji: ReactionEmoji): void => {
    if (this.client && this.reactionThrottle.take()) void this.request((c) => inChatWords(c.react(emoji)));
  };

  /** Listens to reaction batches (to animate them); returns the unsubscribe. */
  readonly onReactions = (listener: (items: ReactionBatch) => void): (() => void) => {
    this.reactionListeners.add(listener);
    return () => {
      this.reactionListeners.delete(listener);
    };
  };

  /** The "Actions for HANDLE" menu you get on this person: what the domain's rules let you do to them. */
  personMenu(target: PersonView): MenuItem[] {
    return menuItemsFor(this.me.getSnapshot().you, target);
  }

  notify(text: string, kind?: NoticeKind): void {
    this.options.notify(text, kind);
  }

  webrtcAudioPlaying(): void {
    this.tierCtl.onWebrtcAudio();
  }

  peerConnectionState(state: RTCPeerConnectionState): void {
    this.tierCtl.onConnectionState(state);
  }

  /** One connection attempt, from a fresh client to its end; returns what ends it. */
  private open(): () => void {
    let disposed = false;
    // Once the session is over (ended, removed, replaced…), late messages change nothing.
    let over = false;
    // A rejoin the server refuses (the Space ended while we were away, we were removed):
    // connect() has settled long ago, so nobody else is listening for it.
    let welcomed = false;
    const media = this.media;
    const { spaceId } = this.options;

    // Until the server says otherwise, nothing of a previous connection stands (the summary does).
    this.connection.set({ phase: 'connecting', status: 'connecting', failure: null });
    this.details.update((d) => (d.joined ? { ...d, joined: false } : d));
    this.me.update((m) => meWith(m, null, false));
    this.speaking.set(EMPTY_SPEAKING);
    this.activeSpeaker.set(null);
    this.stageVideo.set(NO_STAGE_VIDEO);
    this.tier.update((t) => (t.pending ? { ...t, pending: false } : t));
    this.chat.set([]);

    const setPhase = (phase: SessionPhase) => this.connection.update((c) => ({ ...c, phase }));

    const finish = (phase: SessionPhase, failure?: string) => {
      over = true;
      media.stop();
      this.stageVideo.set(NO_STAGE_VIDEO);
      this.tierCtl.reset();
      this.speaking.set(EMPTY_SPEAKING);
      this.me.update((m) => meWith(m, m.you, false));
      this.connection.update((c) => ({ ...c, phase, failure: failure ?? c.failure }));
    };

    const client = new SignallingClient({
      url: this.options.url,
      spaceId,
      ...this.options.identity,
      ...(this.options.reconnectWindowMs !== undefined ? { reconnectWindowMs: this.options.reconnectWindowMs } : {}),
      // Told of a close before the SDK is, so a final close stops reconnecting before it starts
      // (two tabs of one account would otherwise keep taking the seat from each other), and so
      // an 'ended'/'removed' frame the SDK drops when the close overtakes its deferred dispatch
      // still ends the session.
      createSocket: (url) =>
        closeFirst(this.options.createSocket(url), (ev) => {
          const phase = terminalClose(ev);
          if (!phase || disposed) return;
          client.close();
          finish(phase);
        }),
    });
    this.client = client;
    media.begin(client);

    client.on('error', (msg) => {
      if (disposed || !welcomed || msg.rid !== 'join') return;
      client.close();
      finish(phaseForJoinError(msg.code), msg.message);
    });

    // Every (re)join gets a fresh peer connection: the server offers again after 'welcome'.
    client.on('welcome', (msg) => {
      if (disposed || over) return;
      welcomed = true;
      this.stageVideo.set(NO_STAGE_VIDEO);
      media.joined(msg);
      this.me.update((m) => ({ ...m, me: msg.you, guest: msg.you.guest }));
      // The server forgets a viewer's pin when its connection goes; hold it again.
      const pinned = this.pinnedId;
      if (pinned) {
        client.pin(pinned).catch(() => {
          if (this.pinnedId === pinned) this.setPinned(null);
        });
      }
    });

    client.on('tier', (msg) => {
      if (disposed || over) return;
      if (msg.tier === 'hls') {
        media.hls();
        this.stageVideo.set(NO_STAGE_VIDEO);
        // The broadcast is the same for everyone: a pin means nothing there, nor after it.
        this.setPinned(null);
      }
      this.tierCtl.onTier(msg);
    });

    client.on('state', (msg) => {
      if (disposed || over) return;
      this.applyState(msg.space, msg.you, msg.invited);
      if (msg.space.state === 'ended') {
        finish('ended');
        return;
      }
      media.state(msg.space, msg.you);
      this.connection.update((c) => ({ ...c, phase: msg.space.state === 'live' ? 'live' : 'scheduled', failure: null }));
    });

    client.on('speaking', (msg) => {
      if (disposed || over) return;
      const next = new Map(msg.speakers.map((s) => [s.userId, Math.max(0, Math.min(1, s.level))] as const));
      this.speaking.update((prev) => (sameSpeaking(prev, next) ? prev : next));
    });

    client.on('activeSpeaker', (msg) => {
      if (disposed || over) return;
      this.activeSpeaker.set(msg.userId);
    });

    client.on('stageVideo', (msg) => {
      if (disposed || over) return;
      const layer = msg.layer === 'low' ? 'low' : 'high';
      this.stageVideo.update((prev) =>
        prev.userId === msg.userId && prev.pinned === msg.pinned && prev.layer === layer ? prev : { userId: msg.userId, pinned: msg.pinned, layer },
      );
    });

    // The history comes after every (re)join and replaces what we had.
    client.on('comments', (msg) => {
      if (disposed || over) return;
      this.chat.set(msg.comments.reduce<CommentView[]>(withComment, []));
    });
    client.on('comment', (msg) => {
      if (disposed || over) return;
      this.chat.update((list) => withComment(list, msg.comment));
    });
    client.on('commentDeleted', (msg) => {
      if (disposed || over) return;
      this.chat.update((list) => withoutComment(list, msg.id));
    });
    client.on('reactions', (msg) => {
      if (disposed || over) return;
      for (const listener of [...this.reactionListeners]) listener(msg.items);
    });

    client.on('ended', () => !disposed && finish('ended'));
    client.on('removed', () => !disposed && finish('removed'));
    client.onStatus((status) => {
      if (disposed) return;
      this.connection.update((c) => ({ ...c, status }));
      // Levels are live data: stale ones would show rings on people we can't hear.
      if (status !== 'connected') this.speaking.set(EMPTY_SPEAKING);
    });

    client.connect().catch((err: unknown) => {
      // Already over (ended, removed) before any welcome: that says more than "gave up".
      if (disposed || over) return;
      const phase = phaseForJoinError(errorCode(err));
      if (phase !== 'scheduled') {
        finish(phase, phase === 'failed' ? errorText(err) : undefined);
        return;
      }
      finish('scheduled');
      this.options.fetchSpace(spaceId).then(
        (summary) => {
          if (disposed) return;
          if (!summary) {
            setPhase('notFound');
            return;
          }
          this.details.update((d) => ({ ...d, summary: sameSummary(d.summary, summary) ? d.summary : summaryOf(summary) }));
          setPhase(summary.state === 'ended' ? 'ended' : 'scheduled');
          if (summary.state === 'scheduled') this.pollUntilLive();
        },
        () => undefined,
      );
    });

    return () => {
      disposed = true;
      media.stop();
      this.tierCtl.reset();
      if (this.client === client) this.client = null;
      if (!this.left && client.status !== 'closed') {
        // Navigating away within the app is leaving; a reload keeps our place (no 'leave').
        void client.leave().catch(() => undefined);
        setTimeout(() => client.close(), this.options.leaveGraceMs ?? 1500);
      }
    };
  }

  /** A 'state' message, each slice changed only where its content did. */
  private applyState(space: SpaceSnapshot, you: PersonView | null, invited: boolean): void {
    this.details.update((d) => detailsWith(d, space));
    this.stage.update((prev) => sharedPeople(prev, space.stage));
    this.audience.update((prev) => audienceWith(prev, space));
    this.me.update((prev) => meWith(prev, sharedPerson(prev.you, you), invited));
  }

  /** One request on the current connection (refused at once while offline); errors become a notice. */
  private request(send: (client: SignallingClient) => Promise<void>): Promise<boolean> {
    const client = this.client;
    if (!client) return Promise.resolve(false);
    return sendRequest(client, send, (text) => this.notify(text, 'error'));
  }

  /** A scheduled Space we could not join: look again every few seconds, and join once it is live. */
  private pollUntilLive(): void {
    this.stopPolling();
    const { spaceId } = this.options;
    this.pollTimer = setInterval(() => {
      this.options.fetchSpace(spaceId).then(
        (s) => {
          if (this.pollTimer === undefined) return;
          if (s?.state === 'live') this.reconnect();
          else if (s?.state === 'ended') {
            this.stopPolling();
            this.connection.update((c) => ({ ...c, phase: 'ended' }));
          }
        },
        () => undefined,
      );
    }, this.options.schedulePollMs ?? 5000);
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private setPinned(userId: string | null): void {
    this.pinnedId = userId;
    this.pinned.set(userId);
  }
}

/** A session with no media of its own (under node: the signalling alone). */
export function withoutMedia(): SessionMedia {
  const nothing = () => undefined;
  return { begin: nothing, joined: nothing, state: nothing, hls: nothing, stop: nothing };
}

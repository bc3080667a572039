// A Space while it is live on this node: the domain object (who may do what), the media
// room (who hears whom), the open connections, and the grace timers that hold a dropped
// participant's place. Domain events drive the media plane and the broadcasts, in one place.
//
// It is the one way into the Space: a participant's messages (moderation and other actions,
// chat, media signalling), WHIP/WHEP sessions starting and stopping, joins, departures and
// grace timers all go through it, and every domain event any of them returns is applied here:
// media, seating, connections, broadcasts, and the listeners (chat) told of each batch. It
// also owns the Space's WHIP/WHEP sessions (the HTTP routes only look them up).
//
// Commands run one at a time, and a client's action is acknowledged only once what it changed
// is stored (SpaceCommands); this turns their events into media, seating and broadcasts.
import type { Logger } from 'pino';
import { Space, type Person, type SpaceEvent } from '../spaces/index.js';
import type { RoomHandle } from '../media/room/room-handle.js';
import { AppError } from './app-error.js';
import type { Action, AudienceTier, CommentView, PersonView, ReactionEmoji, ServerMessage, SpaceSnapshot } from '../protocol/messages.js';
import { AudienceSeating, type AudienceServing } from './audience-seating.js';
import { personView, spaceSnapshot } from './space-views.js';
import { StateBroadcaster } from './state-broadcaster.js';
import type { Connection } from './connection.js';
import { isOnStage } from '../spaces/permissions.js';
import { readIngestOffer } from '../media/transport/client-offer.js';
import { GraceTimers, graceFor, type GracePeriods } from './grace-timers.js';
import { relayRoomEvents } from './room-relay.js';
import { SpaceCommands, type CommandMode, type SpaceStorage } from './space-commands.js';
import { handleMessage, type LiveChat, type MessageTargets, type SpaceMessage } from './space-messages.js';
import { MediaSessions, newMediaSession, type MediaSession } from './media-session.js';

/** What the WebSocket adapter gives us for each open connection. */
export interface LiveSpaceHooks {
  /** Called once the Space has ended (and that is stored, or being retried) and every connection was told. */
  ended(space: Space): void;
  /** Limits beyond this Space (an account's recordings): throws AppError to refuse the action. */
  check(actorId: string, action: Action): Promise<void>;
}

export type LiveSpaceOptions = GracePeriods;

/** Everything a live Space is built from. */
export interface LiveSpaceDeps {
  space: Space;
  room: RoomHandle;
  hooks: LiveSpaceHooks;
  options: LiveSpaceOptions;
  log: Logger;
  audience: AudienceServing;
  storage: SpaceStorage;
}

export class LiveSpace {
  private readonly connections = new Map<string, Connection>();
  private readonly graces = new GraceTimers();
  private readonly broadcast: StateBroadcaster;
  private readonly commands: SpaceCommands;
  private closed = false;
  private readonly seating: AudienceSeating;
  /**
   * WHIP and WHEP sessions by id: people publishing from an encoder (present in the Space while
   * it runs) and players (listeners without a WebSocket). They end with the Space.
   */
  private readonly sessions = new MediaSessions();
  private chat: LiveChat | null = null;
  /** What a participant's messages act on (space-messages.ts). */
  private readonly targets: MessageTargets;
  /** Told about every applied batch of domain events (the chat module: deleted comments, the end). */
  private readonly eventListeners: Array<(events: readonly SpaceEvent[]) => void> = [];

  readonly space: Space;
  private readonly room: RoomHandle;
  private readonly hooks: LiveSpaceHooks;
  private readonly options: LiveSpaceOptions;
  private readonly log: Logger;
  private readonly audience: AudienceServing;

  constructor({ space, room, hooks, options, log, audience, storage }: LiveSpaceDeps) {
    this.space = space;
    this.room = room;
    this.hooks = hooks;
    this.options = options;
    this.log = log;
    this.audience = audience;
    this.commands = new SpaceCommands(space, storage, log);
    this.broadcast = new StateBroadcaster(
      space,
      this.connections,
      () => room.activeSpeaker,
      () => this.commands.held,
    );
    this.seating = new AudienceSeating(space, room, audience, (userId, msg) => this.connections.get(userId)?.send(msg));
    this.targets = {
      space,
      room,
      seating: this.seating,
      connected: (userId) => this.connections.has(userId),
      act: (userId, action) => this.act(userId, action),
      rename: (userId, name) => this.rename(userId, name),
      chat: () => this.chat,
    };
    audience.egress.setRecording(space.recording);
    // A WHIP or WHEP client whose connection failed or closed went away without its DELETE.
    relayRoomEvents(room, this.connections, (userId) => void this.endSession(userId));
    // Nobody is connected yet: people restored after a restart have their grace to come back,
    // and a host who has not joined (a Space started over HTTP, or restored) has the host's.
    for (const p of space.participants()) if (!p.connected) this.startGrace(p.userId);
    if (space.state === 'live' && !space.participant(space.hostId)) this.startGrace(space.hostId);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Sends one serialised message to everyone connected (chat, reactions). */
  broadcastRaw(json: string): void {
    for (const c of this.connections.values()) c.sendRaw(json);
  }

  onEvents(listener: (events: readonly SpaceEvent[]) => void): void {
    this.eventListeners.push(listener);
  }

  /** The Space's chat, loaded before anyone joins (SpaceService.forJoin). */
  attachChat(chat: LiveChat): void {
    this.chat = chat;
  }

  /** The latest comments, oldest first: what a joiner gets. */
  recentComments(): CommentView[] {
    return this.chat?.recent() ?? [];
  }

  /**
   * The one way a joined participant's message reaches the Space (see space-messages.ts).
   * Resolves once it took effect (an action: once stored); rejects with the error the client is told.
   */
  handle(userId: string, msg: SpaceMessage): Promise<void> {
    return handleMessage(this.targets, userId, msg);
  }

  /**
   * The chat's domain commands (a comment with the id the chat chose, a reaction): the domain
   * decides, and its events are applied like any other's. They change nothing the Space's
   * record holds, so nothing waits for storage (the chat stores the comment itself).
   */
  comment(userId: string, commentId: string, now: number): void {
    this.apply(this.space.comment(userId, commentId, now));
  }

  react(userId: string, emoji: ReactionEmoji, now: number): void {
    this.apply(this.space.react(userId, emoji, now));
  }

  /** Joins (or rejoins) a person; rejects with SpaceError when the domain refuses. */
  join(person: Person, conn: Connection): Promise<void> {
    return this.commands.run(async () => {
      await this.exec(() => this.space.join(person, Date.now()), 'must');
      const previous = this.connections.get(person.userId);
      if (previous && previous !== conn) previous.close(4000, 'replaced by a newer connection');
      this.connections.set(person.userId, conn);
      this.graces.clear(person.userId);
      const p = this.space.participant(person.userId)!;
      if (isOnStage(p.role)) {
        this.room.setPublisher(person.userId, true, p.muted);
        // After a restart the media room starts empty: a camera that was on is on again.
        if (p.camera) this.room.setCamera(person.userId, true);
      }
      this.seating.seat(person.userId);
      conn.send({ type: 'activeSpeaker', userId: this.room.activeSpeaker });
      this.broadcast.scheduleFor(p.role);
    });
  }

  /** The socket closed without a Leave: hold the place for the grace period. */
  connectionLost(userId: string, conn: Connection): Promise<void> {
    return this.commands.run(async () => {
      if (this.connections.get(userId) !== conn) return;
      this.connections.delete(userId);
      this.room.disconnect(userId);
      this.seating.vacate(userId);
      // Still here through their encoder: no grace period runs while it publishes.
      if (this.closed || this.sessions.of(userId)) return;
      const role = this.space.participant(userId)?.role;
      await this.exec(() => this.space.disconnect(userId), 'must');
      this.startGrace(userId);
      this.broadcast.scheduleFor(role);
    });
  }

  /**
   * WHIP: `person` publishes from an encoder (OBS, ffmpeg, a browser). It joins them if they
   * are not here; they must be on stage (a host always is). Their camera turns on with video.
   */
  startIngest(person: Person, offer: string, key: string): Promise<{ session: MediaSession; answer: string }> {
    return this.commands.run(async () => {
      // Checked before joining, so that a refused encoder leaves nobody behind: its role, and
      // its SDP (a malformed offer is a 400 that changes nothing).
      const known = this.space.participant(person.userId);
      const onStage = known ? isOnStage(known.role) : person.userId === this.space.hostId;
      if (!onStage) throw new AppError('not_permitted', 'only people on stage can publish; ask the host to bring you on stage first');
      readIngestOffer(offer, true);
      const wasConnected = known?.connected ?? false;
      await this.exec(() => this.space.join(person, Date.now()), 'must');
      const p = this.space.participant(person.userId)!;
      this.graces.clear(person.userId);
      this.room.setPublisher(person.userId, true, p.muted);
      let answered: { answer: string; hasVideo: boolean };
      try {
        answered = await this.room.acceptIngest(person.userId, offer);
      } catch (err) {
        // The room refused it after all: back to how they were (away, their grace running).
        if (!wasConnected) {
          this.room.disconnect(person.userId);
          await this.exec(() => this.space.disconnect(person.userId), 'must');
          this.startGrace(person.userId);
          this.broadcast.schedule();
        }
        throw err;
      }
      const session = newMediaSession(this.space.id, 'whip', person.userId, key);
      this.sessions.add(session);
      if (answered.hasVideo && !this.space.participant(person.userId)?.camera) {
        await this.exec(() => this.space.act(person.userId, { action: 'setCamera', on: true }, Date.now()), 'must');
      }
      this.broadcast.schedule();
      return { session, answer: answered.answer };
    });
  }

  /** WHEP: a standard player (`player`, minted by GuestIdentities) watches and hears the Space as a listener. */
  startPlayback(player: Person, offer: string): Promise<{ session: MediaSession; answer: string }> {
    const viewerId = player.userId;
    return this.commands.run(async () => {
      await this.exec(() => this.space.join(player, Date.now()), 'must');
      try {
        const answer = await this.room.acceptPlayback(viewerId, offer);
        const session = newMediaSession(this.space.id, 'whep', viewerId, null);
        this.sessions.add(session);
        this.broadcast.schedule();
        return { session, answer };
      } catch (err) {
        await this.exec(() => this.space.leave(viewerId, Date.now()), 'must');
        this.broadcast.schedule();
        throw err;
      }
    });
  }

  /** A WHIP or WHEP session ended (DELETE, or its connection failed). */
  endSession(userId: string): Promise<void> {
    return this.commands.run(async () => {
      const session = this.sessions.of(userId);
      if (!session) return;
      this.sessions.remove(session);
      this.room.endSession(userId);
      if (session.kind === 'whep') {
        if (!this.closed) await this.depart(userId);
        return;
      }
      if (this.closed || this.connections.has(userId)) return;
      // Gone with their encoder: as with a dropped connection, their place is held for a while,
      // an encoder's while (a re-POST with their key within it resumes the same place).
      if (this.space.participant(userId)?.camera) {
        await this.exec(() => this.space.act(userId, { action: 'setCamera', on: false }, Date.now()), 'must');
      }
      await this.exec(() => this.space.disconnect(userId), 'must');
      this.startGrace(userId, true);
      this.broadcast.schedule();
    });
  }

  /** A running WHIP or WHEP session of this Space. */
  session(id: string): MediaSession | undefined {
    return this.closed ? undefined : this.sessions.get(id);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  addSessionCandidate(userId: string, candidate: string, mid: string): void {
    this.room.addSessionCandidate(userId, candidate, mid);
  }

  leave(userId: string): Promise<void> {
    return this.commands.run(() => this.depart(userId));
  }

  /** An action (moderation and the rest): acknowledged (resolves) only once what it changed is stored. */
  act(userId: string, action: Action): Promise<void> {
    return this.commands.run(async () => {
      await this.hooks.check(userId, action);
      await this.exec(() => this.space.act(userId, action, Date.now()), 'ack');
      this.broadcast.schedule();
    });
  }

  /** A guest's display name: nothing to store (guests are never stored); the next state shows it. */
  rename(userId: string, name: string): Promise<void> {
    return this.commands.run(async () => {
      await this.exec(() => this.space.rename(userId, name, Date.now()), 'ack');
      this.broadcast.scheduleFor(this.space.participant(userId)?.role);
    });
  }

  tierFor(userId: string): AudienceTier | undefined {
    return this.seating.tierFor(userId);
  }

  get hlsAudience(): number {
    return this.seating.hlsAudience;
  }

  /** Server shutdown: stop the timers but leave the Space live, to be restored at the next start. */
  dispose(): void {
    this.closed = true;
    this.graces.clearAll();
    this.broadcast.close();
    this.commands.close();
  }

  /**
   * This node stops running the Space, which stays live (the node drains, or another node
   * claimed it): as dispose, and every connection is closed with 4010, after which its client
   * reconnects through any node and so reaches the Space's next owner.
   */
  moveAway(): void {
    this.dispose();
    this.seating.vacateAll();
    const conns = [...this.connections.values()];
    this.connections.clear();
    for (const c of conns) c.close(4010, 'the Space moved to another node');
  }

  /** Ends the Space from outside the domain's permission checks (shutdown, operator). */
  end(reason: string): Promise<void> {
    return this.commands.run(async () => void (await this.exec(() => this.space.end(reason, Date.now()), 'must')));
  }

  snapshotFor(userId: string | null): { space: SpaceSnapshot; you: PersonView | null; invited: boolean } {
    const me = userId ? this.space.participant(userId) : undefined;
    const moderator = me?.role === 'host' || me?.role === 'cohost';
    return {
      space: spaceSnapshot(this.space, this.room.activeSpeaker, moderator),
      you: me ? personView(me) : null,
      invited: me?.invited ?? false,
    };
  }

  /** Runs a domain command (on the queue), stored as `mode` says, then applies its effects. */
  private async exec(command: () => SpaceEvent[], mode: CommandMode): Promise<SpaceEvent[]> {
    const events = await this.commands.exec(command, mode);
    this.apply(events);
    return events;
  }

  /** Leaves the Space (not a ban), on the queue. */
  private async depart(userId: string): Promise<void> {
    this.graces.clear(userId);
    const conn = this.connections.get(userId);
    this.connections.delete(userId);
    const role = this.space.participant(userId)?.role;
    await this.exec(() => this.space.leave(userId, Date.now()), 'must');
    this.room.remove(userId);
    conn?.close(1000, 'left');
    this.broadcast.scheduleFor(role);
  }

  private apply(events: SpaceEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      switch (e.kind) {
        case 'roleChanged': {
          const p = this.space.participant(e.userId);
          this.room.setPublisher(e.userId, isOnStage(e.to), p?.muted ?? false);
          if (isOnStage(e.to)) this.seating.cameOnStage(e.userId);
          break;
        }
        case 'recordingChanged':
          this.audience.egress.setRecording(e.on);
          break;
        case 'muteChanged':
          this.room.setMuted(e.userId, e.muted);
          break;
        case 'cameraChanged':
          this.room.setCamera(e.userId, e.on);
          if (e.on) this.audience.egress.noteCamera();
          break;
        case 'removed': {
          this.room.remove(e.userId);
          this.seating.forget(e.userId);
          const conn = this.connections.get(e.userId);
          this.connections.delete(e.userId);
          this.graces.clear(e.userId);
          conn?.send({ type: 'removed' });
          conn?.close(4001, 'removed');
          break;
        }
        case 'left':
          this.room.remove(e.userId);
          this.seating.forget(e.userId);
          break;
        case 'hostChanged':
          this.log.info({ from: e.from, to: e.to }, 'host handed over');
          break;
        default:
          break;
      }
    }
    for (const listener of this.eventListeners) listener(events);
    const ended = events.find((e): e is Extract<SpaceEvent, { kind: 'ended' }> => e.kind === 'ended');
    if (ended) this.close(ended.reason);
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.broadcast.now();
    const json = JSON.stringify({ type: 'ended', reason } satisfies ServerMessage);
    const conns = [...this.connections.values()];
    for (const c of conns) c.sendRaw(json);
    // Close on the next turn, so that the reply to the action that ended the Space goes out first.
    setImmediate(() => {
      for (const c of conns) c.close(1000, 'space ended');
    });
    this.connections.clear();
    this.graces.clearAll();
    this.broadcast.close();
    this.seating.vacateAll();
    // The room itself is closed by the ended hook, after the egress has written its last segments.
    this.hooks.ended(this.space);
  }

  private startGrace(userId: string, encoder = false): void {
    const ms = graceFor(this.options, { host: userId === this.space.hostId, encoder });
    this.graces.start(userId, ms, (id) => {
      void this.commands
        .run(async () => {
          if (this.closed) return;
          const events = await this.exec(() => this.space.expireGrace(id, Date.now()), 'must');
          if (events.length > 0) {
            this.room.remove(id);
            this.broadcast.schedule();
          }
        })
        .catch((err) => this.log.error({ err, user: id }, 'grace expiry failed'));
    });
  }
}

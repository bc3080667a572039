// One person in a Space. The domain keeps these objects; the app layer maps them to
// the wire's PersonView.
import type { Role } from '../protocol/messages.js';

export interface Participant {
  userId: string;
  handle: string;
  /** Guests (no account) can only listen: they cannot request to speak or be invited. */
  guest: boolean;
  /** A guest's chosen display name (never for accounts, whose handle is their name). */
  name?: string;
  role: Role;
  /** Microphone muted. Always false for listeners: they have no microphone to mute. */
  muted: boolean;
  /** Camera on. Always false off stage: only stage members publish video. */
  camera: boolean;
  /** False while the connection is down and the app layer's grace timer holds the place. */
  connected: boolean;
  /** Pending request to speak (listeners only). */
  requested: boolean;
  /** Pending invitation to speak from a moderator (listeners only). */
  invited: boolean;
  /**
   * Sequence numbers (never timestamps, so equal clock readings cannot tie) used for stable
   * ordering. All come from one counter per Space that only ever increases; 0 means "not set".
   */
  /** When they last came on stage; orders the stage. */
  stageSeq: number;
  /** When they last asked to speak; orders the request queue (oldest first). */
  requestSeq: number;
  /** When they joined; orders the audience list. Kept across reconnects. */
  joinSeq: number;
  /** When they last became co-host; the longest-serving co-host takes over from a departing host. */
  cohostSeq: number;
}

/** Identity of someone joining, as established by the auth layer. */
export interface Person {
  userId: string;
  handle: string;
  guest: boolean;
  /** A guest's chosen display name. */
  name?: string;
}

/**
 * What is stored of a participant so that a restart brings them back in the same place: all
 * but the connection, which a restart drops for everyone.
 */
export type MemberState = Omit<Participant, 'connected'>;

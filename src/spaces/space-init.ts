// What a Space is made from: its settings at creation, or everything stored about it when a
// restart loads it back. The Space aggregate (space.ts) holds the behaviour; this is the shape
// the store and the app layer fill in.
import type { EndReason } from './events.js';
import type { SpaceLimits } from './limits.js';
import type { MemberState } from './participant.js';

export type SpaceState = 'scheduled' | 'live' | 'ended';
export type SpaceKind = 'space' | 'broadcast';

export interface SpaceInit {
  id: string;
  title: string;
  hostId: string;
  hostHandle: string;
  state: SpaceState;
  scheduledFor?: number | null;
  startedAt?: number | null;
  endedAt?: number | null;
  /** Restores the reason of an ended Space loaded from storage. */
  endReason?: EndReason | null;
  banned?: Iterable<string>;
  limits?: SpaceLimits;
  /** "Record Space" was turned on (at creation, or later by the host). */
  recording?: boolean;
  /** A broadcast: the host streams video to the audience ("Go live"); otherwise a Space. */
  kind?: SpaceKind;
  /** Guests may comment; on unless the host turns it off. */
  guestComments?: boolean;
  /**
   * The live state stored before a restart: the people who were on stage, asked to speak or
   * were invited (all disconnected until they come back), and the counter that orders them.
   */
  members?: readonly MemberState[];
  memberSeq?: number;
}

/** Space fields a command may change, as rollback() puts them back. */
export interface SpaceFields {
  hostId: string;
  hostHandle: string;
  state: SpaceState;
  startedAt: number | null;
  endedAt: number | null;
  endReason: EndReason | null;
  recording: boolean;
  guestComments: boolean;
}

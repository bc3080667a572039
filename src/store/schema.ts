// Table types for Kysely. Timestamps are ISO-8601 strings in both SQLite and PostgreSQL.
import type { ColumnType } from 'kysely';

export interface UsersTable {
  id: string;
  handle: string;
  /** Lower-cased handle: handles are unique regardless of case. */
  handle_key: string;
  password_hash: string;
  /** Raised by "sign out everywhere": tokens carrying an older one are refused. */
  token_version: number;
  created_at: string;
}

export interface SpacesTable {
  id: string;
  title: string;
  host_id: string;
  host_handle: string;
  state: 'scheduled' | 'live' | 'ended';
  scheduled_for: string | null;
  started_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  /** 1 when "Record Space" is on (an integer: the same column on SQLite and PostgreSQL). */
  recording: number;
  kind: 'space' | 'broadcast';
  /** 1 while guests may comment (the host can turn it off). */
  guest_comments: number;
  created_at: string;
  /** The node that last claimed the live Space (null on a single node before the first claim). */
  owner_node: ColumnType<string | null, string | null | undefined, string | null>;
  /** Raised by every claim; a write of live state checks it (the fencing token). */
  owner_epoch: ColumnType<number, number | undefined, number>;
}

/** One person of a live Space who must come back in the same place after a restart. */
export interface SpaceMembersTable {
  space_id: string;
  user_id: string;
  handle: string;
  guest: number;
  role: 'host' | 'cohost' | 'speaker' | 'listener';
  muted: number;
  camera: number;
  requested: number;
  invited: number;
  stage_seq: number;
  request_seq: number;
  join_seq: number;
  cohost_seq: number;
}

export interface RecordingsTable {
  id: string;
  space_id: string;
  title: string;
  state: 'recording' | 'ready' | 'failed';
  started_at: string;
  ended_at: string | null;
  duration_sec: number;
  has_video: number;
  turns: string;
  expires_at: string | null;
  created_at: string;
}

export interface SpaceBansTable {
  space_id: string;
  user_id: string;
  created_at: string;
}

export interface CommentsTable {
  id: string;
  space_id: string;
  user_id: string;
  handle: string;
  /** A guest author's display name (008). */
  name: string | null;
  text: string;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  spaces: SpacesTable;
  space_bans: SpaceBansTable;
  recordings: RecordingsTable;
  comments: CommentsTable;
  stream_keys: StreamKeysTable;
  space_members: SpaceMembersTable;
}

export interface StreamKeysTable {
  space_id: string;
  user_id: string;
  /** SHA-256 of the key, hex. */
  key_hash: string;
  created_at: string;
}

// IPC between the capacity benchmark and its listener-pool processes.
export type PoolTarget = { kind: 'ours'; url: string; spaceId: string } | { kind: 'janus'; url: string; room: number; feeds: number[] };

export type PoolRequest =
  | { id: number; op: 'join'; target: PoolTarget; count: number; rate: number; startDelayMs?: number }
  | { id: number; op: 'snapshot' }
  | { id: number; op: 'closeAll' };

export interface PoolSnapshot {
  listeners: number;
  audio: number;
  video: number;
  lost: number;
}

export interface PoolReply {
  ok: boolean;
  error?: string;
  ready?: boolean;
  joined?: number;
  failed?: number;
  silent?: number;
  joinMs?: number[];
  errors?: string[];
  snapshot?: PoolSnapshot;
}

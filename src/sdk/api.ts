// Typed REST client shared by the web app, the bots and the load generator.
import type { CommentPage, RecordingView, SpaceSummary } from '../protocol/messages.js';

export interface User {
  id: string;
  handle: string;
}

export interface AuthResult {
  token: string;
  user: User;
}

export interface SpaceListItem extends SpaceSummary {
  stage: Array<{ userId: string; handle: string; role: string }>;
  listenerCount: number;
}

export interface SpaceList {
  live: SpaceListItem[];
  scheduled: SpaceListItem[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    /** Origin of the server, e.g. "http://127.0.0.1:8080"; empty for same-origin in the browser. */
    readonly baseUrl: string,
    public token: string | null = null,
  ) {}

  signUp(handle: string, password: string): Promise<AuthResult> {
    return this.request('POST', '/api/auth/signup', { handle, password });
  }

  signIn(handle: string, password: string): Promise<AuthResult> {
    return this.request('POST', '/api/auth/signin', { handle, password });
  }

  /** Revokes every session token of this account (this one too) and closes its connections. */
  async signOutEverywhere(): Promise<void> {
    await this.request('POST', '/api/auth/signout-all');
  }

  me(): Promise<{ user: User }> {
    return this.request('GET', '/api/me');
  }

  listSpaces(): Promise<SpaceList> {
    return this.request('GET', '/api/spaces');
  }

  getSpace(id: string): Promise<SpaceListItem> {
    return this.request('GET', `/api/spaces/${encodeURIComponent(id)}`);
  }

  /** Without `scheduledFor` the Space goes live at once; `record` turns "Record Space" on from the start. */
  createSpace(title: string, scheduledFor?: Date, options: { record?: boolean; kind?: 'space' | 'broadcast' } = {}): Promise<SpaceSummary> {
    return this.request('POST', '/api/spaces', {
      title,
      ...(scheduledFor ? { scheduledFor: scheduledFor.toISOString() } : {}),
      ...(options.record ? { record: true } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
    });
  }

  /** The host issues (or rotates) a WHIP stream key, for themselves or for `userId` on stage. */
  issueStreamKey(spaceId: string, userId?: string): Promise<{ key: string; userId: string; whipUrl: string }> {
    return this.request('POST', `/api/spaces/${encodeURIComponent(spaceId)}/stream-keys`, userId ? { userId } : {});
  }

  /** The host turns "Record Space" on or off. */
  setRecording(id: string, on: boolean): Promise<SpaceSummary> {
    return this.request('POST', `/api/spaces/${encodeURIComponent(id)}/recording`, { on });
  }

  /** The Space's recording, with its VOD playlist and speaker timeline. */
  getRecording(id: string): Promise<RecordingView> {
    return this.request('GET', `/api/spaces/${encodeURIComponent(id)}/recording`);
  }

  /**
   * A page of a Space's comments (live or ended), oldest first: the newest `limit` (default 50,
   * at most 200), or those before `before` (a page's `nextBefore`, or an ISO time).
   */
  listComments(id: string, options: { before?: string; limit?: number } = {}): Promise<CommentPage> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set('before', options.before);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const qs = query.toString();
    return this.request('GET', `/api/spaces/${encodeURIComponent(id)}/comments${qs ? `?${qs}` : ''}`);
  }

  startSpace(id: string): Promise<SpaceSummary> {
    return this.request('POST', `/api/spaces/${encodeURIComponent(id)}/start`);
  }

  /** Signs up, or signs in when the handle exists: what bots and tests want. */
  async ensureAccount(handle: string, password: string): Promise<AuthResult> {
    try {
      const result = await this.signUp(handle, password);
      this.token = result.token;
      return result;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'handle_taken') throw err;
      const result = await this.signIn(handle, password);
      this.token = result.token;
      return result;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      throw new ApiError(res.status, String(data.code ?? 'http_error'), String(data.message ?? res.statusText));
    }
    return data as T;
  }
}

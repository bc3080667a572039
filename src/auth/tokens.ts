// Session tokens: HS256 JWTs signed with the server's secret (jose). A token is good only if it
// carries an expiry, names a user who exists, and carries that user's current token version:
// "sign out everywhere" raises the version, which revokes every token issued before it. The
// handle comes from the account, not from the token.
import { SignJWT, jwtVerify } from 'jose';

export interface SessionClaims {
  userId: string;
  handle: string;
}

/** The accounts tokens are checked against. */
export interface TokenUsers {
  findById(id: string): Promise<{ id: string; handle: string; tokenVersion: number } | undefined>;
  /** Raises the user's token version; resolves with the new one. */
  revokeTokens(id: string): Promise<number>;
}

const ISSUER = 'spaces';
const TTL = '30d';

export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly users: TokenUsers,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(user: { userId: string; handle: string; tokenVersion: number }): Promise<string> {
    return new SignJWT({ handle: user.handle, tv: user.tokenVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(TTL)
      .sign(this.key);
  }

  /** The claims of a valid token of an existing user, or null for anything else (expired, revoked, forged, garbage). */
  async verify(token: string): Promise<SessionClaims | null> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
    } catch {
      return null;
    }
    if (typeof payload.sub !== 'string' || typeof payload.tv !== 'number') return null;
    const user = await this.users.findById(payload.sub);
    if (!user || user.tokenVersion !== payload.tv) return null;
    return { userId: user.id, handle: user.handle };
  }

  /** Sign out everywhere: every token issued to this user so far stops working. */
  async revokeAll(userId: string): Promise<void> {
    await this.users.revokeTokens(userId);
  }
}

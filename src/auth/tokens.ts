// Session tokens: HS256 JWTs signed with the server's secret (jose).
import { SignJWT, jwtVerify } from 'jose';

export interface SessionClaims {
  userId: string;
  handle: string;
}

const ISSUER = 'spaces';
const TTL = '30d';

export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(claims: SessionClaims): Promise<string> {
    return new SignJWT({ handle: claims.handle })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(TTL)
      .sign(this.key);
  }

  /** Returns the claims of a valid token, or null for anything else (expired, forged, garbage). */
  async verify(token: string): Promise<SessionClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.handle !== 'string') return null;
      return { userId: payload.sub, handle: payload.handle };
    } catch {
      return null;
    }
  }
}

// Guests (listeners without an account). A guest's client keeps a random secret across reloads
// so that it comes back as the same person; the secret is the guest's credential and appears in
// no message to anyone else. Everyone else sees a public id derived from it with an HMAC under
// the server's secret: it cannot be turned back into the secret, so seeing a guest (in the state
// everyone gets, on a comment) gives nobody a way to join, comment or delete as them.
//
// Every identity the server makes up for someone without an account is minted here: a guest's
// secret when their client brought none, and a WHEP player's participant id.
import { createHmac, randomBytes } from 'node:crypto';
import type { Person } from '../spaces/index.js';

/** A guest secret: 16 to 64 URL-safe characters (the web app makes 21, 126 bits). */
export const GUEST_SECRET = /^[A-Za-z0-9_-]{16,64}$/;

export class GuestIdentities {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    // A key of its own, so that a guest id never doubles as anything signed with the session key.
    this.key = createHmac('sha256', serverSecret).update('spaces guest identity v1').digest();
  }

  /**
   * The guest a client is: the one its secret stands for, or a new one (with the secret minted
   * for it, which the client is told, and only it) when it brought none. `name`: the display
   * name the guest chose (already validated: guestName in the protocol); it rides with the
   * identity, but is not part of it: two guests may share a name, and a guest may change theirs.
   */
  guest(secret: string | undefined, name?: string): { person: Person; mintedSecret?: string } {
    const named = (person: Person): Person => (name === undefined ? person : { ...person, name });
    if (secret !== undefined) return { person: named(this.person(secret)) };
    const minted = randomBytes(16).toString('base64url');
    return { person: named(this.person(minted)), mintedSecret: minted };
  }

  /** A WHEP player: a listener of its own, without a WebSocket, for as long as its session runs. */
  player(): Person {
    return { userId: `whep_${randomBytes(9).toString('base64url')}`, handle: 'WHEP player', guest: true };
  }

  /** The guest a secret stands for. */
  person(secret: string): Person {
    const id = createHmac('sha256', this.key).update(secret).digest('base64url').slice(0, 22);
    return { userId: `guest:${id}`, handle: `guest-${id.slice(0, 6)}`, guest: true };
  }
}

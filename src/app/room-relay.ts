// What the media room says to the people in a live Space: its SDP offers and ICE candidates to
// the one they are for, speaking levels and the active speaker to everyone, and which video each
// viewer's stage slot shows. Kept apart from LiveSpace because none of it touches the domain:
// it is a relay from the media plane's events to the open connections.
import type { RoomHandle } from '../media/room/room-handle.js';
import type { ServerMessage } from '../protocol/messages.js';
import type { Connection } from './connection.js';

/** Relays `room`'s events to `connections`; `connectionGone` hears of a peer whose connection failed or closed. */
export function relayRoomEvents(room: RoomHandle, connections: ReadonlyMap<string, Connection>, connectionGone: (userId: string) => void): void {
  const toEveryone = (message: ServerMessage) => {
    const json = JSON.stringify(message);
    for (const c of connections.values()) c.sendRaw(json);
  };
  room.on('offer', (userId, sdp, fresh) => connections.get(userId)?.send({ type: 'offer', sdp, ...(fresh ? { fresh } : {}) }));
  room.on('candidates', (userId, candidates, mid) => {
    const conn = connections.get(userId);
    for (const candidate of candidates) conn?.send({ type: 'candidate', candidate, mid });
  });
  room.on('speaking', (levels) => toEveryone({ type: 'speaking', speakers: levels.map((l) => ({ userId: l.id, level: l.level })) }));
  room.on('connectionState', (userId, state) => {
    if (state === 'failed' || state === 'closed') connectionGone(userId);
  });
  room.on('activeSpeaker', (userId) => toEveryone({ type: 'activeSpeaker', userId }));
  room.on('stageVideo', (viewerId, sourceId, pinned, layer) => connections.get(viewerId)?.send({ type: 'stageVideo', userId: sourceId, pinned, layer }));
}

// The socket a session's SignallingClient runs on, with one addition: the session hears of a
// close before the SDK does, to stop reconnecting at once when the close is final.
import type { WebSocketLike } from '../../../../src/sdk/signalling.js';

/**
 * A socket whose close reaches `first` before the SDK's own onclose (which the SDK sets after
 * the factory returns, so it cannot be wrapped any earlier).
 */
export function closeFirst(socket: WebSocketLike, first: (ev: { code: number; reason: string }) => void): WebSocketLike {
  let sdkOnClose: WebSocketLike['onclose'] = null;
  socket.onclose = (ev) => {
    first(ev);
    sdkOnClose?.(ev);
  };
  return {
    get readyState() {
      return socket.readyState;
    },
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    get onopen() {
      return socket.onopen;
    },
    set onopen(h) {
      socket.onopen = h;
    },
    get onmessage() {
      return socket.onmessage;
    },
    set onmessage(h) {
      socket.onmessage = h;
    },
    get onerror() {
      return socket.onerror;
    },
    set onerror(h) {
      socket.onerror = h;
    },
    get onclose() {
      return sdkOnClose;
    },
    set onclose(h) {
      sdkOnClose = h;
    },
  };
}

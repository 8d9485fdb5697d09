// Arrival stamps taken when a request's first bytes are read from its socket, not at the HTTP
// `request` event. A listener prepended to each connection's 'data' runs before Node's HTTP
// parser sees the chunk, so the stamp is the moment the read callback reached JavaScript. One
// stamp per request: it is armed by the first chunk after the previous request's body ended
// (keep-alive) and taken by the request handler.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { nowMs } from './clock.js';

interface SocketArrival {
  /** First-byte time of the request not yet taken by a handler. */
  firstByteMs: number | undefined;
  /** A request's body is still being read: its chunks are not a new request. */
  inBody: boolean;
}

export class ArrivalStamps {
  private readonly bySocket = new WeakMap<Socket, SocketArrival>();

  /** Starts stamping every connection of `server`. */
  watch(server: Server): void {
    server.on('connection', (socket: Socket) => {
      const state: SocketArrival = { firstByteMs: undefined, inBody: false };
      this.bySocket.set(socket, state);
      socket.prependListener('data', () => {
        if (!state.inBody && state.firstByteMs === undefined) state.firstByteMs = nowMs();
      });
    });
  }

  /**
   * The arrival of the request just parsed on `socket` (now, when the socket is unknown), and
   * marks its body as in progress until `bodyEnded` is called.
   */
  take(socket: Socket): number {
    const state = this.bySocket.get(socket);
    if (!state) return nowMs();
    const ms = state.firstByteMs ?? nowMs();
    state.firstByteMs = undefined;
    state.inBody = true;
    return ms;
  }

  /** The request's body has been read: the next chunk on `socket` starts a new request. */
  bodyEnded(socket: Socket): void {
    const state = this.bySocket.get(socket);
    if (state) state.inBody = false;
  }
}

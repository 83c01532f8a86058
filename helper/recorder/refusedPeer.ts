// A peer of the recorder's socket that it will not serve (docs/flight-recorder.md,
// "Serving"): a uid it does not admit, or one that has as many connections
// open as one uid may. The peer is told why in the protocol, so that a
// client can show it (recorder/refused), and the connection is closed
// without a byte of what the peer sent being read: a refused peer, however
// many times it connects and whatever it sends, costs the recorder one
// small write and a descriptor for at most REFUSED_LINGER_MS.
//
// The connection is not closed the moment the refusal is written: a client
// writes its first request as soon as it has connected, and a write to a
// socket already closed fails (EPIPE), which makes Node drop the socket
// with the refusal unread. So the recorder shuts down its sending side (the
// client reads the refusal, then the end) and closes only REFUSED_LINGER_MS
// later; the client's request stays unread in the kernel, on the client's
// account, until then. Closing a unix stream socket with data left unread
// makes the peer's next read fail with ECONNRESET, but only once it has
// read what was sent to it before (unix_release_sock,
// unix_stream_read_generic).
import type * as net from 'node:net';

import { HelperErrorCodes, RecorderRefusedNotification, type RefusedParams } from '../../common/protocol';

/** How long a refused connection stays open after its refusal, for the client to read it. */
export const REFUSED_LINGER_MS = 1000;

/**
 * Writes the refusal, ends the recorder's side, and closes the connection
 * REFUSED_LINGER_MS later, or, without `linger`, as soon as the refusal is
 * written (and REFUSED_LINGER_MS later all the same where it never is).
 */
export function refusePeer(socket: net.Socket, refusal: RefusedParams, { linger }: { linger: boolean }): void {
  const body = JSON.stringify({ jsonrpc: '2.0', method: RecorderRefusedNotification.method, params: refusal });
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, REFUSED_LINGER_MS);
  // Whatever befalls the write (a peer gone already), the connection is closed all the same.
  socket.on('error', close);
  socket.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => {
    if (!linger) close();
  });
}

/** The refusal of a uid the recorder does not admit: who can admit it, and no command line with the recorder's paths. */
export function notAdmitted(uid: number): RefusedParams {
  return {
    code: HelperErrorCodes.NotAdmitted,
    message: `uid ${uid} is not admitted to the Syscall Trace recorder; the administrator of this machine can admit it`,
  };
}

/** The refusal of a connection over what one uid may hold open. */
export function tooManyConnections(uid: number, most: number): RefusedParams {
  return {
    code: HelperErrorCodes.TooManyConnections,
    message: `uid ${uid} has ${most} connections to the Syscall Trace recorder open already, the most it serves one uid; close one (a VS Code window, a client) and try again`,
  };
}

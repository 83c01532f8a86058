// A peer of the recorder's socket whose uid it does not admit
// (ARCHITECTURE.md, "Serving"). It is spoken to in the protocol all the same,
// so that a client learns why, in words it can show: every request is
// answered NotAdmitted, with the command that admits it. The connection is
// closed once the first answer is written, or REFUSED_PEER_MS after it was
// made if none was asked for: a refused peer holds nothing for long.
import type * as net from 'node:net';
import { ResponseError } from 'vscode-jsonrpc/node';

import { HelperErrorCodes } from '../../common/protocol';
import { logger } from '../helperLog';
import { JsonRpcEndpoint } from '../jsonRpcEndpoint';

export const REFUSED_PEER_MS = 5000;

export function refusePeer(socket: net.Socket, uid: number, admitCommand: string): void {
  const client = new JsonRpcEndpoint(socket, socket, logger);
  const close = (): void => {
    clearTimeout(timer);
    client.dispose();
    socket.destroy();
  };
  const timer = setTimeout(close, REFUSED_PEER_MS);
  let answered = false;
  client.onBacklogChanged(() => {
    if (client.waitingMessages > 0) answered = true;
    else if (answered) close();
  });
  const refusal = (): never => {
    throw new ResponseError(
      HelperErrorCodes.NotAdmitted,
      `uid ${uid} is not admitted to the Syscall Trace recorder; root can admit it with: sudo ${admitCommand} ${uid}`,
    );
  };
  client.listen({ get: () => refusal }, close);
}

// Many connections to the recorder's socket at once, with no dependency
// (bundled by buildFloodScript in recorder.ts), to be run as another user:
//   node socketFlood.js SOCKET COUNT partial-frame|initialize
// partial-frame: each connection writes the header of a 2 MiB frame and
// 1 MiB of its body, and never the rest, as a peer that wants the recorder
// to buffer it would. initialize: each sends initialize and waits for its
// answer. Every connection is held open until each has been answered,
// refused or closed (or 20 s), then one JSON line (FloodResult) is printed
// and the process exits 0, closing them all.
import * as net from 'node:net';

import { PROTOCOL_VERSION } from '../../common/protocol';
import { frame, FrameSplitter } from './frames';

const [socketPath, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const MIB = 1 << 20;

interface Outcome {
  /** The params of recorder/refused, where that came. */
  refused?: { code: number; message: string };
  /** initialize was answered with a result. */
  answered: boolean;
  closedByRecorder: boolean;
  /** How many bytes of the partial frame the recorder's side took before it closed. */
  written: number;
  error?: string;
}

const outcomes: Outcome[] = [];
const sockets: net.Socket[] = [];
let finished = false;

function settled(outcome: Outcome): boolean {
  // A refusal is followed by the end of the connection: settled once that has come too.
  return outcome.answered || outcome.closedByRecorder || outcome.error !== undefined;
}

function finish(): void {
  if (finished) return;
  finished = true;
  for (const socket of sockets) socket.destroy();
  // Exits once the line is written: a pipe takes a long one in parts, and an exit before then cuts it.
  process.stdout.write(`${JSON.stringify(outcomes)}\n`, () => process.exit(0));
}

function check(): void {
  if (outcomes.length === count && outcomes.every(settled)) setTimeout(finish, 100);
}

for (let i = 0; i < count; i++) {
  const outcome: Outcome = { answered: false, closedByRecorder: false, written: 0 };
  outcomes.push(outcome);
  const socket = net.connect(socketPath);
  sockets.push(socket);
  const frames = new FrameSplitter();
  socket.on('connect', () => {
    if (mode === 'partial-frame') {
      const header = `Content-Length: ${2 * MIB}\r\n\r\n`;
      const body = Buffer.alloc(MIB, 0x20);
      socket.write(header);
      socket.write(body, (error) => {
        if (error === undefined || error === null) outcome.written = MIB;
      });
    } else {
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION },
      });
      socket.write(frame(body));
    }
  });
  socket.on('data', (chunk: Buffer) => {
    for (const message of frames.push(chunk) as {
      id?: number;
      method?: string;
      params?: { code: number; message: string };
      result?: unknown;
    }[]) {
      if (message.method === 'recorder/refused') outcome.refused = message.params;
      if (message.id === 1 && message.result !== undefined) outcome.answered = true;
    }
    check();
  });
  socket.on('close', () => {
    if (!finished) outcome.closedByRecorder = true;
    check();
  });
  // ECONNRESET, EPIPE: the recorder closed with what this side sent unread; the close follows.
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') outcome.error = error.code ?? error.message;
  });
}
setTimeout(finish, 20_000);

// A client of the recorder's socket with no dependency (bundled by
// buildClientScript in recorder.ts), to be run as another user:
//   node socketClient.js SOCKET MESSAGES_JSON [--hold]
// MESSAGES_JSON is an array; a string in it is written to the socket as it
// is (garbage), an object is framed as a JSON-RPC request, numbered from 1.
// It waits for an answer to each request, or for the recorder to close the
// connection, or 10 s, then prints one JSON line (ScriptClientResult) and
// exits 0. With --hold, once every request is answered it prints
// `answered` on a line of its own and goes on listening (notifications:
// live deletions) until its stdin ends, and only then prints the JSON line.
import * as net from 'node:net';

import { frame, FrameSplitter } from './frames';

const [socketPath, messagesJson, hold] = process.argv.slice(2);
const holding = hold === '--hold';
const toSend = JSON.parse(messagesJson) as (string | { method: string; params?: unknown })[];
const requests = toSend.filter((message) => typeof message !== 'string').length;

const messages: { id?: unknown }[] = [];
const frames = new FrameSplitter();
let closedByRecorder = false;
let done = false;

function finish(error?: string): void {
  if (done) return;
  done = true;
  socket.destroy();
  // Exits once the line is written: a pipe takes a long one in parts, and an exit before then cuts it.
  process.stdout.write(`${JSON.stringify({ messages, closedByRecorder, ...(error ? { error } : {}) })}\n`, () =>
    process.exit(0),
  );
}

const socket = net.connect(socketPath);
socket.on('connect', () => {
  let id = 0;
  for (const message of toSend) {
    const body = typeof message === 'string' ? undefined : JSON.stringify({ jsonrpc: '2.0', id: ++id, ...message });
    socket.write(body === undefined ? (message as string) : frame(body));
  }
});
socket.on('data', (chunk: Buffer) => {
  messages.push(...(frames.push(chunk) as { id?: unknown }[]));
  const answers = messages.filter((message) => typeof message.id === 'number').length;
  if (answers < requests || requests === 0) return;
  if (!holding) {
    setTimeout(() => finish(), 200);
  } else if (!announced) {
    announced = true;
    clearTimeout(patience);
    process.stdout.write('answered\n');
    process.stdin.on('end', () => finish()).resume();
  }
});
socket.on('close', () => {
  closedByRecorder = !done;
  finish();
});
socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
let announced = false;
const patience = setTimeout(() => finish('no answer within 10 s'), 10_000);

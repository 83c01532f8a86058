// A client of the recorder's socket with no dependency (bundled by
// buildClientScript in recorder.ts), to be run as another user:
//   node socketClient.js SOCKET MESSAGES_JSON
// MESSAGES_JSON is an array; a string in it is written to the socket as it
// is (garbage), an object is framed as a JSON-RPC request, numbered from 1.
// It waits for an answer to each request, or for the recorder to close the
// connection, or 10 s, then prints one JSON line (ScriptClientResult) and
// exits 0.
import * as net from 'node:net';

const [socketPath, messagesJson] = process.argv.slice(2);
const toSend = JSON.parse(messagesJson) as (string | { method: string; params?: unknown })[];
const requests = toSend.filter((message) => typeof message !== 'string').length;

const messages: { id?: unknown }[] = [];
let pending = Buffer.alloc(0);
let closedByRecorder = false;
let done = false;

function finish(error?: string): void {
  if (done) return;
  done = true;
  process.stdout.write(`${JSON.stringify({ messages, closedByRecorder, ...(error ? { error } : {}) })}\n`);
  socket.destroy();
  process.exit(0);
}

const socket = net.connect(socketPath);
socket.on('connect', () => {
  let id = 0;
  for (const message of toSend) {
    const body = typeof message === 'string' ? undefined : JSON.stringify({ jsonrpc: '2.0', id: ++id, ...message });
    socket.write(body === undefined ? message as string : `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
});
socket.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  for (;;) {
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) break;
    const length = Number(/Content-Length: (\d+)/i.exec(pending.subarray(0, end).toString('latin1'))?.[1]);
    if (pending.length < end + 4 + length) break;
    messages.push(JSON.parse(pending.subarray(end + 4, end + 4 + length).toString('utf8')) as { id?: unknown });
    pending = pending.subarray(end + 4 + length);
  }
  const answers = messages.filter((message) => typeof message.id === 'number').length;
  if (answers >= requests && requests > 0) setTimeout(() => finish(), 200);
});
socket.on('close', () => {
  closedByRecorder = !done;
  finish();
});
socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
setTimeout(() => finish('no answer within 10 s'), 10_000);

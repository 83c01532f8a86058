// Framing for the scripts that other users run against the recorder's
// socket (socketClientScript.ts, socketFloodScript.ts), with no dependency:
// they are bundled alone.

/** A message framed as the protocol frames it. */
export function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Takes what the socket delivers, in pieces, and hands back each whole message, parsed. */
export class FrameSplitter {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const messages: unknown[] = [];
    for (;;) {
      const end = this.pending.indexOf('\r\n\r\n');
      if (end < 0) break;
      const length = Number(/Content-Length: (\d+)/i.exec(this.pending.subarray(0, end).toString('latin1'))?.[1]);
      if (this.pending.length < end + 4 + length) break;
      messages.push(JSON.parse(this.pending.subarray(end + 4, end + 4 + length).toString('utf8')));
      this.pending = this.pending.subarray(end + 4 + length);
    }
    return messages;
  }
}

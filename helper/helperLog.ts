// The helper's log: lines on stderr, `syscall-trace: ...`. They are dropped
// while 64 KiB of them wait unread, so that a client that never reads
// stderr cannot make the helper grow.
import type { Logger } from 'vscode-jsonrpc/node';

const MAX_UNREAD_LOG_BYTES = 64 * 1024;

export function log(message: string): void {
  if (process.stderr.writableLength > MAX_UNREAD_LOG_BYTES) return;
  process.stderr.write(`syscall-trace: ${message}\n`);
}

/** For vscode-jsonrpc's connections: what they have to say goes to the log. */
export const logger: Logger = { error: log, warn: log, info: log, log };

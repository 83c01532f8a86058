// The recorder's unix socket (ARCHITECTURE.md, "Serving"). Anyone may
// connect (the file is 0666 in a directory of 0755), so that whoever is not
// admitted is told why rather than meeting a bare EACCES; who is admitted is
// decided by the peer's credentials, which the kernel records at connect()
// (SO_PEERCRED) and no peer can forge: root, and the uids of --allow-uid.
import * as fs from 'node:fs';
import * as net from 'node:net';

import { log } from '../helperLog';
import { loadAddon } from '../native';
import type { Recorder } from './recorder';
import { RecorderSession } from './recorderSession';
import { refusePeer } from './refusedPeer';

/** The socket cannot be served; the message says why. */
export class SocketError extends Error {}

/**
 * Listens on `socketPath`, in a directory that is there already (the
 * recorder's own: recorderAccount.ts, claimDirectory). A socket file there is
 * removed only where nothing listens on it (one that a recorder killed with
 * SIGKILL left), and anything else there is left alone.
 */
export async function bindRecorderSocket(socketPath: string): Promise<net.Server> {
  await removeStaleSocket(socketPath);
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new SocketError(`cannot listen on ${socketPath}: ${error.message}`)));
    server.listen(socketPath, () => resolve());
  });
  // bind() gave the file the process's umask (0077 under the unit): clients of every uid must reach it.
  fs.chmodSync(socketPath, 0o666);
  return server;
}

export class RecorderSocketServer {
  private readonly sessions = new Set<RecorderSession>();
  private ending = false;
  /** The socket file this recorder made: removed at the end only if it is still that one. */
  private readonly socketInode: number;

  constructor(
    private readonly server: net.Server,
    private readonly socketPath: string,
    private readonly recorder: Recorder,
    private readonly admittedUids: ReadonlySet<number>,
    /** What root runs to admit a uid, but for the uid: said to each peer refused. */
    private readonly admitCommand: string,
  ) {
    this.socketInode = fs.statSync(socketPath).ino;
    server.on('error', (error) => log(`the socket ${socketPath}: ${error.message}`));
  }

  /** Accepts clients from now on. */
  serve(): void {
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** Accepts no more clients, and ends the connections there are. */
  endConnections(): void {
    this.ending = true;
    for (const session of this.sessions) session.close();
  }

  /**
   * Stops listening and removes the socket file. Once the recorder has
   * detached: it would record its own deletion of the file otherwise.
   */
  close(): void {
    this.endConnections();
    this.server.close();
    try {
      if (fs.statSync(this.socketPath).ino === this.socketInode) fs.unlinkSync(this.socketPath);
    } catch {
      // gone already
    }
  }

  private accept(socket: net.Socket): void {
    if (this.ending) {
      socket.destroy();
      return;
    }
    let uid: number;
    try {
      uid = loadAddon().peerCredentials(socketFd(socket)).uid;
    } catch (error) {
      log(`a client of the socket was closed: its credentials could not be read (${(error as Error).message})`);
      socket.destroy();
      return;
    }
    if (uid === 0 || this.admittedUids.has(uid)) {
      const session: RecorderSession = new RecorderSession(socket, this.recorder, () => this.sessions.delete(session));
      this.sessions.add(session);
    } else {
      refusePeer(socket, uid, this.admitCommand);
    }
    socket.resume();
  }
}

/** The descriptor under a connected net.Socket: Node keeps it in the libuv handle (Pipe) it wraps. */
function socketFd(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the connection has no file descriptor');
  return fd;
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw new SocketError(`${socketPath} exists and is not a socket: move it away, or give another --socket`);
  if (await somethingListens(socketPath)) throw new SocketError(`another recorder already serves ${socketPath}`);
  fs.rmSync(socketPath, { force: true });
}

/** Whether a connect() to the socket file is answered; refused means nobody holds it. */
function somethingListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'));
  });
}

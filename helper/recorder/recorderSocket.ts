// The recorder's unix socket (docs/flight-recorder.md, "Serving"). Anyone may
// connect (the file is 0666 in a directory of 0755), so that whoever is not
// admitted is told why rather than meeting a bare EACCES; who is admitted,
// and to what, is decided by the peer's uid, which the kernel records at
// connect() (SO_PEERCRED) and no peer can forge: root and the members of
// the groups of --allow-group see every user's deletions, the uids of
// --allow-uid their own processes' alone.
//
// No peer can make the recorder hold much for it: one it does not admit is
// told so and closed without anything it sent being read (refusedPeer.ts),
// and one uid holds at most MAX_CONNECTIONS_PER_UID connections served,
// each of which reads one bounded frame at a time (framedMessageReader.ts),
// and as many refused ones lingering for their refusal to be read.
import * as fs from 'node:fs';
import * as net from 'node:net';

import type { RecorderView, RefusedParams } from '../../common/protocol';
import { log } from '../helperLog';
import { loadAddon } from '../native';
import { isMemberOfAny, readAccountFiles, type GroupName } from './groups';
import type { Recorder } from './recorder';
import { RecorderSession } from './recorderSession';
import { notAdmitted, refusePeer, tooManyConnections } from './refusedPeer';
import { messageOf } from '../../common/errors';

/**
 * The connections one uid may hold open: a VS Code window holds one, a
 * reconnecting one a second for a moment. Each may hold a frame of up to
 * MAX_BODY_BYTES being read and MAX_WAITING_DELETIONS waiting to be written.
 */
export const MAX_CONNECTIONS_PER_UID = 16;

/** Who is admitted beside root, and to what. */
export interface RecorderAccess {
  /** Shown their own processes' deletions. */
  allowUids: ReadonlySet<number>;
  /** Their members are shown every user's deletions. */
  allowGroups: readonly GroupName[];
}

/** The socket cannot be served; the message says why. */
export class SocketError extends Error {}

/**
 * Listens on `socketPath`, in a directory that is there already (the
 * recorder's own: accountSetup.ts, claimDirectory). A socket file there is
 * removed only where nothing listens on it (one that a recorder killed with
 * SIGKILL left), and anything else there is left alone.
 */
export async function bindRecorderSocket(socketPath: string): Promise<net.Server> {
  await removeStaleSocket(socketPath);
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SocketError(`cannot listen on ${socketPath}: ${error.message}`)),
    );
    // bind() makes the file 0777 less the umask (0077 under the unit), and
    // clients of every uid must reach it: with a umask of 0111 for the bind
    // alone it is 0666 from its first moment, and no chmod() by path follows,
    // when the path might name another file. listen() binds before it returns.
    const umask = process.umask(0o111);
    try {
      server.listen(socketPath, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  return server;
}

export class RecorderSocketServer {
  private readonly sessions = new Set<RecorderSession>();
  /** Connections served, and refused ones still open, by uid. */
  private readonly connectionsByUid = new Map<number, number>();
  private readonly refusalsByUid = new Map<number, number>();
  private ending = false;
  /** The socket file this recorder made: removed at the end only if it is still that one. */
  private readonly socketInode: number;

  constructor(
    private readonly server: net.Server,
    private readonly socketPath: string,
    private readonly recorder: Recorder,
    private readonly access: RecorderAccess,
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
      log(`a client of the socket was closed: its credentials could not be read (${messageOf(error)})`);
      socket.destroy();
      return;
    }
    const view = this.viewOf(uid);
    if (view === undefined) {
      this.refuse(socket, uid, notAdmitted(uid));
      return;
    }
    if ((this.connectionsByUid.get(uid) ?? 0) >= MAX_CONNECTIONS_PER_UID) {
      this.refuse(socket, uid, tooManyConnections(uid, MAX_CONNECTIONS_PER_UID));
      return;
    }
    count(this.connectionsByUid, uid, +1);
    const session: RecorderSession = new RecorderSession(socket, this.recorder, { uid, view }, () => {
      this.sessions.delete(session);
      count(this.connectionsByUid, uid, -1);
    });
    this.sessions.add(session);
    socket.resume();
  }

  /**
   * Refuses the connection, never reading from it. A uid with
   * MAX_CONNECTIONS_PER_UID refused connections lingering already has the
   * next one closed as soon as its refusal is written: a flood of them holds
   * no more descriptors than that.
   */
  private refuse(socket: net.Socket, uid: number, refusal: RefusedParams): void {
    const lingering = (this.refusalsByUid.get(uid) ?? 0) < MAX_CONNECTIONS_PER_UID;
    if (lingering) {
      count(this.refusalsByUid, uid, +1);
      socket.once('close', () => count(this.refusalsByUid, uid, -1));
    }
    refusePeer(socket, refusal, { linger: lingering });
  }

  /** Whose deletions `uid` is shown; undefined: it is not admitted. Group membership is read afresh at each connection. */
  private viewOf(uid: number): RecorderView | undefined {
    if (uid === 0) return 'system';
    if (this.access.allowGroups.length > 0 && isMemberOfAny(uid, this.access.allowGroups, readAccountFiles()))
      return 'system';
    return this.access.allowUids.has(uid) ? 'own' : undefined;
  }
}

/** Adds `change` to the count of `uid`, forgetting a count of 0. */
function count(counts: Map<number, number>, uid: number, change: number): void {
  const total = (counts.get(uid) ?? 0) + change;
  if (total > 0) counts.set(uid, total);
  else counts.delete(uid);
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
  if (!stat.isSocket())
    throw new SocketError(`${socketPath} exists and is not a socket: move it away, or give another --socket`);
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
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'),
    );
  });
}

// The recorder's one code path (docs/flight-recorder.md, "Flight recorder"): one
// DeletionTracer over the whole system, failures included, for as long as
// the recorder runs; each batch of deletions is numbered in the recording's
// own sequence, handed to the Recording, and handed to every client that
// listens (recorderSession.ts), from the same batch.
//
// The tracer is never paused: the recording takes a batch without waiting
// (it commits on its own timer), and each client that falls behind loses
// its own deletions (its `lost`), never anyone else's.
//
// A database that cannot be opened (damaged, locked, read-only, a full
// disk) does not stop the recorder: it goes on tracing and serving live
// deletions, counts every deletion it could not record, and says why in its
// RecorderStatus (`problem`).
import type { DeletionEvent, HistoryResult, ModeChoice, RecorderStatus } from '../../common/protocol';
import { DeletionTracer, programOptions } from '../tracing/deletionTracer';
import { log } from '../helperLog';
import { describeLoaded, describePrivileges, loadThenGiveUpPrivileges } from '../privileges/loadThenDrop';
import type { User } from '../privileges/privilegeDrop';
import { Recording, RecordingError, type HistoryQuery } from './recording';
import { messageOf } from '../../common/errors';

/** RecorderStatus goes to the clients at most this often. */
export const STATUS_INTERVAL_MS = 1000;
const MIB = 1 << 20;
/** A database that could not be opened is tried again this often; SYSCALL_TRACE_REOPEN_MS sets it for tests. */
export const REOPEN_MS_VARIABLE = 'SYSCALL_TRACE_REOPEN_MS';
/** A minute: a disk that was full, or a lock, gets time to clear before the next try. */
const REOPEN_MS_DEFAULT = 60_000;
const REOPEN_MS =
  Number(process.env[REOPEN_MS_VARIABLE]) > 0 ? Number(process.env[REOPEN_MS_VARIABLE]) : REOPEN_MS_DEFAULT;

export interface RecorderOptions {
  database: string;
  retainDays: number;
  retainMib: number;
  attachMode: ModeChoice;
  queueMib: number;
}

/** A client that hears of live deletions and of what the recorder loses and keeps. */
export interface RecorderListener {
  /** A batch of deletions, numbered as the recording numbers them. */
  onDeletions(events: readonly DeletionEvent[]): void;
  /** The kernel could not deliver this many more deletions, or command lines, since the last call. */
  onKernelLoss(deletions: number, commandLines: number): void;
  onStatus(status: RecorderStatus): void;
}

/** The recorder cannot trace: it has no reason to run. */
export class RecorderStartError extends Error {}

export class Recorder {
  readonly tracer: DeletionTracer;
  private recording: Recording | undefined;
  /** Why the database could not be opened; undefined while it is open, or before openRecording(). */
  private openProblem: string | undefined;
  /** Deletions counted unrecorded while there is no database to record them in. */
  private unrecordedWithoutDatabase = 0;
  /** Added to the tracer's seq (which starts at 1): the recording's numbers go on from where it was. */
  private seqOffset = 0;
  /** The last seq handed out, and the tracer's own number for it. */
  private lastSeq = 0;
  private lastTracerSeq = 0;
  private reopenTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<RecorderListener>();
  private kernelLost = 0;
  private kernelLostCommandLines = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusPending = false;
  private lastStatusAt = 0;
  private stopped = false;

  constructor(private readonly options: RecorderOptions) {
    this.tracer = new DeletionTracer(
      {
        onDeletions: (events) => this.onDeletions(events),
        onLost: () => this.checkKernelLoss(),
        onProblem: log,
      },
      programOptions(options.queueMib),
    );
    this.tracer.useAttachMode(options.attachMode);
  }

  /**
   * Opens the database; where it cannot be, the recorder goes on without it,
   * says why, and tries again every REOPEN_MS (a disk that was full, a lock
   * that went away; a damaged file stays damaged until someone moves it).
   */
  openRecording(): void {
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    if (this.stopped || this.recording !== undefined) return;
    try {
      this.recording = Recording.open({
        file: this.options.database,
        retainDays: this.options.retainDays,
        retainBytes: this.options.retainMib * MIB,
        onStatus: () => this.statusChanged(),
      });
    } catch (error) {
      if (!(error instanceof RecordingError)) throw error;
      if (this.openProblem !== error.message) log(`recording nothing, serving live deletions only: ${error.message}`);
      this.openProblem = error.message;
      this.reopenTimer = setTimeout(() => this.openRecording(), REOPEN_MS).unref();
      return;
    }
    // The next deletion takes the recording's next number, and never one a client has already been given.
    this.seqOffset = Math.max(this.recording.nextSeq, this.lastSeq + 1) - (this.lastTracerSeq + 1);
    if (this.openProblem !== undefined) {
      log(`recording again into ${this.options.database}`);
      this.openProblem = undefined;
      this.statusChanged();
    }
  }

  /**
   * Loads the programs, then gives up privileges in every thread, becoming
   * `account` where it is given. Throws RecorderStartError where the
   * programs cannot be loaded, and PrivilegeDropError where the drop failed.
   */
  loadThenGiveUpPrivileges(account: User | undefined): void {
    const { loadFailure, privileges } = loadThenGiveUpPrivileges(this.tracer, account);
    if (loadFailure !== undefined) {
      this.tracer.close();
      throw new RecorderStartError(loadFailure.message);
    }
    log(`loaded (${describeLoaded(this.tracer)}); ${describePrivileges(privileges)}`);
    for (const blindSpot of this.tracer.unseen) log(`not seen: ${blindSpot}`);
  }

  /** Traces the whole system, failed deletions included, until stop(). */
  start(): void {
    try {
      this.tracer.start({ scope: 'system', includeFailed: true });
    } catch (error) {
      this.tracer.close();
      throw new RecorderStartError(messageOf(error).trimEnd());
    }
  }

  listen(listener: RecorderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): RecorderStatus {
    if (this.recording !== undefined) {
      const status = this.recording.status();
      status.unrecorded += this.unrecordedWithoutDatabase;
      return status;
    }
    return {
      database: this.options.database,
      unrecorded: this.unrecordedWithoutDatabase,
      problem: this.openProblem ?? 'the recorder has not opened its database',
      retainDays: this.options.retainDays,
      retainMib: this.options.retainMib,
    };
  }

  /**
   * The deletions recorded that match, once every deletion taken from the
   * kernel so far is written; read on the query thread (Recording.query()),
   * so that the kernel's batches go on meanwhile. Rejects with RecordingError.
   */
  async history(options: HistoryQuery): Promise<HistoryResult> {
    const recording = this.recording;
    if (recording === undefined)
      throw new RecordingError(this.openProblem ?? 'the recorder has not opened its database');
    recording.flush();
    return recording.query(options);
  }

  /**
   * Detaches, records what the kernel still held, commits and closes the
   * database. At most `patienceMs` is spent waiting for the kernel's last
   * records; what has not come by then is counted lost.
   */
  async stop(patienceMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.statusTimer);
    clearTimeout(this.reopenTimer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tracer.stop(), new Promise((resolve) => (timer = setTimeout(resolve, patienceMs)))]);
    clearTimeout(timer);
    this.stopNow();
  }

  /**
   * Ends at once, for a recorder asked twice: detaches, counts what the
   * kernel still held as lost, commits what waits and closes the database.
   * Its last log line says what it recorded, lost and could not write.
   */
  stopNow(): void {
    this.stopped = true;
    clearTimeout(this.statusTimer);
    clearTimeout(this.reopenTimer);
    const { events, lost } = this.tracer.close();
    const recording = this.recording;
    this.closeRecording();
    // The last word of a recorder's log: what it took from the kernel, what the kernel or its queue lost, and what it could not write (its last commit included).
    const unrecorded = (recording?.status().unrecorded ?? 0) + this.unrecordedWithoutDatabase;
    log(`stopped: ${events} deletions recorded, ${lost} lost, ${unrecorded} unrecorded`);
  }

  /** Commits what waits and closes the database, at once: for a recorder that must end now. */
  closeRecording(): void {
    const recording = this.recording;
    this.recording = undefined;
    try {
      recording?.close();
    } catch (error) {
      log(`the recording could not be closed cleanly: ${messageOf(error)}`);
    }
  }

  private onDeletions(events: DeletionEvent[]): void {
    for (const event of events) event.seq += this.seqOffset;
    if (events.length > 0) {
      this.lastSeq = events[events.length - 1].seq;
      this.lastTracerSeq = this.lastSeq - this.seqOffset;
    }
    if (this.recording !== undefined) {
      this.recording.add(events);
    } else {
      this.unrecordedWithoutDatabase += events.length;
      this.statusChanged();
    }
    for (const listener of this.listeners) listener.onDeletions(events);
    this.checkKernelLoss();
  }

  /** Tells the listeners of what the kernel could not deliver since the last look. */
  private checkKernelLoss(): void {
    const { lost, lostCommandLines } = this.tracer.stats();
    const deletions = lost - this.kernelLost;
    const commandLines = lostCommandLines - this.kernelLostCommandLines;
    if (deletions <= 0 && commandLines <= 0) return;
    this.kernelLost = lost;
    this.kernelLostCommandLines = lostCommandLines;
    for (const listener of this.listeners) listener.onKernelLoss(Math.max(0, deletions), Math.max(0, commandLines));
  }

  /** At most one status a second goes out, the latest, and the last change is never left unsaid. */
  private statusChanged(): void {
    if (this.stopped || this.statusPending) return;
    this.statusPending = true;
    const wait = Math.max(0, this.lastStatusAt + STATUS_INTERVAL_MS - Date.now());
    this.statusTimer = setTimeout(() => {
      this.statusPending = false;
      this.lastStatusAt = Date.now();
      const status = this.status();
      for (const listener of this.listeners) listener.onStatus(status);
    }, wait);
    this.statusTimer.unref();
  }
}

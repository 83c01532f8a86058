// The recorder's database (docs/flight-recorder.md, "Recording"): deletions are
// queued as they come and committed together, at the latest COMMIT_MS after
// the first of them, so that a storm costs one transaction per batch and a
// crash loses at most the last COMMIT_MS. A commit that fails (a full disk, a
// damaged or read-only file) loses nothing silently: its deletions are
// counted as unrecorded and the reason is kept for RecorderStatus, and the
// next batch tries again. Retention deletes the oldest deletions by age and,
// by size, those of the uid that holds the most, a chunk per transaction, so
// that no user can flush the others' history with a flood of their own.
// History queries step on a thread of their own, on a read-only connection
// of their own, so that a query of millions of rows never holds up
// JavaScript's thread, which takes the kernel's batches.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { DeletionEvent, HistoryResult, RecorderStatus, Scope } from '../../common/protocol';
import { withRealPathAliases } from '../../common/scopeAliases';
import {
  loadAddon,
  type Database,
  type SqliteError,
  type SqlParameter,
  type SqlValue,
  type Statement,
} from '../native';
import {
  DELETION_INSERT,
  DELETION_SELECT,
  DELETION_SELECT_WITHOUT_RENAMES,
  DeletionColumns,
  DIRECTORIES_SELECT,
  eventOf,
  idsOfRow,
  PROCESSES_SELECT,
  processOfRow,
  processRowOf,
  processValues,
  splitPath,
  SUCCEEDED_SQL,
  type MovedToRow,
  type ProcessRow,
  UnreadableRow,
} from './eventRows';
import {
  MOVED_TO_INDEX_NAME,
  prepareForReading,
  prepareForWriting,
  RecordingError,
  RENAMES_SINCE_VERSION,
} from './schema';
import { messageOf } from '../../common/errors';

export { RecordingError } from './schema';

/** A deletion is committed at most this long after it was added. */
export const COMMIT_MS = 500;
/** ...or as soon as this many wait. */
const COMMIT_EVENTS = 50_000;
/** Retention runs this often, and when the recording opens. */
const RETENTION_MS = 60_000;
/** Deletions deleted per retention transaction, so that no one transaction holds the writer for long. */
const RETENTION_CHUNK = 50_000;
/** The fewest deletions size retention deletes in one step. */
const MIN_SIZE_CHUNK = 1000;
/** Size retention stops below this share of the limit, so that it does not run at every pass once there. */
const SIZE_TARGET = 0.9;
/** Deletions kept waiting while the database is locked by another process, before they count as unrecorded. */
const MAX_WAITING_WHILE_LOCKED = 500_000;
/** Directory ids and process rows remembered for the next batches. */
const MAX_CACHED = 100_000;
/**
 * Prepared statements kept per connection, the most recently used: each
 * query shape has its own SQL text (the folders are one JSON parameter), and
 * a statement is kept for the next query of its shape; there are about a
 * hundred shapes, and a few are used at a time.
 */
export const STATEMENTS_KEPT = 32;
/**
 * A history page stops before its events' JSON passes this many bytes (and
 * says `more`), whatever its limit: ten thousand deletions of long paths and
 * command lines would otherwise be one reply of hundreds of MiB.
 */
export const PAGE_BYTES = 4 << 20;
/** recorder/status at most this often. */
const STATUS_MS = 1000;
const DAY_MS = 86_400_000;

export interface RecordingOptions {
  /** The database file; its directory is made (0700) where missing, the file 0600. */
  file: string;
  retainDays: number;
  retainBytes: number;
  /** Called when `unrecorded` or `problem` changes, at most once a second. */
  onStatus?(status: RecorderStatus): void;
}

export interface HistoryQuery {
  scope: Scope;
  /** Milliseconds since the epoch: at or after. */
  sinceMs?: number;
  /** Milliseconds since the epoch: before. */
  untilMs?: number;
  /** Only deletions whose seq is below this. */
  before?: number;
  /** The newest this many; absent: all (iterate) or HISTORY_PAGE_MAX (the caller bounds it). */
  limit?: number;
  includeFailed: boolean;
  /** Only the deletions of processes of this uid; absent: everyone's. */
  uid?: number;
}

/** Deletions, and how many rows that matched could not be read back (damaged) and were left out. */
interface ReadEvents {
  events: DeletionEvent[];
  unreadable: number;
}

interface CachedProcess {
  row: ProcessRow;
  id: number;
}

export class Recording {
  private pending: DeletionEvent[] = [];
  private commitTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusLate = false;
  private unrecorded = 0;
  private problem: string | undefined;
  private highestSeq: number;
  private readonly directoryIds = new Map<string, number>();
  private readonly processes = new Map<string, CachedProcess>();
  private readonly statements: StatementCache;
  private readonly readerStatements: StatementCache;
  /** The query under way, if any: one at a time on the reader. */
  private queries: Promise<unknown> = Promise.resolve();

  /**
   * `reader`, opened `threaded`, runs the history queries (query()); it is
   * `db` where this is read-only. `renames`: the file has the columns of
   * renames (schema 3), which the history command may find missing in an
   * older recorder's file.
   */
  private constructor(
    private readonly db: Database,
    private readonly reader: Database,
    private readonly options: RecordingOptions,
    private readonly renames = true,
  ) {
    this.statements = new StatementCache(db);
    this.readerStatements = reader === db ? this.statements : new StatementCache(reader);
    const [highest] = this.statement('SELECT max(seq) FROM deletions').get() as [number | null];
    this.highestSeq = highest ?? 0;
  }

  static open(options: RecordingOptions): Recording {
    const file = path.resolve(options.file);
    makeDirectoryFor(file);
    const db = openDatabase(file, false);
    let reader: Database | undefined;
    try {
      prepareForWriting(db, file);
      reader = openDatabase(file, true);
      prepareForReading(reader, file);
      const recording = new Recording(db, reader, { ...options, file });
      recording.applyRetention();
      recording.retentionTimer = setInterval(() => recording.applyRetention(), RETENTION_MS).unref();
      return recording;
    } catch (error) {
      reader?.close();
      db.close();
      throw asRecordingError(error, file);
    }
  }

  /** For the history command: reads, never writes, and waits for no writer (WAL). */
  static openForReading(file: string): Recording {
    const resolved = path.resolve(file);
    if (!fs.existsSync(resolved))
      throw new RecordingError(`${resolved} does not exist: no recorder has written there (see --db)`);
    const db = openDatabase(resolved, true);
    try {
      const version = prepareForReading(db, resolved);
      return new Recording(db, db, { file: resolved, retainDays: 0, retainBytes: 0 }, version >= RENAMES_SINCE_VERSION);
    } catch (error) {
      db.close();
      throw asRecordingError(error, resolved);
    }
  }

  /** One past the highest seq kept: the recorder numbers its deletions from here. */
  get nextSeq(): number {
    return this.highestSeq + 1;
  }

  add(events: readonly DeletionEvent[]): void {
    for (const event of events) this.pending.push(event);
    if (events.length > 0) this.highestSeq = Math.max(this.highestSeq, events[events.length - 1].seq);
    if (this.pending.length >= COMMIT_EVENTS) this.flush();
    else this.commitTimer ??= setTimeout(() => this.flush(), COMMIT_MS);
  }

  /** Commits what waits now. */
  flush(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (this.pending.length === 0 || !this.db.open) return;
    const events = this.pending;
    this.pending = [];
    try {
      this.commit(events);
      this.setProblem(undefined);
    } catch (error) {
      this.rollBack();
      const locked = ['SQLITE_BUSY', 'SQLITE_LOCKED'].includes((error as SqliteError).code ?? '');
      if (locked && events.length + this.pending.length <= MAX_WAITING_WHILE_LOCKED) {
        this.pending = events.concat(this.pending);
        this.commitTimer = setTimeout(() => this.flush(), COMMIT_MS);
      } else {
        this.unrecorded += events.length;
      }
      this.setProblem(describeFailure(error, this.options.file, 'write to'));
    }
  }

  status(): RecorderStatus {
    const status: RecorderStatus = {
      database: this.options.file,
      unrecorded: this.unrecorded,
      retainDays: this.options.retainDays,
      retainMib: Math.round(this.options.retainBytes / (1 << 20)),
    };
    if (this.problem !== undefined) status.problem = this.problem;
    try {
      const [oldest] = this.statement('SELECT min(time) FROM deletions').get() as [number | null];
      if (oldest !== null) status.oldest = new Date(oldest).toISOString();
    } catch {
      // A recording that cannot be read has no oldest deletion to tell; `problem` says why.
    }
    return status;
  }

  /**
   * The newest `limit` deletions that match, oldest first, at most
   * PAGE_BYTES of them as JSON, and whether older ones match too. Read on a
   * thread of its own from what is committed: flush() first for what was
   * added. One query runs at a time; the next waits for it.
   */
  query(query: HistoryQuery): Promise<HistoryResult> {
    const limit = query.limit ?? Number.MAX_SAFE_INTEGER;
    const { page, values } = pageOf(query, 'DESC', this.renames);
    // The page's seqs first, from the indexes alone; then only its rows are
    // read. Sorting whole rows of every match (a folder with a hundred
    // thousand deletions this week) took longer than the query may.
    const sql = `${this.deletionSelect} WHERE d.seq IN (${page}) ORDER BY d.seq DESC`;
    const run = async (): Promise<HistoryResult> => {
      if (!this.reader.open) throw new RecordingError(`cannot read ${this.options.file}: the recording is closed`);
      // One snapshot for the page and for its directories and processes, which retention could otherwise take in between.
      this.reader.exec('BEGIN');
      try {
        const rows = await this.readAsync(sql, [...values(), limit + 1]);
        const { events, unreadable } = this.decode(rows, this.readerStatements);
        let more = rows.length > limit;
        const kept: DeletionEvent[] = [];
        let bytes = 0;
        const measured = new WeakMap<object, number>();
        for (const event of events) {
          if (kept.length === limit) break;
          const size = jsonBytes(event, measured);
          // One at least, however large: a page of none would be asked for again and again.
          if (kept.length > 0 && bytes + size > PAGE_BYTES) {
            more = true;
            break;
          }
          bytes += size;
          kept.push(event);
        }
        const result: HistoryResult = { events: kept.reverse(), more };
        if (unreadable > 0) result.unreadable = unreadable;
        return result;
      } finally {
        if (this.reader.open && this.reader.inTransaction) this.reader.exec('COMMIT');
      }
    };
    const result = this.queries.then(run, run);
    this.queries = result.catch(() => undefined);
    return result;
  }

  /**
   * Every deletion that matches, oldest first, read a page at a time, on
   * JavaScript's thread (the history command, which has no other work).
   * `onUnreadable` hears of rows that could not be read back and were left out.
   */
  *iterate(query: HistoryQuery, onUnreadable?: (count: number) => void): Generator<DeletionEvent> {
    const { page, values } = pageOf({ ...query, after: true }, 'ASC', this.renames);
    const sql = `${this.deletionSelect} WHERE d.seq IN (${page}) ORDER BY d.seq ASC`;
    let after = 0;
    for (;;) {
      const rows = this.read(sql, [...values(after), ITERATE_PAGE], this.statements);
      const { events, unreadable } = this.decode(rows, this.statements);
      if (unreadable > 0) onUnreadable?.(unreadable);
      yield* events;
      if (rows.length < ITERATE_PAGE) return;
      after = rows[rows.length - 1][0] as number;
    }
  }

  private get deletionSelect(): string {
    return this.renames ? DELETION_SELECT : DELETION_SELECT_WITHOUT_RENAMES;
  }

  /** Prepared statements held, over both connections: at most STATEMENTS_KEPT each. */
  get statementsHeld(): number {
    return this.statements.size + (this.readerStatements === this.statements ? 0 : this.readerStatements.size);
  }

  /** Commits what waits, and closes; a query under way is interrupted, and fails. */
  close(): void {
    this.flush();
    clearInterval(this.retentionTimer);
    clearTimeout(this.statusTimer);
    if (this.reader !== this.db) this.reader.close();
    this.db.close();
  }

  /**
   * Deletes what is older than retainDays; then, while the file is above
   * retainBytes, the oldest deletions of the uid that holds the most: each
   * uid has its share, and a flood (a million failed unlinks of one user's)
   * evicts its own deletions first, never another's.
   */
  applyRetention(now = Date.now()): void {
    if (!this.db.open) return;
    this.flush();
    try {
      let deleted = 0;
      const byAge = this.statement(
        'DELETE FROM deletions WHERE seq IN (SELECT seq FROM deletions WHERE time < ? ORDER BY time LIMIT ?)',
      );
      for (let changes = -1; changes !== 0;) {
        changes = byAge.run([now - this.options.retainDays * DAY_MS, RETENTION_CHUNK]).changes;
        deleted += changes;
      }
      if (this.usedBytes() > this.options.retainBytes) {
        const oldestOfUid = this.statement(
          'DELETE FROM deletions WHERE seq IN (SELECT seq FROM deletions WHERE uid = ? ORDER BY seq LIMIT ?)',
        );
        // Counted once a pass, from the (uid, seq) index, and kept as each step deletes.
        const held = new Map<number, number>();
        for (const [uid, count] of this.statement('SELECT uid, count(*) FROM deletions GROUP BY uid').all())
          held.set(uid as number, count as number);
        const target = this.options.retainBytes * SIZE_TARGET;
        for (let used = this.usedBytes(); used > target; used = this.usedBytes()) {
          const { uid, most, next, total } = largestHolder(held);
          if (uid === undefined) break;
          // The share of the rows that the excess is (rows are of about one
          // size), but no further below the next uid than a small step: uids
          // that hold alike lose alike.
          const share = Math.ceil((total * (used - target)) / used);
          const step = Math.min(RETENTION_CHUNK, Math.max(MIN_SIZE_CHUNK, Math.min(share, most - next)));
          const changes = oldestOfUid.run([uid, step]).changes;
          deleted += changes;
          held.set(uid, most - changes);
          if (changes === 0) break;
          this.db.exec('PRAGMA incremental_vacuum');
        }
      }
      if (deleted > 0) this.forgetUnused();
    } catch (error) {
      this.rollBack();
      this.setProblem(describeFailure(error, this.options.file, 'apply retention to'));
    }
  }

  /** Bytes of the file that hold data: its pages, less those free for reuse. */
  usedBytes(): number {
    const [pages] = this.statement('PRAGMA page_count').get() as [number];
    const [free] = this.statement('PRAGMA freelist_count').get() as [number];
    const [pageSize] = this.statement('PRAGMA page_size').get() as [number];
    return (pages - free) * pageSize;
  }

  private commit(events: readonly DeletionEvent[]): void {
    const rows = new DeletionColumns(events.length);
    const directoriesUsed = new Map<number, number>();
    const processesUsed = new Map<number, number>();
    let lastTime = '';
    let lastMs = 0;
    this.db.exec('BEGIN');
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const { directory, name } = splitPath(event.path);
      const directoryId = this.directoryId(directory, event.seq);
      const processId = this.processId(event);
      directoriesUsed.set(directoryId, event.seq);
      processesUsed.set(processId, event.seq);
      let movedTo: MovedToRow | undefined;
      if (event.movedTo !== undefined) {
        const destination = splitPath(event.movedTo);
        movedTo = { directoryId: this.directoryId(destination.directory, event.seq), name: destination.name };
        directoriesUsed.set(movedTo.directoryId, event.seq);
      }
      if (event.time !== lastTime) {
        lastTime = event.time;
        lastMs = Date.parse(lastTime);
      }
      rows.set(i, event, lastMs, directoryId, name, processId, movedTo);
    }
    this.statement(DELETION_INSERT).runColumns(rows.columns());
    this.statement('UPDATE directories SET last_seq = ? WHERE id = ?').runMany(
      [...directoriesUsed].map(([id, seq]) => [seq, id]),
    );
    this.statement('UPDATE processes SET last_seq = ? WHERE id = ?').runMany(
      [...processesUsed].map(([id, seq]) => [seq, id]),
    );
    this.db.exec('COMMIT');
  }

  private directoryId(directory: string, seq: number): number {
    const known = this.directoryIds.get(directory);
    if (known !== undefined) return known;
    const found = this.statement('SELECT id FROM directories WHERE path = ?').get([directory]);
    const id =
      found !== undefined
        ? (found[0] as number)
        : this.statement('INSERT INTO directories (path, last_seq) VALUES (?, ?)').run([directory, seq])
            .lastInsertRowid;
    if (this.directoryIds.size >= MAX_CACHED) this.directoryIds.clear();
    this.directoryIds.set(directory, id);
    return id;
  }

  /**
   * The row of the event's process facts. Events of one process share its
   * command line and ancestors (the same arrays), so a hit costs a key and
   * two comparisons; a process row is written again only where its facts
   * changed (a new command line after exec, another parent).
   */
  private processId(event: DeletionEvent): number {
    const key = `${event.pid} ${event.ppid} ${event.uid} ${event.mountNamespace} ${event.cgroupId} ${event.comm}`;
    const cached = this.processes.get(key);
    if (cached !== undefined && sameProcessLists(cached.row, event)) return cached.id;
    const row = processRowOf(event);
    const id = this.statement(
      'INSERT INTO processes (pid, ppid, uid, comm, cmdline, ancestors, container, mount_namespace, cgroup_id, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run([...processValues(row), event.seq]).lastInsertRowid;
    if (this.processes.size >= MAX_CACHED) this.processes.clear();
    this.processes.set(key, { row, id });
    return id;
  }

  /** Directories and processes that no kept deletion refers to any more. */
  private forgetUnused(): void {
    const [first] = this.statement('SELECT min(seq) FROM deletions').get() as [number | null];
    const keepFrom = first ?? this.nextSeq;
    this.statement('DELETE FROM directories WHERE last_seq < ?').run([keepFrom]);
    this.statement('DELETE FROM processes WHERE last_seq < ?').run([keepFrom]);
    // The freed pages leave the file once the WAL is written back into it.
    this.db.exec('PRAGMA incremental_vacuum');
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    // Ids that were forgotten must not be handed out from memory.
    this.directoryIds.clear();
    this.processes.clear();
  }

  /**
   * The deletions of `rows` (of a DELETION_SELECT), in their order, with
   * their directories and processes read once each through `statements`. A
   * row that cannot be read back (its process's JSON or its own damaged, its
   * directory or process missing) costs itself alone: it is counted and left
   * out.
   */
  private decode(rows: SqlValue[][], statements: StatementCache): ReadEvents {
    const directoryIds = new Set<number>();
    const processIds = new Set<number>();
    for (const row of rows) {
      const { directoryId, processId, movedToDirectoryId } = idsOfRow(row);
      directoryIds.add(directoryId);
      processIds.add(processId);
      if (movedToDirectoryId !== null) directoryIds.add(movedToDirectoryId);
    }
    const directories = new Map<number, string>();
    for (const [id, path] of this.read(DIRECTORIES_SELECT, [JSON.stringify([...directoryIds])], statements))
      directories.set(id as number, path as string);
    const processes = new Map<number, ProcessRow | undefined>();
    for (const row of this.read(PROCESSES_SELECT, [JSON.stringify([...processIds])], statements))
      processes.set(
        row[0] as number,
        readable(() => processOfRow(row.slice(1))),
      );
    const events: DeletionEvent[] = [];
    let unreadable = 0;
    for (const row of rows) {
      const { directoryId, processId, movedToDirectoryId } = idsOfRow(row);
      const directory = directories.get(directoryId);
      const process = processes.get(processId);
      const movedToDirectory = movedToDirectoryId === null ? undefined : directories.get(movedToDirectoryId);
      // Written in one transaction with their deletions, and deleted only once none needs them: missing, the file is damaged.
      const event =
        directory === undefined || process === undefined
          ? undefined
          : readable(() => eventOf(row, directory, process, movedToDirectory));
      if (event === undefined) unreadable++;
      else events.push(event);
    }
    return { events, unreadable };
  }

  private read(sql: string, values: SqlParameter[], statements: StatementCache): SqlValue[][] {
    try {
      return statements.get(sql).all(values);
    } catch (error) {
      throw new RecordingError(describeFailure(error, this.options.file, 'read'));
    }
  }

  /** A read on the query thread, on the reader. */
  private async readAsync(sql: string, values: SqlParameter[]): Promise<SqlValue[][]> {
    try {
      return await this.readerStatements.get(sql).allAsync(values);
    } catch (error) {
      throw new RecordingError(describeFailure(error, this.options.file, 'read'));
    }
  }

  private rollBack(): void {
    // Ids handed out in the transaction that is undone are not in the file.
    this.directoryIds.clear();
    this.processes.clear();
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // SQLite has rolled back by itself (a full disk, an I/O error).
    }
  }

  private setProblem(problem: string | undefined): void {
    const changed = problem !== this.problem;
    this.problem = problem;
    if (changed || problem !== undefined) this.announceStatus();
  }

  /** At most one status a second; a change within that second is told at its end, never left unsaid. */
  private announceStatus(): void {
    const onStatus = this.options.onStatus;
    if (onStatus === undefined) return;
    if (this.statusTimer !== undefined) {
      this.statusLate = true;
      return;
    }
    onStatus(this.status());
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      if (this.statusLate) {
        this.statusLate = false;
        this.announceStatus();
      }
    }, STATUS_MS);
    this.statusTimer.unref();
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }
}

/**
 * Prepared statements by their SQL, the STATEMENTS_KEPT most recently used:
 * the rest are finalized, so that no number of query shapes holds memory
 * for ever.
 */
class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  get size(): number {
    return this.statements.size;
  }

  get(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement !== undefined) {
      // Last in the map's order: the most recently used.
      this.statements.delete(sql);
      this.statements.set(sql, statement);
      return statement;
    }
    statement = this.db.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > STATEMENTS_KEPT) {
      const [leastRecent, unused] = this.statements.entries().next().value as [string, Statement];
      this.statements.delete(leastRecent);
      unused.finalize();
    }
    return statement;
  }
}

/**
 * The bytes of `event` as an element of a JSON array, without making its
 * JSON: each string's UTF-8 bytes, each number as written, and each object
 * (a process's command line and ancestors, which its events share) measured
 * once in `measured`. Escapes in strings are not counted, so a name of
 * control characters may take up to six times what is counted: the page
 * stays bounded all the same. Serialising every event to weigh it cost as
 * much as reading the page.
 */
function jsonBytes(event: DeletionEvent, measured: WeakMap<object, number>): number {
  // Braces, and the comma after it in the array.
  let bytes = 3;
  for (const [key, value] of Object.entries(event)) {
    // The key's quotes, its colon and the comma after it.
    bytes += key.length + 4;
    if (typeof value === 'string') {
      bytes += Buffer.byteLength(value) + 2;
    } else if (typeof value === 'object' && value !== null) {
      let size = measured.get(value);
      if (size === undefined) {
        size = Buffer.byteLength(JSON.stringify(value));
        measured.set(value, size);
      }
      bytes += size;
    } else {
      bytes += String(value).length;
    }
  }
  return bytes;
}

/** The uid that holds the most deletions, how many, the next uid's count, and all of them together. */
function largestHolder(held: ReadonlyMap<number, number>): {
  uid: number | undefined;
  most: number;
  next: number;
  total: number;
} {
  let uid: number | undefined;
  let most = 0;
  let next = 0;
  let total = 0;
  for (const [holder, count] of held) {
    total += count;
    if (count > most) {
      next = most;
      most = count;
      uid = holder;
    } else if (count > next) {
      next = count;
    }
  }
  return { uid, most, next, total };
}

/** What `decode` gives, or undefined where the row is damaged (UnreadableRow). */
function readable<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (error instanceof UnreadableRow) return undefined;
    throw error;
  }
}

/** Rows per read of iterate(). */
const ITERATE_PAGE = 5000;

function sameProcessLists(row: ProcessRow, event: DeletionEvent): boolean {
  if (row.cmdline !== event.cmdline && JSON.stringify(row.cmdline) !== JSON.stringify(event.cmdline)) return false;
  if (row.ancestors !== event.ancestors && JSON.stringify(row.ancestors) !== JSON.stringify(event.ancestors))
    return false;
  return row.container?.id === event.container?.id && row.container?.engine === event.container?.engine;
}

/**
 * The SQL of a page of the seqs that match, newest or oldest first, ending
 * in `LIMIT ?` (and, with `after`, taking the seq to start after before
 * it). Its text depends on the query's shape alone (which conditions it
 * has), never on its values: the folders are one JSON parameter, so that a
 * statement serves every query of its shape (StatementCache).
 *
 * A folder's deletions are those in it, below it, and its own (by its parent
 * and name), under each of its names (withRealPathAliases, as the live
 * scope); "/" + 1 is "0", so the directories below P are those from "P/" up
 * to "P0", one range of the index on directories.path for each folder of the
 * JSON array (CROSS JOIN: the array is the outer loop), and each one's
 * deletions in the time range one range of (directory_id, time, result), read
 * without the rows. A folder's own deletion is asked for apart: with its
 * name in the same condition, every row would have to be read. A rename is
 * in scope where either of its paths is, so the same two parts are asked of
 * its destination, on the index of renames alone (deletions_by_moved_to).
 * The parts are one compound UNION, ordered and limited as a whole: a rename
 * within the folders, or a folder inside another, matches more than one
 * part and is one seq of the page all the same, and SQLite merges the
 * parts' sorted seqs, which took less time than sorting them together.
 */
function pageOf(
  query: HistoryQuery & { after?: boolean },
  order: 'ASC' | 'DESC',
  renames: boolean,
): { page: string; values(after?: number): SqlParameter[] } {
  const rest: string[] = [];
  const restValues: SqlParameter[] = [];
  if (query.sinceMs !== undefined) {
    rest.push('d.time >= ?');
    restValues.push(query.sinceMs);
  }
  if (query.untilMs !== undefined) {
    rest.push('d.time < ?');
    restValues.push(query.untilMs);
  }
  if (query.before !== undefined) {
    rest.push('d.seq < ?');
    restValues.push(query.before);
  }
  if (query.uid !== undefined) {
    rest.push('d.uid = ?');
    restValues.push(query.uid);
  }
  if (!query.includeFailed) rest.push(SUCCEEDED_SQL);
  if (query.after === true) rest.push('d.seq > ?');
  const restSql = rest.map((condition) => ` AND ${condition}`).join('');
  const tail = ` ORDER BY seq ${order} LIMIT ?`;
  // Each part takes its own values, then the rest's, then (with `after`) the seq to start after.
  const parts: { sql: string; values: SqlParameter[] }[] = [];
  const answer = (page: string): { page: string; values(after?: number): SqlParameter[] } => ({
    page,
    values: (after) =>
      parts.flatMap((part) => [...part.values, ...restValues, ...(query.after === true ? [after ?? 0] : [])]),
  });
  if (query.scope === 'system') {
    parts.push({ sql: `SELECT d.seq AS seq FROM deletions d WHERE 1${restSql}`, values: [] });
    return answer(`${parts[0].sql}${tail}`);
  }

  const folders = withRealPathAliases(query.scope.paths);
  // "/" as "": no directory is "" itself, and "" + "/" to "" + "0" is every directory.
  const tops = JSON.stringify(folders.map((folder) => (folder === '/' ? '' : folder)));
  const own = JSON.stringify(
    folders
      .filter((folder) => folder !== '/')
      .map((folder) => {
        const { directory, name } = splitPath(folder);
        return [directory, name];
      }),
  );
  // A recording of a schema before 3 has no destinations to ask.
  const ends = renames ? [SOURCE, DESTINATION] : [SOURCE];
  for (const end of ends) {
    parts.push({
      sql: `SELECT d.seq AS seq FROM ${end.table} WHERE ${end.directory} IN (${DIRECTORIES_IN_FOLDERS})${restSql}`,
      values: [tops, tops],
    });
    if (own !== '[]') {
      parts.push({
        sql:
          `SELECT d.seq AS seq FROM json_each(?) o CROSS JOIN directories dir CROSS JOIN ${end.table} ` +
          `ON dir.path = json_extract(o.value, '$[0]') AND ${end.directory} = dir.id AND ${end.name} = json_extract(o.value, '$[1]')${restSql}`,
        values: [own],
      });
    }
  }
  return answer(`${parts.map((part) => part.sql).join(' UNION ')}${tail}`);
}

/**
 * The columns of a deletion's path, and of a rename's destination, and the
 * table to read for each. The destination's index is named: given a uid,
 * SQLite would rather walk all of that uid's deletions (deletions_by_uid, in
 * seq order) looking for renames, which took seconds over millions; the
 * source's choice is left to SQLite, as before renames.
 */
const SOURCE = { table: 'deletions d', directory: 'd.directory_id', name: 'd.name' };
const DESTINATION = {
  table: `deletions d INDEXED BY ${MOVED_TO_INDEX_NAME}`,
  directory: 'd.moved_to_directory_id',
  name: 'd.moved_to_name',
};

/**
 * The ids of the directories at and below the folders of a JSON array (bound
 * twice): one range of the index on directories.path for each.
 */
const DIRECTORIES_IN_FOLDERS =
  'SELECT dir.id FROM json_each(?) f CROSS JOIN directories dir ON dir.path = f.value UNION ALL ' +
  "SELECT dir.id FROM json_each(?) f CROSS JOIN directories dir ON dir.path >= f.value || '/' AND dir.path < f.value || '0'";

function makeDirectoryFor(file: string): void {
  const directory = path.dirname(file);
  try {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    // Made 0600 before SQLite opens it: SQLite gives its -wal and -shm files
    // the database file's mode. Never through a link: the recorder is root,
    // and a link put at its path would have it make and write any file.
    fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new RecordingError(linkRefused(file));
    throw new RecordingError(`cannot make ${file}: ${messageOf(error)}`);
  }
}

function linkRefused(file: string): string {
  return `${file} is a symbolic link, or one is in its path: the recorder does not follow links to its database; give --db the file's real path`;
}

/** SQLITE_CANTOPEN_SYMLINK: a link in the path of a file opened SQLITE_OPEN_NOFOLLOW. */
const SQLITE_CANTOPEN_SYMLINK = 1550;

/** Opens `file`; read-only connections are the queries' and open `threaded` (allAsync). */
function openDatabase(file: string, readOnly: boolean): Database {
  // An addon that cannot be loaded says so itself (AddonLoadError): it is no fault of the file.
  const { Database } = loadAddon();
  try {
    return new Database(file, { readOnly, threaded: readOnly });
  } catch (error) {
    throw asRecordingError(error, file);
  }
}

function asRecordingError(error: unknown, file: string): RecordingError {
  return error instanceof RecordingError ? error : new RecordingError(describeFailure(error, file, 'open'));
}

/** A sentence for a SQLite failure, by its result code: what happened to which file, and what to do. */
export function describeFailure(error: unknown, file: string, doing: string): string {
  const { code, message, errno } = error as SqliteError;
  const detail = String(message ?? error);
  if (errno === SQLITE_CANTOPEN_SYMLINK) return linkRefused(file);
  switch (code) {
    case 'SQLITE_FULL':
      return `cannot ${doing} ${file}: the disk is full (${detail})`;
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return `cannot ${doing} ${file}: it is damaged or not a SQLite database (${detail}); move it aside and the recorder starts a new one`;
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_CANTOPEN':
      return `cannot ${doing} ${file}: it is read-only or out of reach (${detail})`;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return `cannot ${doing} ${file}: another process holds it locked (${detail})`;
    default:
      return `cannot ${doing} ${file}: ${detail}`;
  }
}

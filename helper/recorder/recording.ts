// The recorder's database (ARCHITECTURE.md, "Recording"): deletions are
// queued as they come and committed together, at the latest COMMIT_MS after
// the first of them, so that a storm costs one transaction per batch and a
// crash loses at most the last COMMIT_MS. A commit that fails (a full disk, a
// damaged or read-only file) loses nothing silently: its deletions are
// counted as unrecorded and the reason is kept for RecorderStatus, and the
// next batch tries again. Retention deletes the oldest deletions by age and
// by size, a chunk per transaction.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { DeletionEvent, HistoryResult, RecorderStatus, Scope } from '../../common/protocol';
import { withRealPathAliases } from '../../common/scopeAliases';
import { loadAddon, type Database, type SqliteError, type SqlParameter, type SqlValue, type Statement } from '../native';
import {
  DELETION_SELECT,
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
  type ProcessRow,
} from './eventRows';
import { prepareForReading, prepareForWriting, RecordingError } from './schema';

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
  private readonly statements = new Map<string, Statement>();

  private constructor(
    private readonly db: Database,
    private readonly options: RecordingOptions,
  ) {
    const [highest] = this.statement('SELECT max(seq) FROM deletions').get() as [number | null];
    this.highestSeq = highest ?? 0;
  }

  static open(options: RecordingOptions): Recording {
    const file = path.resolve(options.file);
    makeDirectoryFor(file);
    const db = openDatabase(file, false);
    try {
      prepareForWriting(db, file);
      const recording = new Recording(db, { ...options, file });
      recording.applyRetention();
      recording.retentionTimer = setInterval(() => recording.applyRetention(), RETENTION_MS).unref();
      return recording;
    } catch (error) {
      db.close();
      throw asRecordingError(error, file);
    }
  }

  /** For the history command: reads, never writes, and waits for no writer (WAL). */
  static openForReading(file: string): Recording {
    const resolved = path.resolve(file);
    if (!fs.existsSync(resolved)) throw new RecordingError(`${resolved} does not exist: no recorder has written there (see --db)`);
    const db = openDatabase(resolved, true);
    try {
      prepareForReading(db, resolved);
      return new Recording(db, { file: resolved, retainDays: 0, retainBytes: 0 });
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

  /** The newest `limit` deletions that match, oldest first, and whether older ones match too. */
  query(query: HistoryQuery): HistoryResult {
    const limit = query.limit ?? Number.MAX_SAFE_INTEGER;
    const { page, values } = pageOf(query, 'DESC');
    // The page's seqs first, from the indexes alone; then only its rows are
    // read. Sorting whole rows of every match (a folder with a hundred
    // thousand deletions this week) took longer than the query may.
    const events = this.readEvents(`${DELETION_SELECT} WHERE d.seq IN (${page}) ORDER BY d.seq DESC`, [...values(), limit + 1]);
    const more = events.length > limit;
    return { events: events.slice(0, limit).reverse(), more };
  }

  /** Every deletion that matches, oldest first, read a page at a time. */
  *iterate(query: HistoryQuery): Generator<DeletionEvent> {
    const { page, values } = pageOf({ ...query, after: true }, 'ASC');
    const sql = `${DELETION_SELECT} WHERE d.seq IN (${page}) ORDER BY d.seq ASC`;
    let after = 0;
    for (;;) {
      const events = this.readEvents(sql, [...values(after), ITERATE_PAGE]);
      yield* events;
      if (events.length < ITERATE_PAGE) return;
      after = events[events.length - 1].seq;
    }
  }

  /** Commits what waits, and closes. */
  close(): void {
    this.flush();
    clearInterval(this.retentionTimer);
    clearTimeout(this.statusTimer);
    this.db.close();
  }

  /** Deletes what is older than retainDays, then the oldest while the file is above retainBytes. */
  applyRetention(now = Date.now()): void {
    if (!this.db.open) return;
    this.flush();
    try {
      let deleted = 0;
      const byAge = this.statement('DELETE FROM deletions WHERE seq IN (SELECT seq FROM deletions WHERE time < ? ORDER BY time LIMIT ?)');
      for (let changes = -1; changes !== 0; ) {
        changes = byAge.run([now - this.options.retainDays * DAY_MS, RETENTION_CHUNK]).changes;
        deleted += changes;
      }
      const oldest = this.statement('DELETE FROM deletions WHERE seq IN (SELECT seq FROM deletions ORDER BY seq LIMIT ?)');
      if (this.usedBytes() > this.options.retainBytes) {
        const target = this.options.retainBytes * SIZE_TARGET;
        for (let used = this.usedBytes(); used > target; used = this.usedBytes()) {
          // The share of the rows that the excess is, at most a chunk: rows are of about one size.
          const [first, last] = this.statement('SELECT min(seq), max(seq) FROM deletions').get() as [number | null, number | null];
          if (first === null || last === null) break;
          const share = Math.ceil(((last - first + 1) * (used - target)) / used);
          const changes = oldest.run([Math.min(RETENTION_CHUNK, Math.max(MIN_SIZE_CHUNK, share))]).changes;
          deleted += changes;
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
      if (event.time !== lastTime) {
        lastTime = event.time;
        lastMs = Date.parse(lastTime);
      }
      rows.set(i, event, lastMs, directoryId, name, processId);
    }
    this.statement('INSERT INTO deletions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').runColumns(rows.columns());
    this.statement('UPDATE directories SET last_seq = ? WHERE id = ?').runMany([...directoriesUsed].map(([id, seq]) => [seq, id]));
    this.statement('UPDATE processes SET last_seq = ? WHERE id = ?').runMany([...processesUsed].map(([id, seq]) => [seq, id]));
    this.db.exec('COMMIT');
  }

  private directoryId(directory: string, seq: number): number {
    const known = this.directoryIds.get(directory);
    if (known !== undefined) return known;
    const found = this.statement('SELECT id FROM directories WHERE path = ?').get([directory]);
    const id = found !== undefined ? (found[0] as number) : this.statement('INSERT INTO directories (path, last_seq) VALUES (?, ?)').run([directory, seq]).lastInsertRowid;
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

  /** The deletions `sql` (a DELETION_SELECT) reads, with their directories and processes read once each. */
  private readEvents(sql: string, values: SqlParameter[]): DeletionEvent[] {
    const rows = this.read(sql, values);
    const directoryIds = new Set<number>();
    const processIds = new Set<number>();
    for (const row of rows) {
      const { directoryId, processId } = idsOfRow(row);
      directoryIds.add(directoryId);
      processIds.add(processId);
    }
    const directories = new Map<number, string>();
    for (const [id, path] of this.read(DIRECTORIES_SELECT, [JSON.stringify([...directoryIds])])) directories.set(id as number, path as string);
    const processes = new Map<number, ProcessRow>();
    for (const row of this.read(PROCESSES_SELECT, [JSON.stringify([...processIds])])) processes.set(row[0] as number, processOfRow(row.slice(1)));
    return rows.map((row) => {
      const { directoryId, processId } = idsOfRow(row);
      const directory = directories.get(directoryId);
      const process = processes.get(processId);
      // Written in one transaction with their deletions, and deleted only once none needs them.
      if (directory === undefined || process === undefined) throw new RecordingError(`${this.options.file} is damaged: deletion ${String(row[0])} names a directory or process it does not hold`);
      return eventOf(row, directory, process);
    });
  }

  private read(sql: string, values: SqlParameter[]): SqlValue[][] {
    try {
      return this.statement(sql).all(values);
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
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** Rows per read of iterate(). */
const ITERATE_PAGE = 5000;

function sameProcessLists(row: ProcessRow, event: DeletionEvent): boolean {
  if (row.cmdline !== event.cmdline && JSON.stringify(row.cmdline) !== JSON.stringify(event.cmdline)) return false;
  if (row.ancestors !== event.ancestors && JSON.stringify(row.ancestors) !== JSON.stringify(event.ancestors)) return false;
  return row.container?.id === event.container?.id && row.container?.engine === event.container?.engine;
}

/**
 * The SQL of a page of the seqs that match, newest or oldest first, ending
 * in `LIMIT ?` (and, with `after`, taking the seq to start after before
 * it). A folder's deletions are those in it, below it, and its own (by its
 * parent and name), under each of its names (withRealPathAliases, as the
 * live scope); "/" + 1 is "0", so the directories below P are those from
 * "P/" up to "P0", one range of the index on directories.path, and each
 * one's deletions in the time range one range of (directory_id, time,
 * result), read without the rows. A folder's own deletion is asked for
 * apart (UNION ALL): with its name in the same condition, every row would
 * have to be read.
 */
function pageOf(query: HistoryQuery & { after?: boolean }, order: 'ASC' | 'DESC'): { page: string; values(after?: number): SqlParameter[] } {
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
  if (!query.includeFailed) rest.push(SUCCEEDED_SQL);
  if (query.uid !== undefined) {
    rest.push('d.process_id IN (SELECT id FROM processes WHERE uid = ?)');
    restValues.push(query.uid);
  }
  if (query.after === true) rest.push('d.seq > ?');
  const restSql = rest.map((condition) => ` AND ${condition}`).join('');
  // Each part takes its own values, then the rest's, then (with `after`) the seq to start after.
  const parts: { sql: string; values: SqlParameter[] }[] = [];
  const tail = ` ORDER BY seq ${order} LIMIT ?`;
  const answer = (page: string): { page: string; values(after?: number): SqlParameter[] } => ({
    page,
    values: (after) => parts.flatMap((part) => [...part.values, ...restValues, ...(query.after === true ? [after ?? 0] : [])]),
  });
  if (query.scope === 'system') {
    parts.push({ sql: `SELECT d.seq AS seq FROM deletions d WHERE 1${restSql}`, values: [] });
    return answer(`${parts[0].sql}${tail}`);
  }

  const ranges: string[] = [];
  const rangeValues: SqlParameter[] = [];
  const ownDeletions: { directory: string; name: string }[] = [];
  for (const folder of withRealPathAliases(query.scope.paths)) {
    if (folder === '/') {
      ranges.push("(path >= '/' AND path < '0')");
      continue;
    }
    ranges.push('path = ? OR (path >= ? AND path < ?)');
    rangeValues.push(folder, `${folder}/`, `${folder}0`);
    ownDeletions.push(splitPath(folder));
  }
  parts.push({ sql: `SELECT d.seq AS seq FROM deletions d WHERE d.directory_id IN (SELECT id FROM directories WHERE ${ranges.join(' OR ')})${restSql}`, values: rangeValues });
  for (const { directory, name } of ownDeletions) {
    parts.push({ sql: `SELECT d.seq AS seq FROM deletions d WHERE d.directory_id = (SELECT id FROM directories WHERE path = ?) AND d.name = ?${restSql}`, values: [directory, name] });
  }
  return answer(`SELECT seq FROM (${parts.map((part) => part.sql).join(' UNION ALL ')})${tail}`);
}

function makeDirectoryFor(file: string): void {
  const directory = path.dirname(file);
  try {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    // Made 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
    fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
  } catch (error) {
    throw new RecordingError(`cannot make ${file}: ${(error as Error).message}`);
  }
}

function openDatabase(file: string, readOnly: boolean): Database {
  // An addon that cannot be loaded says so itself (AddonLoadError): it is no fault of the file.
  const { Database } = loadAddon();
  try {
    return new Database(file, { readOnly });
  } catch (error) {
    throw asRecordingError(error, file);
  }
}

function asRecordingError(error: unknown, file: string): RecordingError {
  return error instanceof RecordingError ? error : new RecordingError(describeFailure(error, file, 'open'));
}

/** A sentence for a SQLite failure, by its result code: what happened to which file, and what to do. */
export function describeFailure(error: unknown, file: string, doing: string): string {
  const { code, message } = error as SqliteError;
  const detail = String(message ?? error);
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

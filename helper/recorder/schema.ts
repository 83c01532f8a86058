// The recording's tables (docs/flight-recorder.md, "Recording"), and how a
// connection to it is set up. A file that is not a SQLite database, or is
// another program's, or a later version's, is refused with a sentence that
// says so rather than written into.
import type { Database } from '../native';

/** "SyTr": marks the file as a Syscall Trace recording (PRAGMA application_id). */
export const APPLICATION_ID = 0x53795472;
/**
 * Raised when the tables change in a way an older recorder could not read.
 * 2: deletions.uid, so that size retention takes from the uid that holds
 * the most (one user's flood evicts its own deletions first), with its index.
 * 3: renames, as deletions whose destination is in
 * deletions.moved_to_directory_id and moved_to_name (NULL on every other
 * deletion, so that those grow by the two bytes of two NULLs), with an index
 * of renames alone by destination; their facts in bits of deletions.facts.
 */
export const SCHEMA_VERSION = 3;

/** The first version with renames: reading an older file, the history command reads no destinations. */
export const RENAMES_SINCE_VERSION = 3;

/** A uid's deletions, oldest first: size retention's and a query by uid's. */
const UID_INDEX = 'CREATE INDEX deletions_by_uid ON deletions (uid, seq);';
/**
 * The renames by destination, as deletions_by_directory has every deletion
 * by source, for a folder query's "either path is in it". Partial: a
 * deletion that is no rename has no entry.
 */
export const MOVED_TO_INDEX_NAME = 'deletions_by_moved_to';
const MOVED_TO_INDEX = `CREATE INDEX ${MOVED_TO_INDEX_NAME} ON deletions (moved_to_directory_id, time, result) WHERE moved_to_directory_id IS NOT NULL;`;

/**
 * Version 1 to 2, in one transaction: the column is added last (as in
 * TABLES, so that both have one column order) and filled from the
 * deletion's process, which held the uid alone.
 */
const FROM_VERSION_1 = `
ALTER TABLE deletions ADD COLUMN uid INTEGER NOT NULL DEFAULT 0;
UPDATE deletions SET uid = coalesce((SELECT p.uid FROM processes p WHERE p.id = deletions.process_id), 0);
${UID_INDEX}
`;

/** Version 2 to 3, in one transaction: the columns are added last, as in TABLES; every deletion kept is no rename. */
const FROM_VERSION_2 = `
ALTER TABLE deletions ADD COLUMN moved_to_directory_id INTEGER;
ALTER TABLE deletions ADD COLUMN moved_to_name TEXT;
${MOVED_TO_INDEX}
`;

const TABLES = `
CREATE TABLE directories (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  last_seq INTEGER NOT NULL
);
CREATE TABLE processes (
  id INTEGER PRIMARY KEY,
  pid INTEGER NOT NULL,
  ppid INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  comm TEXT NOT NULL,
  cmdline TEXT NOT NULL,
  ancestors TEXT NOT NULL,
  container TEXT,
  mount_namespace INTEGER NOT NULL,
  cgroup_id INTEGER NOT NULL,
  last_seq INTEGER NOT NULL
);
CREATE TABLE deletions (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  directory_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  process_id INTEGER NOT NULL,
  tid INTEGER NOT NULL,
  result INTEGER NOT NULL,
  facts INTEGER NOT NULL,
  path_arg TEXT,
  extra TEXT,
  uid INTEGER NOT NULL DEFAULT 0,
  moved_to_directory_id INTEGER,
  moved_to_name TEXT
);
CREATE INDEX deletions_by_directory ON deletions (directory_id, time, result);
CREATE INDEX deletions_by_time ON deletions (time);
${UID_INDEX}
${MOVED_TO_INDEX}
`;

/**
 * 32 MiB of page cache (in KiB, as SQLite takes a negative size): the indexes
 * of a large recording are written all over, and with SQLite's default of
 * 2 MiB every commit and query reads them again.
 */
const CACHE_SIZE = -32768;
/**
 * How long the recorder's commit waits for a file another process has
 * locked: short, since it waits on the recorder's one thread, and the commit
 * is tried again at the next one anyway.
 */
const WRITER_BUSY_TIMEOUT_MS = 200;
/** How long a reader (the history command, a query) waits for a lock: it holds up no one, and would rather wait than fail. */
const READER_BUSY_TIMEOUT_MS = 2000;

/** A recording that cannot be used: the message says why, in words a person can act on. */
export class RecordingError extends Error {}

/**
 * Sets the connection up for the recorder: WAL, so that readers (the history
 * command, a query) never wait for the writer nor it for them;
 * synchronous=NORMAL, with which a commit survives a crash of the recorder
 * and, in WAL mode, a power cut may lose only the last commits; pages freed
 * by retention given back to the file system (auto_vacuum, set before the
 * first table).
 */
export function prepareForWriting(db: Database, file: string): void {
  db.exec(`PRAGMA busy_timeout = ${WRITER_BUSY_TIMEOUT_MS}`);
  const version = userVersion(db, file);
  if (version === 0) {
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(
      `BEGIN; ${TABLES} PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT`,
    );
  } else {
    db.exec('PRAGMA journal_mode = WAL');
    if (version < SCHEMA_VERSION) {
      const steps = (version < 2 ? FROM_VERSION_1 : '') + FROM_VERSION_2;
      db.exec(`BEGIN; ${steps} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT`);
    }
  }
  db.exec(
    `PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY; PRAGMA cache_size = ${CACHE_SIZE}`,
  );
}

/**
 * Sets a reading connection up, and says the file's schema version. A file
 * of an older version (an older recorder's, still running) reads as it is:
 * only a query by uid needs deletions.uid (2), and one of version 1 or 2
 * holds no renames (3).
 */
export function prepareForReading(db: Database, file: string): number {
  db.exec(`PRAGMA busy_timeout = ${READER_BUSY_TIMEOUT_MS}; PRAGMA cache_size = ${CACHE_SIZE}`);
  const version = userVersion(db, file);
  if (version === 0) throw new RecordingError(`${file} holds no recording yet`);
  return version;
}

/** The schema version of `file`, 0 where it is empty; throws RecordingError where it is not a recording this helper can use. */
function userVersion(db: Database, file: string): number {
  const [applicationId] = db.prepare('PRAGMA application_id').get() as [number];
  const [version] = db.prepare('PRAGMA user_version').get() as [number];
  const [tables] = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").get() as [number];
  if (applicationId === 0 && version === 0 && tables === 0) return 0;
  if (applicationId !== APPLICATION_ID)
    throw new RecordingError(
      `${file} is a SQLite database of some other program, not a Syscall Trace recording: give --db another file`,
    );
  if (version > SCHEMA_VERSION)
    throw new RecordingError(
      `${file} was written by a later Syscall Trace (schema ${version}; this one reads ${SCHEMA_VERSION}): update the helper`,
    );
  return version;
}

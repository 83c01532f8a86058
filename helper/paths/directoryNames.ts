// The directory names the kernel sends once per directory (docs/path-resolution.md,
// "Directory names, once"). A record flagged directoryNamed carries a
// directory's names and its id; later records from the same thread in the
// same directory carry only the id (directoryKnown), once the kernel has
// checked that nothing on the directory's way to the root has changed. This
// keeps the names by id and gives them back to those records.
//
// The kernel remembers one directory per thread and user space cannot see a
// thread end, so the names are kept in two generations of a bounded size:
// when the newer is full it becomes the older, the older is forgotten, and
// the kernel is told to forget every directory it remembers (`onForget`), so
// that no record built from then on names one of them by id. A record built
// just before that, still on its way, finds its names in the older
// generation.
import type { DeletionRecord } from '../tracing/records';

export interface KnownDirectory {
  /** Innermost first: copies, so that no batch stays alive for them. */
  names: Buffer[];
  /** How many of the names lie below the process's root; undefined where the walk never passed it. */
  namesBelowRoot: number | undefined;
  /** The directory's host path as a binary string, once a record has needed it. */
  path?: string;
}

export class DirectoryNames {
  private newer = new Map<number, KnownDirectory>();
  private older = new Map<number, KnownDirectory>();
  private missingCount = 0;

  constructor(
    private readonly generationSize: number,
    private readonly onForget: () => void,
  ) {}

  /** Records that named a directory by an id whose names were not here: each was reported as incomplete. */
  get missing(): number {
    return this.missingCount;
  }

  get size(): number {
    return this.newer.size + this.older.size;
  }

  /**
   * Keeps the names a directoryNamed record brings, or gives a directoryKnown
   * record the names it stands for; returns the directory, or undefined for
   * a record that is neither. A known record whose names are not here is
   * marked incomplete (`directoryIncomplete`): its path is never guessed.
   */
  complete(
    record: DeletionRecord,
    named: number,
    known: number,
    directoryIncomplete: number,
  ): KnownDirectory | undefined {
    if (record.flags & named) {
      const directory: KnownDirectory = {
        names: copyNames(record.directoryNames),
        namesBelowRoot: record.namesBelowRoot,
      };
      this.keep(record.directoryId, directory);
      return directory;
    }
    if ((record.flags & known) === 0) return undefined;
    const directory = this.find(record.directoryId);
    if (directory === undefined) {
      this.missingCount++;
      record.flags |= directoryIncomplete;
      return undefined;
    }
    record.directoryNames = directory.names;
    record.namesBelowRoot = directory.namesBelowRoot;
    return directory;
  }

  private find(id: number): KnownDirectory | undefined {
    const directory = this.newer.get(id);
    if (directory !== undefined) return directory;
    const old = this.older.get(id);
    if (old !== undefined) this.keep(id, old);
    return old;
  }

  private keep(id: number, directory: KnownDirectory): void {
    if (this.newer.size >= this.generationSize) {
      this.older = this.newer;
      this.newer = new Map();
      this.onForget();
    }
    this.newer.set(id, directory);
  }
}

/** The names in one buffer of their own. */
function copyNames(names: readonly Buffer[]): Buffer[] {
  let length = 0;
  for (const name of names) length += name.length;
  const bytes = Buffer.allocUnsafeSlow(length);
  const copies: Buffer[] = [];
  let at = 0;
  for (const name of names) {
    name.copy(bytes, at);
    copies.push(bytes.subarray(at, at + name.length));
    at += name.length;
  }
  return copies;
}

// Which rows a rename makes in the Deletions view, and at which path each
// stands. A rename is one event, but it can take a name away in two places:
// the source's name is gone from its folder, and a file replaced at the
// destination is gone from its own. An editor's atomic save (x.tmp → x) does
// both in one folder, at every save: there it is one row, under the file
// that was saved over, so that saves do not drown the deletions.
import { isRename, type DeletionEvent } from '../../common/protocol';
import type { StoredDeletion } from './deletionStore';
import { parentDirectory } from './displayText';

/**
 * What a row says of its event:
 * - "movedAway": under the source's folder, the name that was moved away (or failed to be);
 * - "replaced": under the destination's folder, the file that the rename put another in place of;
 * - "swapped": RENAME_EXCHANGE, both names survive with each other's file.
 * A deletion that is no rename has no role.
 */
export type RenameRole = 'movedAway' | 'replaced' | 'swapped';

/** A row of the view: the stored deletion itself, or, for a rename, the deletion with the part it plays here. */
export interface TreeRow extends StoredDeletion {
  readonly role?: RenameRole;
}

/** The path a row stands at: the replaced file's for "replaced", the source's otherwise. */
export function rowPath(row: TreeRow): string {
  return row.role === 'replaced' ? row.event.movedTo! : row.event.path;
}

/** The path's bytes where they are not UTF-8, as rowPath()'s. */
export function rowPathBytes(row: TreeRow): string | undefined {
  return row.role === 'replaced' ? row.event.movedToBytes : row.event.pathBytes;
}

/** Whether the row's path is known in full. */
export function rowPathComplete(row: TreeRow): boolean {
  return row.role === 'replaced' ? row.event.movedToComplete === true : row.event.complete;
}

/** renameat2 asked to swap the two names (RENAME_EXCHANGE), whether or not it did: `exchanged` says it did. */
export function askedToSwap(event: DeletionEvent): boolean {
  return event.renameFlags?.includes('RENAME_EXCHANGE') === true;
}

/** A successful rename that replaced, or may have replaced, a file at its destination. */
export function mayHaveReplaced(event: DeletionEvent): boolean {
  return (
    isRename(event) &&
    event.result >= 0 &&
    !event.exchanged &&
    (event.replaced === true || event.replacedUnknown === true)
  );
}

/** Both names in one directory: an editor's atomic save, sed -i, or any in-place rename. */
export function inSameFolder(event: DeletionEvent): boolean {
  return (
    event.movedTo !== undefined &&
    event.complete &&
    event.movedToComplete === true &&
    parentDirectory(event.path) === parentDirectory(event.movedTo)
  );
}

/** What syscallTrace.hideSameFolderReplaces hides: a file replaced, for certain, by one from its own directory. */
export function isSameFolderReplace(event: DeletionEvent): boolean {
  return event.replaced === true && event.result >= 0 && inSameFolder(event);
}

/**
 * The rows of a deletion where rows stand under their folders: one for a
 * deletion; for a rename that replaced a file from another directory, one
 * under each folder; otherwise one.
 */
export function rowsInFolders(deletion: StoredDeletion, into: TreeRow[]): void {
  const { event } = deletion;
  if (!isRename(event)) {
    into.push(deletion);
    return;
  }
  const role = firstRole(event);
  into.push(rowOf(deletion, role));
  if (role === 'movedAway' && mayHaveReplaced(event)) into.push(rowOf(deletion, 'replaced'));
}

/** The one row of a deletion in a list (by process, by time). */
export function rowInList(deletion: StoredDeletion): TreeRow {
  return isRename(deletion.event) ? rowOf(deletion, firstRole(deletion.event)) : deletion;
}

/** How many events the rows stand for: the two rows of one rename count once. */
export function eventCount(rows: readonly TreeRow[]): number {
  let repeated = 0;
  let ids: Set<number> | undefined;
  for (const row of rows) {
    if (row.role === undefined) continue;
    ids ??= new Set();
    if (ids.has(row.id)) repeated++;
    else ids.add(row.id);
  }
  return rows.length - repeated;
}

/** The row a rename's event shows first: under the replaced file for a save in one folder, else under the source. */
function firstRole(event: DeletionEvent): RenameRole {
  if (event.exchanged === true && event.result >= 0) return 'swapped';
  return mayHaveReplaced(event) && inSameFolder(event) ? 'replaced' : 'movedAway';
}

function rowOf(deletion: StoredDeletion, role: RenameRole): TreeRow {
  return { id: deletion.id, event: deletion.event, role };
}

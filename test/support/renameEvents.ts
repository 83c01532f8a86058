// Renames for the recorder's tests: a DeletionEvent with the fields the
// helper gives every rename, so that each test states only what it is about.
import type { DeletionEvent } from '../../common/protocol';
import { deletion } from './deletionEvents';

export function rename(fields: Partial<DeletionEvent> & { path: string; movedTo: string }): DeletionEvent {
  return deletion({ syscall: 'renameat', movedToComplete: true, ...fields });
}

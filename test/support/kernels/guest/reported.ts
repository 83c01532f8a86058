// The fields of a reported deletion that the matrix checks: the rest would
// only lengthen the serial console's output.
import type { DeletionEvent } from '../../../../common/protocol';
import type { ReportedDeletion } from '../guestRecords';

export function reportedOf(event: DeletionEvent): ReportedDeletion {
  const {
    path,
    complete,
    abi,
    syscall,
    directory,
    result,
    resultUnknown,
    processPath,
    movedTo,
    replaced,
    replacedUnknown,
    renameFlags,
  } = event;
  return {
    path,
    complete,
    abi,
    syscall,
    directory,
    result,
    ...(resultUnknown === true && { resultUnknown }),
    ...(processPath !== undefined && { processPath }),
    ...(movedTo !== undefined && { movedTo }),
    ...(replaced !== undefined && { replaced }),
    ...(replacedUnknown === true && { replacedUnknown }),
    ...(renameFlags !== undefined && { renameFlags }),
  };
}

// The fields of a reported deletion that the matrix checks: the rest would
// only lengthen the serial console's output.
import type { DeletionEvent } from '../../../common/protocol';
import type { ReportedDeletion } from '../guestRecords';

export function reportedOf(event: DeletionEvent): ReportedDeletion {
  const { path, complete, abi, syscall, directory, result, resultUnknown, processPath } = event;
  return {
    path,
    complete,
    abi,
    syscall,
    directory,
    result,
    ...(resultUnknown === true && { resultUnknown }),
    ...(processPath !== undefined && { processPath }),
  };
}

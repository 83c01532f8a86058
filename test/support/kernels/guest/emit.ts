// Writes a record for the host on the serial console (the guest's stdout).
import * as fs from 'node:fs';

import { GUEST_RECORD_TAG, type GuestRecord } from '../guestRecords';

export function emit(record: GuestRecord): void {
  // Synchronous: the guest powers off right after the last record, and an
  // asynchronous write could still be queued then.
  fs.writeSync(1, `${GUEST_RECORD_TAG}${JSON.stringify(record)}\n`);
}

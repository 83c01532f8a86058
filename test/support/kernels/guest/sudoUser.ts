// The helper is started as root with the environment sudo gives a command run
// by an ordinary user: the helper then becomes that user once its programs
// are loaded (helper/privileges/privilegeDrop.ts), as it does on a user's machine.
import * as fs from 'node:fs';

import { GUEST_USER } from '../guestLayout';

export function sudoEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SUDO_UID: String(GUEST_USER.uid),
    SUDO_GID: String(GUEST_USER.gid),
    SUDO_USER: GUEST_USER.name,
  };
}

/** Real, effective, saved and filesystem uids of a process. */
export function uidsOf(pid: number): number[] {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return /^Uid:\s+(.*)$/m.exec(status)![1].trim().split(/\s+/).map(Number);
}

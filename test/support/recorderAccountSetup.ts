// Before the suites that start the real recorder: its system user, which
// `record` becomes once loaded and `install` makes on a real machine
// (helper/recorder/accountSetup.ts). A fresh machine has none yet.
import { ensureRecorderAccount } from '../../helper/recorder/accountSetup';

export default function setup(): void {
  ensureRecorderAccount();
}

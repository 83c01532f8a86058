// Before the suites that start the real recorder: its system user, which
// `record` becomes once loaded and `install` makes on a real machine
// (helper/recorder/recorderAccount.ts). A fresh machine has none yet.
import { ensureRecorderAccount } from '../../helper/recorder/recorderAccount';

export default function setup(): void {
  ensureRecorderAccount();
}

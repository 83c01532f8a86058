// The syscall tracepoints are found through tracefs, which not every machine
// mounts at boot: attach_bpf_object (through libbpf) and bpftrace look there
// for them. The helper mounts it for the moment it needs it; the suite mounts
// it for its whole run, where it was not, and leaves the machine as it found it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const TRACEFS = '/sys/kernel/tracing';

/** Mounts tracefs where it is not; returns what puts things back. */
export function mountTracefsForTheSuite(log: (message: string) => void): () => void {
  if (fs.existsSync(`${TRACEFS}/events`)) return () => {};
  execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS]);
  log(`mounted tracefs at ${TRACEFS} for the suite`);
  return () => execFileSync('umount', [TRACEFS]);
}

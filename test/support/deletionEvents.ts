// DeletionEvents for the tests, complete with what the helper sends, so that
// each test states only what it is about.
import type { DeletionEvent } from '../../common/protocol';

/** The helper's own mount namespace in the tests: the deletions are the host's unless a test says otherwise. */
export const HOST_MOUNT_NAMESPACE = 4026531841;

let seq = 0;

export function deletion(fields: Partial<DeletionEvent> & { path: string }): DeletionEvent {
  seq++;
  return {
    seq,
    time: new Date(Date.UTC(2026, 10, 24, 12, 0, 0) + seq).toISOString(),
    syscall: 'unlinkat',
    abi: 'x86_64',
    directory: false,
    pathArg: fields.path.slice(fields.path.lastIndexOf('/') + 1),
    complete: true,
    result: 0,
    pid: 4242,
    tid: 4242,
    ppid: 4000,
    uid: 1000,
    cgroupId: 1,
    mountNamespace: HOST_MOUNT_NAMESPACE,
    comm: 'rm',
    cmdline: ['rm', '-rf', 'build'],
    ancestors: [
      { pid: 4000, comm: 'bash' },
      { pid: 1, comm: 'systemd' },
    ],
    ...fields,
  };
}

export function deletions(paths: string[], fields: Partial<DeletionEvent> = {}): DeletionEvent[] {
  return paths.map((path) => deletion({ ...fields, path }));
}

/** A rename from `from` to `to` that succeeded and replaced nothing, unless `fields` say otherwise. */
export function rename(from: string, to: string, fields: Partial<DeletionEvent> = {}): DeletionEvent {
  return deletion({
    syscall: 'rename',
    comm: 'mv',
    cmdline: ['mv', from, to],
    movedTo: to,
    movedToComplete: true,
    replaced: false,
    ...fields,
    path: from,
  });
}

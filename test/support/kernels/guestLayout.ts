// Where the initramfs puts what the guest suite runs: shared by the host,
// which builds the initramfs, and the guest suite, which runs from it.

/** The project's dist/: helper.js, the addon and the libraries beside it. */
export const GUEST_DIST = '/opt/syscall-trace/dist';
/** The static test programs and program_report. */
export const GUEST_PROGRAMS = '/opt/syscall-trace/programs';
/** The two objects of build/bpf/, one per program set, for program_report. */
export const GUEST_BPF_OBJECTS = {
  newer: '/opt/syscall-trace/deletions.bpf.o',
  older: '/opt/syscall-trace/deletions_older.bpf.o',
} as const;
export type ProgramSetName = keyof typeof GUEST_BPF_OBJECTS;
/** The guest suite, bundled into one file that /init runs with node. */
export const GUEST_SUITE = '/opt/syscall-trace/guest-suite.js';
/** GNU rm and rmdir: they delete with unlinkat() relative to an open directory, as busybox's do not. */
export const GUEST_COREUTILS = '/opt/syscall-trace/coreutils';

/** The ordinary user the helper becomes, as it would for `sudo` run by this user. */
export const GUEST_USER = { name: 'tester', uid: 1000, gid: 1000 };

/** A tmpfs that /init mounts for the deletions. */
export const GUEST_SCRATCH = '/scratch';

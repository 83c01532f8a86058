// What the helper may do, before and after it attaches (ARCHITECTURE.md,
// "Privileges").
//
// Before: loading the BPF programs needs CAP_BPF and CAP_PERFMON (or
// CAP_SYS_ADMIN, which covers both); without them the helper refuses to start
// tracing, in one sentence.
//
// After the programs are loaded, attached and their maps open, the helper
// needs no privilege at all on Linux 6.5 and later in the raw attach mode:
// attaching an already loaded raw_tp program again (BPF_RAW_TRACEPOINT_OPEN),
// reading and updating its maps and consuming its ring buffer are checked
// against the file descriptors it holds, not against capabilities (the
// capability checks sit in BPF_PROG_LOAD and BPF_MAP_CREATE). So trace/stop
// followed by trace/start works without asking for privileges again. Before
// 6.5, the bpf() system call checked CAP_BPF for every command whenever
// kernel.unprivileged_bpf_disabled was set, so there CAP_BPF alone is kept.
//
// The tracepoint attach mode attaches each program to a perf event that
// perf_event_open(2) creates anew at every attach (the link owns it and
// closes it at detach), and opening a perf event for every task on a CPU
// needs CAP_PERFMON whenever kernel.perf_event_paranoid is above 0. So in that
// mode exactly CAP_PERFMON is kept: it lets the helper watch performance
// events, not load programs or create maps. (Keeping the perf events open
// across trace/stop instead would need nothing, but would leave the kernel's
// syscall tracepoints switched on, at a cost to every syscall, while nothing
// is traced.) The tracepoints' numbers are read from tracefs before the drop.
//
// So every thread of the helper (see native/src/privileges.h for why every
// thread) gives up:
//   - started through sudo (SUDO_UID/SUDO_GID) or pkexec (PKEXEC_UID): root
//     itself. It becomes the user who asked, with that user's primary group as
//     its only group, and no capability in any set;
//   - otherwise: every capability (permitted, effective, inheritable, ambient
//     and, where it may, the bounding set), keeping its uid.
// and gets no_new_privs, so that no execve could give anything back.
import * as fs from 'node:fs';
import * as os from 'node:os';

import type { AttachMode } from '../common/protocol';
import { loadAddon } from './native';

export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

export interface ThreadCredentials {
  uid: number;
  gid: number;
  permitted: bigint;
  effective: bigint;
  bounding: bigint;
}

/** The credentials that /proc/<pid>/status or /proc/<pid>/task/<tid>/status shows. */
export function parseStatus(status: string): ThreadCredentials {
  const field = (name: string): string => {
    const match = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
    if (!match) throw new Error(`/proc status has no ${name} line`);
    return match[1];
  };
  return {
    uid: Number(field('Uid').split(/\s+/)[0]),
    gid: Number(field('Gid').split(/\s+/)[0]),
    permitted: BigInt(`0x${field('CapPrm')}`),
    effective: BigInt(`0x${field('CapEff')}`),
    bounding: BigInt(`0x${field('CapBnd')}`),
  };
}

export function hasCapability(set: bigint, capability: number): boolean {
  return ((set >> BigInt(capability)) & 1n) === 1n;
}

/** The one sentence that says why this process cannot trace, or undefined if it can. */
export function missingTracingPrivileges(credentials: ThreadCredentials): string | undefined {
  const effective = credentials.effective;
  const canTrace =
    hasCapability(effective, CAP_SYS_ADMIN) || (hasCapability(effective, CAP_BPF) && hasCapability(effective, CAP_PERFMON));
  if (canTrace) return undefined;
  return (
    `Tracing deletions needs root, or the CAP_BPF and CAP_PERFMON capabilities, ` +
    `and this helper (uid ${credentials.uid}) has neither.`
  );
}

export function ownCredentials(): ThreadCredentials {
  return parseStatus(fs.readFileSync('/proc/self/status', 'utf8'));
}

export interface User {
  uid: number;
  gid: number;
}

/** The user who started the helper through sudo or pkexec, if it is someone other than root. */
export function userWhoAsked(env: NodeJS.ProcessEnv, passwd: () => string): User | undefined {
  const id = (text: string | undefined): number | undefined =>
    text !== undefined && /^\d{1,10}$/.test(text) && Number(text) < 2 ** 32 - 1 ? Number(text) : undefined;
  const sudoUid = id(env.SUDO_UID);
  const sudoGid = id(env.SUDO_GID);
  if (sudoUid !== undefined && sudoUid !== 0) return { uid: sudoUid, gid: sudoGid ?? primaryGroup(sudoUid, passwd) ?? sudoUid };
  const pkexecUid = id(env.PKEXEC_UID);
  if (pkexecUid !== undefined && pkexecUid !== 0) return { uid: pkexecUid, gid: primaryGroup(pkexecUid, passwd) ?? pkexecUid };
  return undefined;
}

function primaryGroup(uid: number, passwd: () => string): number | undefined {
  let text: string;
  try {
    text = passwd();
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [, , entryUid, entryGid] = line.split(':');
    if (entryUid !== undefined && Number(entryUid) === uid && /^\d+$/.test(entryGid ?? '')) return Number(entryGid);
  }
  return undefined;
}

/** Capabilities that attaching again and reading the maps still need on this kernel (see the top of this file). */
export function capabilitiesNeededAfterAttach(release: string, unprivilegedBpfDisabled: string | undefined): number[] {
  const [major, minor] = release.split(/[.-]/).map(Number);
  const atLeast65 = major > 6 || (major === 6 && minor >= 5);
  if (atLeast65) return [];
  return unprivilegedBpfDisabled === undefined || unprivilegedBpfDisabled.trim() !== '0' ? [CAP_BPF] : [];
}

/** Capabilities that attaching again needs in this attach mode (see the top of this file). */
export function capabilitiesToAttachAgain(mode: AttachMode): number[] {
  return mode === 'tracepoint' ? [CAP_PERFMON] : [];
}

/** What the helper is left with, in words for its log. */
export interface PrivilegesGivenUp {
  uid: number;
  kept: number[];
}

/**
 * Gives up, in every thread, everything the helper no longer needs once it is
 * attached, then checks every thread in /proc/self/task. Throws if any thread
 * kept more.
 */
export function giveUpPrivileges(mode: AttachMode): PrivilegesGivenUp {
  const kept = [
    ...capabilitiesNeededAfterAttach(os.release(), readOptional('/proc/sys/kernel/unprivileged_bpf_disabled')),
    ...capabilitiesToAttachAgain(mode),
  ];
  const user = process.geteuid?.() === 0 ? userWhoAsked(process.env, () => fs.readFileSync('/etc/passwd', 'utf8')) : undefined;
  loadAddon().dropPrivileges({ keepCapabilities: kept, ...(user ?? {}) });
  const allowed = kept.reduce((set, capability) => set | (1n << BigInt(capability)), 0n);
  for (const thread of fs.readdirSync('/proc/self/task')) {
    let credentials: ThreadCredentials;
    try {
      credentials = parseStatus(fs.readFileSync(`/proc/self/task/${thread}/status`, 'utf8'));
    } catch {
      continue; // the thread has ended
    }
    if ((credentials.permitted | credentials.effective) & ~allowed) {
      throw new Error(`thread ${thread} kept capabilities it should have given up`);
    }
    if (user !== undefined && credentials.uid !== user.uid) throw new Error(`thread ${thread} is still uid ${credentials.uid}`);
  }
  return { uid: user?.uid ?? process.getuid?.() ?? -1, kept };
}

function readOptional(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

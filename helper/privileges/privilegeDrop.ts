// What the helper may do, before and after it gives up its privileges
// (docs/privileges.md, "Privileges").
//
// Loading the BPF programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN,
// which covers both); without them the helper refuses to trace, in one
// sentence. It is the only step that does: the helper gives up its
// privileges right after it, before it reads a single request, and attaches
// and detaches from then on with what it kept.
//
// Once the programs are loaded and their maps open, the raw attach mode needs
// no privilege at all on Linux 6.5 and later: attaching a loaded raw_tp
// program (BPF_RAW_TRACEPOINT_OPEN), reading and updating its maps and
// consuming its ring buffer are checked against the file descriptors the
// helper holds, not against capabilities (the capability checks sit in
// BPF_PROG_LOAD and BPF_MAP_CREATE). So trace/start, trace/stop and
// trace/start again all work unprivileged. Before 6.5, the bpf() system call
// checked CAP_BPF for every command whenever kernel.unprivileged_bpf_disabled
// was set, so there CAP_BPF alone is kept.
//
// The tracepoint attach mode attaches each program to a perf event on a
// syscall tracepoint for every task, and opening one (perf_event_open(2))
// needs CAP_PERFMON whenever kernel.perf_event_paranoid is above 0. Debian's
// and Ubuntu's kernels carry a patch that makes 3 their default and, at 3,
// has perf_event_open ask for CAP_SYS_ADMIN (upstream reads 3 as 2), which
// no unprivileged helper can keep. So:
//   - where kernel.perf_event_paranoid is below 3, the perf events are opened
//     anew at every attach (the link owns each and closes it at detach), and
//     exactly CAP_PERFMON is kept for that: it lets the helper watch
//     performance events, not load programs or create maps. While nothing is
//     traced, no perf event is open, so the kernel's syscall tracepoints are
//     off and no syscall of the machine pays for them;
//   - where it is 3 or more (or cannot be read), the perf events are opened
//     while loading, as root, and kept for the helper's life: each attach
//     takes a duplicate of each, and nothing is kept for attaching. The cost
//     is that the syscall tracepoints stay switched on between a stop and the
//     next start, at a small cost to every syscall of the machine.
// The tracepoints' numbers are read from tracefs while loading.
//
// So every thread of the helper (see native/src/privileges.h for why every
// thread) gives up:
//   - started through sudo (SUDO_UID/SUDO_GID) or pkexec (PKEXEC_UID): root
//     itself. It becomes the user who asked, with that user's primary group as
//     its only group, and no capability beyond those above;
//   - otherwise: every capability beyond those above (permitted, effective,
//     inheritable, ambient and, where it may, the bounding set), keeping its uid.
// and gets no_new_privs, so that no execve could give anything back. Then
// every thread is checked in /proc/self/task; one that kept anything more
// ends the helper.
import * as fs from 'node:fs';
import * as os from 'node:os';

import { passwdEntries } from '../../common/passwd';
import type { AttachMode } from '../../common/protocol';
import { readOptional } from '../files';
import { loadAddon } from '../native';

export const CAP_SETGID = 6;
export const CAP_SETPCAP = 8;
export const CAP_SETUID = 7;
export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

export interface ThreadCredentials {
  /** Real uid and gid. */
  uid: number;
  gid: number;
  /** Real, effective, saved and filesystem ids. */
  uids: number[];
  gids: number[];
  /** Supplementary groups. */
  groups: number[];
  permitted: bigint;
  effective: bigint;
  inheritable: bigint;
  bounding: bigint;
  ambient: bigint;
  noNewPrivileges: boolean;
}

/** The credentials that /proc/<pid>/status or /proc/<pid>/task/<tid>/status shows. */
export function parseStatus(status: string): ThreadCredentials {
  const field = (name: string): string => {
    const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status);
    if (!match) throw new Error(`/proc status has no ${name} line`);
    return match[1].trim();
  };
  const numbers = (name: string): number[] => (field(name) === '' ? [] : field(name).split(/\s+/).map(Number));
  const set = (name: string): bigint => BigInt(`0x${field(name)}`);
  const uids = numbers('Uid');
  const gids = numbers('Gid');
  return {
    uid: uids[0],
    gid: gids[0],
    uids,
    gids,
    groups: numbers('Groups'),
    permitted: set('CapPrm'),
    effective: set('CapEff'),
    inheritable: set('CapInh'),
    bounding: set('CapBnd'),
    ambient: set('CapAmb'),
    noNewPrivileges: field('NoNewPrivs') === '1',
  };
}

/** What every thread must show once the privileges are given up. */
export interface ExpectedAfterDrop {
  /** The capabilities kept, as a set. */
  kept: bigint;
  /** The user (and only group) every thread became; absent: its ids stay as they were. */
  user?: User;
  /**
   * Whether the bounding set must hold no more than `kept`: only a thread
   * with CAP_SETPCAP can shrink it, and one without any capability and with
   * no_new_privs can gain nothing from it.
   */
  boundingShrunk: boolean;
}

/** What a thread kept beyond `expected`, in words; undefined when nothing. */
export function privilegesLeftOver(thread: ThreadCredentials, expected: ExpectedAfterDrop): string | undefined {
  const extra = (set: bigint): bigint => set & ~expected.kept;
  const problems: string[] = [];
  if (extra(thread.permitted) !== 0n) problems.push(`permitted capabilities 0x${extra(thread.permitted).toString(16)}`);
  if (extra(thread.effective) !== 0n) problems.push(`effective capabilities 0x${extra(thread.effective).toString(16)}`);
  // Nothing is passed on to programs it could run, not even what it kept.
  if (thread.inheritable !== 0n) problems.push(`inheritable capabilities 0x${thread.inheritable.toString(16)}`);
  if (thread.ambient !== 0n) problems.push(`ambient capabilities 0x${thread.ambient.toString(16)}`);
  if (expected.boundingShrunk && extra(thread.bounding) !== 0n)
    problems.push(`bounding set 0x${extra(thread.bounding).toString(16)}`);
  if (expected.user !== undefined) {
    const { uid, gid } = expected.user;
    if (thread.uids.some((id) => id !== uid)) problems.push(`uids ${thread.uids.join(' ')} (expected ${uid})`);
    if (thread.gids.some((id) => id !== gid)) problems.push(`gids ${thread.gids.join(' ')} (expected ${gid})`);
    if (thread.groups.some((group) => group !== gid))
      problems.push(`groups ${thread.groups.join(' ')} (expected ${gid} alone)`);
  }
  if (!thread.noNewPrivileges) problems.push('no no_new_privs');
  return problems.length === 0 ? undefined : problems.join(', ');
}

export function hasCapability(set: bigint, capability: number): boolean {
  return ((set >> BigInt(capability)) & 1n) === 1n;
}

/** The one sentence that says why this process cannot trace, or undefined if it can. */
export function missingTracingPrivileges(credentials: ThreadCredentials): string | undefined {
  const effective = credentials.effective;
  const canTrace =
    hasCapability(effective, CAP_SYS_ADMIN) ||
    (hasCapability(effective, CAP_BPF) && hasCapability(effective, CAP_PERFMON));
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
  if (sudoUid !== undefined && sudoUid !== 0)
    return { uid: sudoUid, gid: sudoGid ?? primaryGroup(sudoUid, passwd) ?? sudoUid };
  const pkexecUid = id(env.PKEXEC_UID);
  if (pkexecUid !== undefined && pkexecUid !== 0)
    return { uid: pkexecUid, gid: primaryGroup(pkexecUid, passwd) ?? pkexecUid };
  return undefined;
}

function primaryGroup(uid: number, passwd: () => string): number | undefined {
  let text: string;
  try {
    text = passwd();
  } catch {
    return undefined;
  }
  return passwdEntries(text).find((account) => account.uid === uid)?.gid;
}

/** Capabilities that attaching again and reading the maps still need on this kernel (see the top of this file). */
export function capabilitiesNeededAfterAttach(release: string, unprivilegedBpfDisabled: string | undefined): number[] {
  const [major, minor] = release.split(/[.-]/).map(Number);
  const atLeast65 = major > 6 || (major === 6 && minor >= 5);
  if (atLeast65) return [];
  return unprivilegedBpfDisabled === undefined || unprivilegedBpfDisabled.trim() !== '0' ? [CAP_BPF] : [];
}

export const PERF_EVENT_PARANOID = '/proc/sys/kernel/perf_event_paranoid';

/**
 * Whether the tracepoint set opens its perf events at the load and keeps them
 * (see the top of this file): where kernel.perf_event_paranoid is 3 or more,
 * or cannot be read, opening them again once unprivileged may be refused.
 */
export function keepsTracepointEvents(perfEventParanoid: string | undefined): boolean {
  const level = perfEventParanoid === undefined ? NaN : Number.parseInt(perfEventParanoid.trim(), 10);
  return !Number.isInteger(level) || level >= 3;
}

/** keepsTracepointEvents() for this machine's kernel.perf_event_paranoid. */
export function tracepointEventsKeptHere(): boolean {
  return keepsTracepointEvents(readOptional(PERF_EVENT_PARANOID));
}

/** How the loaded programs attach again, for giveUpPrivileges(). */
export interface LoadedPrograms {
  mode: AttachMode;
  /** The tracepoint set's perf events were opened at the load and are kept. */
  tracepointEventsKept: boolean;
}

/** Capabilities that attaching again needs for these programs (see the top of this file). */
export function capabilitiesToAttachAgain({ mode, tracepointEventsKept }: LoadedPrograms): number[] {
  return mode === 'tracepoint' && !tracepointEventsKept ? [CAP_PERFMON] : [];
}

/** What the helper is left with, in words for its log. */
export interface PrivilegesGivenUp {
  uid: number;
  kept: number[];
}

/**
 * Gives up, in every thread, everything the helper does not need to attach
 * and detach `loaded` (everything, where no programs are loaded), then
 * checks every thread in /proc/self/task. Throws, naming the thread and what
 * it kept, if any kept more. Every thread becomes `become` where it is given
 * (the recorder's own account), and otherwise the user who asked through
 * sudo or pkexec.
 */
export function giveUpPrivileges(loaded: LoadedPrograms | 'nothing loaded', become?: User): PrivilegesGivenUp {
  const before = ownCredentials();
  const needed =
    loaded === 'nothing loaded'
      ? []
      : [
          ...capabilitiesNeededAfterAttach(os.release(), readOptional('/proc/sys/kernel/unprivileged_bpf_disabled')),
          ...capabilitiesToAttachAgain(loaded),
        ];
  // What it does not have, it cannot keep (capset would refuse).
  const kept = needed.filter((capability) => hasCapability(before.permitted, capability));
  const user =
    become ??
    (before.uids[1] === 0 ? userWhoAsked(process.env, () => fs.readFileSync('/etc/passwd', 'utf8')) : undefined);
  loadAddon().dropPrivileges({ keepCapabilities: kept, ...(user ?? {}) });
  const expected: ExpectedAfterDrop = {
    kept: kept.reduce((set, capability) => set | (1n << BigInt(capability)), 0n),
    user,
    boundingShrunk: hasCapability(before.effective, CAP_SETPCAP),
  };
  for (const thread of fs.readdirSync('/proc/self/task')) {
    let credentials: ThreadCredentials;
    try {
      credentials = parseStatus(fs.readFileSync(`/proc/self/task/${thread}/status`, 'utf8'));
    } catch {
      continue; // the thread has ended
    }
    const leftOver = privilegesLeftOver(credentials, expected);
    if (leftOver !== undefined) throw new Error(`thread ${thread} still has ${leftOver}`);
  }
  return { uid: user?.uid ?? before.uid, kept };
}

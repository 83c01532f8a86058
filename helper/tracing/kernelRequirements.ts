// Which program set this kernel can run (docs/architecture.md, "Requirements",
// "Two program sets"). A kernel that lacks what a set needs refuses it with a
// bare EINVAL; the helper asks the kernel first, through libbpf's probes,
// takes the newer set where the kernel has all it needs, else the older, and
// otherwise says in one line which kernel runs, which one is needed and what
// it lacks. It asks by feature, not by version: distributions backport
// features into older releases.
import * as os from 'node:os';

import { PROGRAM_SETS, type ProgramSet } from '../../common/protocol';
import { loadAddon, type KernelFeature, type MissingKernelFeatures } from '../native';

/** The oldest upstream release with every feature the older set needs. */
export const MINIMUM_KERNEL = '5.10';

/**
 * Takes one set whatever the kernel is best served by, for tests and
 * benchmarks: "newer" or "older". A kernel that lacks what that set needs
 * still refuses it, in one line.
 */
export const PROGRAMS_VARIABLE = 'SYSCALL_TRACE_PROGRAMS';

/** The set the helper loads, and why, where the reason is worth saying. */
export interface ProgramSetChoice {
  programSet: ProgramSet;
  /** Why this set: absent for the newer set taken because the kernel has all it needs. */
  reason?: string;
  /** Whether the older set may stand in where the newer does not load: not where the environment chose. */
  olderMayStandIn: boolean;
}

/** No set can run: `message`, one line, says why. */
export interface NoProgramSet {
  unsupported: string;
}

/** SYSCALL_TRACE_PROGRAMS holds neither set's name: its message says so. */
export class ProgramsOverrideError extends Error {}

/**
 * One line: the running kernel's release, the release needed, and each
 * feature missing with the release that brought it. The kernel-matrix test
 * reads it on a kernel below the minimum.
 */
export function unsupportedKernelMessage(release: string, missing: readonly KernelFeature[]): string {
  return `this kernel, Linux ${release}, is too old for Syscall Trace, which needs Linux ${MINIMUM_KERNEL} or later: it lacks ${featureList(missing)}`;
}

/** One line where the environment asks for the newer set on a kernel that lacks what it needs. */
export function newerRefusedMessage(release: string, missing: readonly KernelFeature[]): string {
  return `this kernel, Linux ${release}, cannot run the newer programs that ${PROGRAMS_VARIABLE}=newer asks for: it lacks ${featureList(missing)}`;
}

function featureList(missing: readonly KernelFeature[]): string {
  return missing.map(({ feature, since }) => `${feature} (Linux ${since})`).join(', ');
}

/** SYSCALL_TRACE_PROGRAMS as given: a set, or undefined where it is unset or empty; throws ProgramsOverrideError for anything else. */
export function parseProgramsOverride(value: string | undefined): ProgramSet | undefined {
  if (value === undefined || value === '') return undefined;
  if ((PROGRAM_SETS as readonly string[]).includes(value)) return value as ProgramSet;
  throw new ProgramsOverrideError(
    `${PROGRAMS_VARIABLE} must be ${PROGRAM_SETS.map((set) => `"${set}"`).join(' or ')} (or unset), not ${JSON.stringify(value)}`,
  );
}

/**
 * The set to load on a kernel that lacks `missing`: the one `override` names,
 * where the kernel has what it needs; else the newer where it has all it
 * needs, else the older.
 */
export function chooseProgramSet(
  missing: MissingKernelFeatures,
  override: ProgramSet | undefined,
  release: string,
): ProgramSetChoice | NoProgramSet {
  if (override === 'newer') {
    if (missing.newer.length > 0) return { unsupported: newerRefusedMessage(release, missing.newer) };
    return { programSet: 'newer', reason: `as ${PROGRAMS_VARIABLE}=newer asks`, olderMayStandIn: false };
  }
  if (missing.older.length > 0 && (override === 'older' || missing.newer.length > 0)) {
    return { unsupported: unsupportedKernelMessage(release, missing.older) };
  }
  if (override === 'older')
    return { programSet: 'older', reason: `as ${PROGRAMS_VARIABLE}=older asks`, olderMayStandIn: false };
  if (missing.newer.length > 0) {
    return {
      programSet: 'older',
      reason: `this kernel lacks ${missing.newer.map(({ feature }) => feature).join(', ')}`,
      olderMayStandIn: false,
    };
  }
  return { programSet: 'newer', olderMayStandIn: missing.older.length === 0 };
}

/**
 * The set this kernel calls for, or `override` (parseProgramsOverride()).
 * Needs the privileges to load: the probes load programs.
 */
export function programSetForThisKernel(override: ProgramSet | undefined): ProgramSetChoice | NoProgramSet {
  return chooseProgramSet(loadAddon().missingKernelFeatures(), override, os.release());
}

/** The set in words, for the ready line and the log: "newer", or "older (this kernel lacks ...)". */
export function describeProgramSet(programSet: ProgramSet, reason: string | undefined): string {
  return reason === undefined ? programSet : `${programSet} (${reason})`;
}

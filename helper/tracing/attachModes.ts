// Which kernel programs a mode choice means on this kernel, and what they
// cannot see. "complete" takes the cheaper syscall tracepoints only where the
// kernel cannot run 32-bit programs, so that they miss nothing there.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';

import type { AttachMode, ModeChoice } from '../../common/protocol';

/** What decides whether a kernel runs 32-bit programs. */
export interface KernelFacts {
  /** process.arch of the helper: the kernel's, for a 64-bit helper. */
  arch: string;
  /** The kernel's build configuration (/proc/config.gz, /boot/config-RELEASE), where readable. */
  config: string | undefined;
  /** /proc/cmdline. */
  commandLine: string;
}

export const UNSEEN_32_BIT =
  'deletions by 32-bit programs: the syscall tracepoints of "tracepoint-without-32-bit" mode are not told of them (the "complete" and "raw" modes see them)';
export const UNSEEN_IO_URING =
  'deletions through io_uring: this kernel has no io_uring, or not its io_uring_submit_req (io_uring_submit_sqe before Linux 6.4) and io_uring_complete tracepoints';

/**
 * A set of programs that did not load on this kernel (a verifier of another
 * version refused it, a tracepoint is missing), where `complete` took the
 * other set: `reason` is the load's error, as the addon gave it.
 */
export interface SetNotLoaded {
  programs: AttachMode;
  reason: string;
}

export function programsFor(choice: ModeChoice, facts: KernelFacts): AttachMode {
  if (choice === 'raw') return 'raw';
  if (choice === 'tracepoint-without-32-bit') return 'tracepoint';
  return kernelRuns32BitPrograms(facts) ? 'raw' : 'tracepoint';
}

/**
 * The set `complete` takes where `failed` does not load: the one left. Only
 * the raw set sees 32-bit programs, so a kernel that runs them and refuses it
 * leaves their deletions unseen, which unseenBy() then says.
 */
export function otherSet(failed: AttachMode): AttachMode {
  return failed === 'raw' ? 'tracepoint' : 'raw';
}

/**
 * What `programs` cannot see on this kernel, in sentences. `ioUringProblem`:
 * why io_uring's programs were left out where the kernel has its tracepoints,
 * or, where they were loaded, what they cannot tell;
 * `notLoaded`: the set that `complete` would have taken, where it did not load.
 */
export function unseenBy(
  programs: AttachMode,
  tracesIoUring: boolean,
  facts: KernelFacts,
  ioUringProblem = '',
  notLoaded?: SetNotLoaded,
): string[] {
  const unseen: string[] = [];
  if (programs === 'tracepoint' && kernelRuns32BitPrograms(facts)) {
    unseen.push(
      notLoaded?.programs === 'raw'
        ? `deletions by 32-bit programs: the raw programs did not load on this kernel (${oneLineReason(notLoaded.reason)})`
        : UNSEEN_32_BIT,
    );
  }
  if (!tracesIoUring)
    unseen.push(ioUringProblem === '' ? UNSEEN_IO_URING : `deletions through io_uring: ${ioUringProblem}`);
  else if (ioUringProblem !== '') unseen.push(`the results of deletions through io_uring: ${ioUringProblem}`);
  return unseen;
}

/** The verifier's closing statistics, which say nothing of why it refused. */
const VERIFIER_STATISTICS = /^(processed \d+ insns|verification time|stack depth|Func#\d+ .* is safe for any args)/;

/**
 * A load error in one line, for a sentence of `unseen`: where the verifier
 * refused a program, its own last word on why (the addon's message holds its
 * last lines, statistics among them); otherwise the message's first line.
 */
export function oneLineReason(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const verifierLines = lines.slice(1).filter((line) => !VERIFIER_STATISTICS.test(line));
  if (/verifier/.test(lines[0] ?? '') && verifierLines.length > 0) return `the verifier: ${verifierLines.at(-1)}`;
  return lines[0] ?? 'no reason given';
}

/**
 * Whether the kernel can run 32-bit programs: built with their syscall table
 * (CONFIG_IA32_EMULATION on x86_64, CONFIG_COMPAT on arm64) and not switched
 * off at boot (ia32_emulation=, Linux 6.7 and later, whose default
 * CONFIG_IA32_EMULATION_DEFAULT_DISABLED sets). Where the configuration cannot
 * be read, it is taken to: a wrong yes costs speed, a wrong no deletions.
 */
export function kernelRuns32BitPrograms(facts: KernelFacts): boolean {
  if (facts.arch === 'arm64') return facts.config === undefined || configHas(facts.config, 'CONFIG_COMPAT');
  if (facts.arch !== 'x64') return true;
  if (facts.config !== undefined && !configHas(facts.config, 'CONFIG_IA32_EMULATION')) return false;
  const bootChoice = ia32EmulationParameter(facts.commandLine);
  if (bootChoice !== undefined) return bootChoice;
  return facts.config === undefined || !configHas(facts.config, 'CONFIG_IA32_EMULATION_DEFAULT_DISABLED');
}

function configHas(config: string, option: string): boolean {
  return new RegExp(`^${option}=y$`, 'm').test(config);
}

/** ia32_emulation=BOOL on the kernel's command line, read as the kernel's kstrtobool() reads it. */
function ia32EmulationParameter(commandLine: string): boolean | undefined {
  let value: boolean | undefined;
  for (const word of commandLine.split(/\s+/)) {
    if (word === '--') break; // what follows belongs to init
    const match = /^ia32_emulation=(.*)$/.exec(word);
    if (match === null) continue;
    const first = match[1].toLowerCase();
    if (/^(1|y|on)/.test(first)) value = true;
    else if (/^(0|n|of)/.test(first)) value = false;
  }
  return value;
}

export function readKernelFacts(): KernelFacts {
  return { arch: process.arch, config: readKernelConfig(), commandLine: readOrEmpty('/proc/cmdline') };
}

function readKernelConfig(): string | undefined {
  try {
    return zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString('latin1');
  } catch {
    try {
      return fs.readFileSync(`/boot/config-${os.release()}`, 'latin1');
    } catch {
      return undefined;
    }
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

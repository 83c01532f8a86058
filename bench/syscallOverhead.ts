// What tracing adds to every syscall that is not a deletion: a getppid(2)
// loop, timed by itself, with each tracer attached in turn. A program on
// raw_tp/sys_enter runs on every syscall of the machine, so this is the price
// every process pays while tracing is on.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_MODE_CHOICE } from '../common/protocol';
import type { BenchContext } from './benchmark';
import { runMeasured } from './childProcesses';
import { BEFORE_RENAMES, type Fixtures } from './fixtures';
import { code, section, shellCommand, table } from './markdown';
import { formatDifference, formatNumber, formatRange, formatRatio, median } from './stats';
import {
  ATTACHED_IN_MODE,
  bpftrace,
  DEFAULT_PROGRAMS,
  emptyPrograms,
  objectPrograms,
  oursWithOlderPrograms,
  setTakenBy,
  syscallTrace,
  tracerCommands,
  untraced,
  type SyscallTraceTracer,
  type Tracer,
} from './tracers';
import { freshWorkDirectory, traceTarget } from './workDirectory';

/** The target: ours within 5% of the empty raw_tp/sys_enter program. */
const TARGET_RATIO_TO_EMPTY_PROGRAM = 1.05;

/** The renames issue's target: ours' raw programs per syscall within 5% of what they cost before renames. */
const TARGET_RATIO_TO_BEFORE_RENAMES = 1.05;

/** The raw-mode programs of the helper's object (bpf/deletions.bpf.c), in both the checkout's object and the one before renames. */
const RAW_PROGRAMS = ['trace_sys_enter', 'trace_sys_exit'];

interface Measured {
  tracer: Tracer;
  /** Per run: the mean of its fastest chunk of calls. */
  nanosecondsPerCall: number[];
  /** Per run: the mean over all its calls, disturbances included. */
  meanNanosecondsPerCall: number[];
}

export async function syscallOverhead(context: BenchContext): Promise<string> {
  const { fixtures, settings } = context;
  const { callsPerRun, chunksPerRun, repetitions } = settings.syscallOverhead;
  const workDirectory = freshWorkDirectory(settings, 'overhead');
  const emptyDirectory = path.join(workDirectory, 'empty');
  fs.mkdirSync(emptyDirectory);
  const target = traceTarget(workDirectory, emptyDirectory);

  // The floors: BPF objects whose programs return at once (bench/empty_*.bpf.c), by what they attach to.
  const [emptyRawSysEnter, emptyRawPair, emptyRawEnterTracepointExits, emptyUnlinkat, emptyDeletionTracepoints] = (
    [
      ['empty raw_tp program', 'raw_tp/sys_enter', fixtures.emptyRawSysEnter],
      ['empty raw_tp pair', 'raw_tp/sys_enter + raw_tp/sys_exit', fixtures.emptyRawSysEnterExit],
      [
        'empty raw_tp + exit tracepoints',
        'raw_tp/sys_enter + tracepoint/syscalls/sys_exit_{unlink,unlinkat,rmdir}',
        fixtures.emptyRawSysEnterExitTracepoints,
      ],
      ['empty unlinkat tracepoint', 'tracepoint/syscalls/sys_enter_unlinkat', fixtures.emptyUnlinkatTracepoint],
      [
        'empty deletion tracepoints',
        'tracepoint/syscalls/sys_{enter,exit}_{unlink,unlinkat,rmdir} (6)',
        fixtures.emptyDeletionTracepoints,
      ],
    ] as const
  ).map(([name, attaches, objectFile]) => emptyPrograms(fixtures, name, attaches, objectFile));
  const ours = syscallTrace(context.helperScript, 'raw');
  const oursOnTracepoints = syscallTrace(context.helperScript, 'tracepoint');
  // The default mode's programs only: on a syscall that is not a deletion the sets run the same code, so one mode shows it.
  const oursOlder = oursWithOlderPrograms(context.helperScript);
  const { today: rawToday, beforeRenames: rawBeforeRenames } = rawProgramsAcrossRenames(fixtures);
  const tracers = [
    untraced,
    emptyRawSysEnter,
    emptyRawPair,
    emptyRawEnterTracepointExits,
    emptyUnlinkat,
    emptyDeletionTracepoints,
    ours,
    oursOnTracepoints,
    oursOlder,
    rawBeforeRenames,
    rawToday,
    bpftrace,
  ];
  const measured: Measured[] = tracers.map((tracer) => ({
    tracer,
    nanosecondsPerCall: [],
    meanNanosecondsPerCall: [],
  }));
  const workload = [fixtures.getppidLoop, String(callsPerRun), String(chunksPerRun)];

  // Interleaved (A B C … A B C …) so that whatever else the machine does
  // falls on every tracer alike.
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    for (const entry of measured) {
      const trace = await entry.tracer.start(target);
      try {
        const run = await runMeasured(fixtures.measureCommand, trace.wrap(workload));
        const [mean, fastestChunk] = run.stdout.trim().split(' ').map(Number);
        entry.meanNanosecondsPerCall.push(mean);
        entry.nanosecondsPerCall.push(fastestChunk);
      } finally {
        await trace.stop();
      }
      context.log(
        `syscall overhead ${repetition}/${repetitions} ${entry.tracer.name}: ${entry.nanosecondsPerCall.at(-1)} ns ` +
          `(whole run ${entry.meanNanosecondsPerCall.at(-1)} ns)`,
      );
    }
  }

  fs.rmSync(workDirectory, { recursive: true, force: true });

  const runsOf = (tracer: Tracer): number[] => measured.find((entry) => entry.tracer === tracer)!.nanosecondsPerCall;
  const medianOf = (tracer: Tracer): number => median(runsOf(tracer));
  const base = medianOf(untraced);
  const floor = medianOf(emptyRawSysEnter);
  const rows = measured.map(({ tracer, nanosecondsPerCall, meanNanosecondsPerCall }) => {
    const value = median(nanosecondsPerCall);
    return [
      tracer.name,
      tracer.attaches,
      formatNumber(value, 1),
      formatRange(nanosecondsPerCall, 1),
      tracer === untraced ? '–' : formatDifference(value - base),
      formatRatio(value, base),
      formatRatio(value, floor),
      formatNumber(median(meanNanosecondsPerCall), 1),
    ];
  });

  const added = (tracer: Tracer): number => medianOf(tracer) - base;
  const cheaperMode = medianOf(oursOnTracepoints) < medianOf(ours) ? 'tracepoint' : 'raw';
  const secondProgram = added(emptyRawPair) - added(emptyRawSysEnter);
  const ownWork = added(ours) - added(emptyRawPair);
  const reading = [
    `- Target: ours within 5% of the empty raw_tp/sys_enter program. Measured: ${formatRatio(medianOf(ours), floor)} of it in raw mode — ` +
      (medianOf(ours) / floor <= TARGET_RATIO_TO_EMPTY_PROGRAM ? '**met**' : '**not met**') +
      `; ${formatRatio(medianOf(oursOnTracepoints), floor)} in tracepoint mode — ` +
      (medianOf(oursOnTracepoints) / floor <= TARGET_RATIO_TO_EMPTY_PROGRAM ? '**met**.' : '**not met**.') +
      ` The cheaper mode on this kernel: **${cheaperMode}** ` +
      `(${formatDifference(added(oursOnTracepoints))} against ${formatDifference(added(ours))} ns per syscall).`,
    `- The helper's default mode, ${code(DEFAULT_MODE_CHOICE)} (DEFAULT_MODE_CHOICE, common/protocol.ts), sees every deletion the kernel makes, ` +
      `and takes **${DEFAULT_PROGRAMS}** programs on this kernel, which ${DEFAULT_PROGRAMS === 'raw' ? 'can' : 'cannot'} run 32-bit programs: ` +
      `its price is ${formatDifference(added(DEFAULT_PROGRAMS === 'raw' ? ours : oursOnTracepoints))} ns per syscall of the machine. ` +
      'It is the cheapest complete choice: the syscall tracepoints are not told of the syscalls of 32-bit (ia32) programs, so where the kernel runs them ' +
      'only raw_tp/sys_enter sees their calls and only raw_tp/sys_exit their results, and the empty raw_tp pair above is the floor of anything that sees them; ' +
      `adding the syscall tracepoints to it would only add their ${formatDifference(added(emptyDeletionTracepoints))} ns. ` +
      `Where the kernel cannot run 32-bit programs (no IA32 emulation, or ia32_emulation=0), the default takes the syscall tracepoints, which then miss nothing. ` +
      `${code('--mode tracepoint-without-32-bit')} (the syscallTrace.attachMode setting) keeps the tracepoints for those who accept the blind spot: ` +
      `it adds ${formatDifference(added(oursOnTracepoints))} ns per syscall here, against raw's ${formatDifference(added(ours))}.`,
    `- In raw mode ours attaches two programs, so every syscall of the machine pays for two program calls. Of ours' ${formatDifference(added(ours))} ns: ` +
      `${formatDifference(added(emptyRawSysEnter))} ns is the floor of one raw_tp/sys_enter program, ` +
      `${formatDifference(secondProgram)} ns the second (raw_tp/sys_exit) program, ` +
      `and ${formatDifference(ownWork)} ns the work our two programs do before returning.` +
      (Math.abs(ownWork) < secondProgram / 2
        ? ' **The second program is the cost above the floor**: ours costs what two empty programs cost, so it cannot come within 5% of one ' +
          'while it attaches raw_tp/sys_exit; what its programs do on a non-deletion syscall is lost in the noise.'
        : ''),
    `- In tracepoint mode ours adds ${formatDifference(added(oursOnTracepoints))} ns, against ${formatDifference(added(emptyDeletionTracepoints))} ns ` +
      "for the six deletion tracepoints with empty programs, of its twelve (with the renames'): on a syscall that is not a deletion or a rename, none of its programs runs.",
    `- Taking each call's result from the exit tracepoints of the three deletion syscalls instead of from raw_tp/sys_exit ` +
      `(empty raw_tp/sys_enter + tracepoint/syscalls/sys_exit_{unlink,unlinkat,rmdir}) costs ${formatDifference(added(emptyRawEnterTracepointExits))} ns ` +
      `(${formatRatio(medianOf(emptyRawEnterTracepointExits), floor)} the floor), ` +
      `against ${formatDifference(added(emptyRawPair))} ns for the empty raw_tp pair.`,
    `- The syscall tracepoints cost ${formatDifference(added(emptyUnlinkat))} ns for sys_enter_unlinkat alone and ` +
      `${formatDifference(added(emptyDeletionTracepoints))} ns (${formatRatio(medianOf(emptyDeletionTracepoints), floor)} the floor) ` +
      'for the enter and exit tracepoints of all three deletion syscalls, everything a tracer that reports results needs: ' +
      'the kernel runs these programs only for those syscalls, and every other syscall pays only the tracepoint slow path.',
    olderSetReading(added, runsOf, DEFAULT_PROGRAMS === 'raw' ? ours : oursOnTracepoints, oursOlder),
    beforeRenamesReading(medianOf, runsOf, base, rawToday, rawBeforeRenames),
    `- bpftrace with the one-liner below (enter tracepoints only, no results) adds ${formatDifference(added(bpftrace))} ns.`,
  ];

  return section({
    description:
      `Each run is ${code(shellCommand(workload))}: ${formatNumber(callsPerRun)} calls of getppid(2) in ${chunksPerRun} chunks, ` +
      `timed by the program itself (CLOCK_MONOTONIC), with one tracer attached. A run's figure is the mean time of a call in its fastest chunk, ` +
      `the one least disturbed by other work on the machine (the mean over the whole run is in the last column). ` +
      `The tracers run interleaved (each in turn, ${repetitions} rounds); the table gives the median of the ${repetitions} runs, the range their minimum and maximum.`,
    tables: [
      table(
        [
          'tracer',
          'attached to',
          'ns per syscall',
          'range',
          'added ns',
          '× untraced',
          '× empty raw_tp',
          'whole-run mean ns',
        ],
        rows,
      ),
    ],
    reading,
    commands: [
      '**Commands** (the empty programs are in bench/*.bpf.c; attach_bpf_object keeps them attached while its stdin is open, ' +
        `only the programs named where any are; deletions_today.bpf.o is bpf/deletions.bpf.c and deletions_before_renames.bpf.o the same at ${BEFORE_RENAMES}, ` +
        "each compiled with bpf/Makefile's flags by the suite, the older from git show)",
      '',
      ...tracerCommands(tracers, target),
    ],
  });
}

/**
 * Ours' raw-mode programs, sys_enter and sys_exit, attached without the helper
 * (attach_bpf_object) from two objects compiled alike: the checkout's, and
 * the one before renames were traced (BEFORE_RENAMES). Renames added six
 * syscall numbers to the test every syscall of the machine passes through
 * in raw_tp/sys_enter (might_delete(), bpf/deletions.bpf.c); this pair shows
 * what that test costs now against what it cost, apart from the helper.
 */
function rawProgramsAcrossRenames(fixtures: Fixtures): { today: Tracer; beforeRenames: Tracer } {
  const attaches = `${ATTACHED_IN_MODE.raw} (${RAW_PROGRAMS.join(', ')})`;
  return {
    beforeRenames: objectPrograms(
      fixtures,
      `ours' raw programs before renames (${BEFORE_RENAMES})`,
      attaches,
      fixtures.deletionProgramsBeforeRenames,
      RAW_PROGRAMS,
    ),
    today: objectPrograms(fixtures, "ours' raw programs today", attaches, fixtures.deletionProgramsToday, RAW_PROGRAMS),
  };
}

function beforeRenamesReading(
  medianOf: (tracer: Tracer) => number,
  runsOf: (tracer: Tracer) => number[],
  base: number,
  today: Tracer,
  beforeRenames: Tracer,
): string {
  const ratio = medianOf(today) / medianOf(beforeRenames);
  return (
    `- Target: the default mode's cost per syscall within 5% of what it was before renames were traced (commit ${BEFORE_RENAMES}). ` +
    `Ours' raw programs, attached alone from the two objects compiled alike, take ${formatNumber(medianOf(today), 1)} ns per getppid today ` +
    `against ${formatNumber(medianOf(beforeRenames), 1)} ns before renames: ${formatRatio(medianOf(today), medianOf(beforeRenames))} — ` +
    (ratio <= TARGET_RATIO_TO_BEFORE_RENAMES ? '**met**' : '**not met**') +
    ` (added over untraced: ${formatDifference(medianOf(today) - base)} ns against ${formatDifference(medianOf(beforeRenames) - base)} ns; ` +
    (rangesOverlap(runsOf(today), runsOf(beforeRenames))
      ? 'the ranges of their runs overlap). '
      : '**the ranges of their runs do not overlap**). ') +
    'What changed on this path is the syscall-number test of raw_tp/sys_enter, which renames lengthened by the numbers of rename, renameat and renameat2 in each ABI (six more on x86-64); ' +
    (DEFAULT_PROGRAMS === 'raw'
      ? 'the default mode takes these programs on this kernel.'
      : 'the default mode takes the tracepoint programs on this kernel, on which a getppid runs no program at all, so the raw pair shows the raw mode only.')
  );
}

/**
 * The older program set beside the newer, in the default mode's programs.
 * Both leave a syscall that is not a deletion by the same first test, so the
 * two should cost the same here: what differs (where a call waits for its
 * exit, how the task is read) runs only on deletions, which the storm measures.
 */
function olderSetReading(
  added: (tracer: Tracer) => number,
  runsOf: (tracer: Tracer) => number[],
  newer: SyscallTraceTracer,
  older: Tracer,
): string {
  const commonPath =
    DEFAULT_PROGRAMS === 'raw'
      ? 'the syscall-number test of raw_tp/sys_enter and the in-flight test of raw_tp/sys_exit'
      : "none at all, their programs being on the deletion syscalls' tracepoints";
  return (
    `- The older program set (${older.name}, ${code('SYSCALL_TRACE_PROGRAMS=older')}), which a kernel from 5.10 takes where it lacks task storage in tracing programs (5.12), ` +
    `adds ${formatDifference(added(older))} ns per syscall here, against ${formatDifference(added(newer))} ns for the set this kernel takes by itself, ${setTakenBy(newer)} (${newer.name}). ` +
    `On a syscall that is not a deletion both sets run the same code, ${commonPath}, so they should cost the same: ` +
    (rangesOverlap(runsOf(older), runsOf(newer))
      ? 'the ranges of their runs overlap, and the difference is noise. '
      : '**the ranges of their runs do not overlap**, which that code does not explain: a rerun on a quiet machine should tell. ') +
    'What the older set does otherwise (each call kept in a hash by thread id, the task read through probe reads) is paid on deletions only: see the deletion storm. ' +
    'For a user of an older kernel the price per syscall is that of the same programs on that kernel, which this machine cannot measure.'
  );
}

function rangesOverlap(first: readonly number[], second: readonly number[]): boolean {
  return Math.max(Math.min(...first), Math.min(...second)) <= Math.min(Math.max(...first), Math.max(...second));
}

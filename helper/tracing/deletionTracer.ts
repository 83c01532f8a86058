// The helper's one code path from kernel records to DeletionEvents, shared by
// the terminal command and the JSON-RPC server: it loads the BPF programs,
// attaches and detaches them, decodes each batch, keeps command lines, drops
// what is out of scope before anything is serialised, numbers what is left,
// and watches the kernel's loss counters.
//
// Back-pressure (docs/helper.md, "Back-pressure and loss"): the face that
// writes the events pauses this tracer while its output is behind. Records
// then wait in the kernel's ring buffer, which is bounded; those it has no
// room for, the kernel counts as lost. So a reader that keeps up loses
// nothing, and one that does not read costs the helper no memory beyond what
// its output holds, and never holds up a deleter.
import { isInScope, type PathScope } from '../../common/directories';
import {
  DEFAULT_MODE_CHOICE,
  QUEUE_MIB_DEFAULT,
  type AttachMode,
  type DeletionEvent,
  type ModeChoice,
  type ProgramSet,
  type Scope,
  type TraceStats,
} from '../../common/protocol';
import { withRealPathAliases } from '../../common/scopeAliases';
import {
  oneLineReason,
  otherSet,
  programsFor,
  readKernelFacts,
  unseenBy,
  type KernelFacts,
  type SetNotLoaded,
} from './attachModes';
import { WallClock } from './clock';
import { addRenameFields, deletionPath, toDeletionEvent, type MovedTo } from './deletionEvents';
import { DirectoryNames, type KnownDirectory } from '../paths/directoryNames';
import type { ProgramSetChoice } from './kernelRequirements';
import { KernelScope } from './kernelScope';
import {
  loadAddon,
  type DeletionPrograms,
  type DeletionProgramsOptions,
  type LostCounts,
  type RecordLayout,
} from '../native';
import { HostMounts } from '../paths/hostMounts';
import { textOfBinary, UNKNOWN_START_BINARY, type HostPathOf, type ResolvedPath } from '../paths/kernelPaths';
import { tracepointEventsKeptHere } from '../privileges/privilegeDrop';
import { ProcessCache } from './processes';
import { decodeBatch, type DeletionRecord, type TraceRecord } from './records';
import { isRenameDestination, isRenameSource, RenameDestinations } from './renames';
import { messageOf } from '../../common/errors';

export interface DeletionTracerListener {
  /** Called once per batch that holds reported deletions. */
  onDeletions(events: DeletionEvent[]): void;
  /** Called whenever the count of deletions the kernel could not deliver grows. */
  onLost(lost: number): void;
  /** Something went wrong that the user should hear of, without stopping the trace. */
  onProblem(message: string): void;
}

/** Stopping: detached, while what the ring buffer still holds is reported. */
export type TracerState = 'idle' | 'tracing' | 'stopping';

export interface StartOptions {
  scope: Scope;
  includeFailed: boolean;
}

/**
 * Kernel memory for records on their way to the helper, where the
 * environment asks for other than the addon's default: a power of two of at
 * least a page. A storm waits there while the output is behind.
 */
export const RING_BUFFER_BYTES_VARIABLE = 'SYSCALL_TRACE_RING_BUFFER_BYTES';
/** The queue's budget in bytes where the environment asks for other than --queue-mib: for tests that need it small. */
export const QUEUE_BYTES_VARIABLE = 'SYSCALL_TRACE_QUEUE_BYTES';

/** The kernel's own bound on process keys it remembers (bpf/deletions.bpf.c). */
const PROCESS_CACHE_CAPACITY = 16384;
/**
 * Directories whose names are kept for the records that name them by id, in
 * each of two generations: 65,536 directories of ~100 bytes of names, a few
 * MiB at most, against a thread for each that deleted there.
 */
const DIRECTORY_GENERATION_SIZE = 65536;
/** Losses are also checked this often, in case no batch comes to check them. */
const LOSS_CHECK_MS = 1000;

export class DeletionTracer {
  private programs: DeletionPrograms | undefined;
  private readonly layout: RecordLayout;
  private readonly processes: ProcessCache;
  private readonly directories = new DirectoryNames(DIRECTORY_GENERATION_SIZE, () =>
    this.programs?.forgetDirectories(),
  );
  private readonly renameDestinations = new RenameDestinations();
  /** hostPath() for deletionPath(), made once rather than for each record. */
  private readonly hostPathOf: HostPathOf = (dev, filesystemPath) => this.hostPath(dev, filesystemPath);
  private readonly clock = new WallClock();
  private readonly hostMounts = new HostMounts();
  private scope: PathScope = undefined;
  private readonly kernelScope = new KernelScope();
  private includeFailed = false;
  private seq = 0;
  private reported = 0;
  private filtered = 0;
  private lostReported = 0;
  private lossTimer: NodeJS.Timeout | undefined;
  private readonly kernel: KernelFacts = readKernelFacts();
  private choice: ModeChoice = DEFAULT_MODE_CHOICE;
  private mode: AttachMode = programsFor(DEFAULT_MODE_CHOICE, this.kernel);
  /** Where `complete` took the other set: the one it would have taken, and why that did not load. */
  private notLoaded: SetNotLoaded | undefined;
  /** Which of the two objects the programs come from (helper/tracing/kernelRequirements.ts chooses). */
  private setChoice: ProgramSetChoice = { programSet: 'newer', olderMayStandIn: false };
  private eventsKept = false;
  private paused = false;
  /** While stopping: resolves stop()'s promise once the ring buffer is empty. */
  private stopping: { done: Promise<void>; finish: () => void } | undefined;
  /** The totals as close() left them: what stats() answers once the programs are gone. */
  private closedStats: TraceStats | undefined;

  constructor(
    private readonly listener: DeletionTracerListener,
    private readonly options: Omit<DeletionProgramsOptions, 'attachMode' | 'programSet'> = programOptions(
      QUEUE_MIB_DEFAULT,
    ),
  ) {
    this.layout = loadAddon().layout;
    this.processes = new ProcessCache(PROCESS_CACHE_CAPACITY, (key) =>
      this.programs?.forgetProcess(key.tgid, key.execId, key.startTime),
    );
  }

  get loaded(): boolean {
    return this.programs !== undefined;
  }

  get state(): TracerState {
    if (this.stopping) return 'stopping';
    return this.lossTimer !== undefined ? 'tracing' : 'idle';
  }

  get tracing(): boolean {
    return this.state === 'tracing';
  }

  /** Which programs this tracer loads, or has loaded. */
  get attachMode(): AttachMode {
    return this.mode;
  }

  /** The mode asked for, which attachMode serves on this kernel. */
  get modeChoice(): ModeChoice {
    return this.choice;
  }

  /** Which program set this tracer loads, or has loaded. */
  get programSet(): ProgramSet {
    return this.setChoice.programSet;
  }

  /** Why that set, where it is worth saying: absent for the newer set, taken because the kernel has all it needs. */
  get programSetReason(): string | undefined {
    return this.setChoice.reason;
  }

  /** Whether the tracepoint set's perf events were opened at the load, and are kept (helper/privileges/privilegeDrop.ts says when). */
  get tracepointEventsKept(): boolean {
    return this.eventsKept;
  }

  /** What the loaded programs cannot see, in sentences; empty before they are loaded. */
  get unseen(): string[] {
    return this.programs
      ? unseenBy(this.mode, this.programs.tracesIoUring, this.kernel, this.programs.ioUringProblem, this.notLoaded)
      : [];
  }

  /** Chooses the programs to load; once they are loaded, the mode stays what it is. */
  useAttachMode(choice: ModeChoice): void {
    if (this.programs && choice === this.choice) return;
    const mode = programsFor(choice, this.kernel);
    if (this.programs && mode !== this.mode) {
      throw new Error(
        `the BPF programs are already loaded in ${this.mode} mode; a new helper can trace in ${choice} mode`,
      );
    }
    this.choice = choice;
    this.mode = mode;
  }

  /** Chooses the program set to load, before the programs are loaded: it stays what it is for the tracer's life. */
  useProgramSet(choice: ProgramSetChoice): void {
    if (this.programs) throw new Error(`the BPF programs are already loaded from the ${this.setChoice.programSet} set`);
    this.setChoice = { ...choice };
  }

  /**
   * Loads the BPF programs: the one step that needs privileges. One set
   * failing is not nothing traced. Where the newer program set does not load
   * although the kernel has the features it needs (a verifier of another
   * version refuses it), the older stands in, once, and the log says why.
   */
  load(): void {
    if (this.programs) return;
    const set = this.setChoice;
    try {
      this.programs = this.loadInMode(set.programSet);
    } catch (error) {
      if (set.programSet !== 'newer' || !set.olderMayStandIn || (error as NodeJS.ErrnoException).code === 'EPERM')
        throw error;
      const reason = messageOf(error).trimEnd();
      this.listener.onProblem(
        `the newer programs did not load on this kernel, so the helper tries the older ones: ${reason}`,
      );
      try {
        this.programs = this.loadInMode('older');
      } catch (olderError) {
        this.listener.onProblem(`the older programs did not load either: ${messageOf(olderError).trimEnd()}`);
        throw error;
      }
      this.setChoice = {
        programSet: 'older',
        reason: `the newer programs did not load: ${oneLineReason(reason)}`,
        olderMayStandIn: false,
      };
    }
    if (this.paused) this.programs.pause();
  }

  /**
   * The programs of `set` for this tracer's mode. In `complete` mode, where
   * those do not load (a verifier of another version refuses them, a
   * tracepoint is missing), it takes the other mode's, and `unseen` says what
   * that costs. The explicit modes fail with the error.
   */
  private loadInMode(set: ProgramSet): DeletionPrograms {
    try {
      return this.loadPrograms(this.mode, set);
    } catch (error) {
      if (this.choice !== 'complete') throw error;
      const reason = messageOf(error).trimEnd();
      const other = otherSet(this.mode);
      this.listener.onProblem(
        `the ${this.mode} programs did not load on this kernel, so ${this.choice} mode tries the ${other} programs: ${reason}`,
      );
      let programs: DeletionPrograms;
      try {
        programs = this.loadPrograms(other, set);
      } catch (otherError) {
        this.listener.onProblem(`the ${other} programs did not load either: ${messageOf(otherError).trimEnd()}`);
        throw error;
      }
      this.notLoaded = { programs: this.mode, reason };
      this.mode = other;
      return programs;
    }
  }

  private loadPrograms(mode: AttachMode, programSet: ProgramSet): DeletionPrograms {
    const { DeletionPrograms } = loadAddon();
    const keepTracepointEvents = mode === 'tracepoint' && tracepointEventsKeptHere();
    const programs = new DeletionPrograms((batch) => this.onBatch(batch), {
      ...this.options,
      attachMode: mode,
      programSet,
      keepTracepointEvents,
    });
    this.eventsKept = keepTracepointEvents;
    return programs;
  }

  start(options: StartOptions): void {
    if (this.stopping) throw new Error('the previous trace is still being stopped');
    this.load();
    const programs = this.programs!;
    this.includeFailed = options.includeFailed;
    programs.setReportFailed(options.includeFailed);
    programs.clearScope();
    programs.attach();
    // The kernel learns the scope from its attached programs; until then it sends everything.
    this.setScope(options.scope);
    this.lossTimer = setInterval(() => this.checkLost(), LOSS_CHECK_MS);
    this.lossTimer.unref();
  }

  setScope(scope: Scope): void {
    this.scope = scope === 'system' ? undefined : compileScope(scope.paths);
    if (this.programs) this.kernelScope.teach(this.programs, scope === 'system' ? undefined : scope.paths);
  }

  /**
   * Takes no more records from the kernel until resume(): the face calls it
   * while its output is behind. The ring buffer holds what comes meanwhile.
   */
  pause(): void {
    this.paused = true;
    this.programs?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.programs?.resume();
    // Not from inside resume(): the face calls it from its output's events,
    // and would be handed more events in the middle of handling one.
    if (this.stopping) setImmediate(() => this.deliverRest());
  }

  /**
   * Detaches; the records still in the ring buffer are reported, at the pace
   * the output takes them (see pause()), before the promise resolves.
   */
  async stop(): Promise<TraceStats> {
    if (this.programs && this.lossTimer !== undefined) {
      clearInterval(this.lossTimer);
      this.lossTimer = undefined;
      let finish = (): void => undefined;
      const done = new Promise<void>((resolve) => (finish = resolve));
      this.stopping = { done, finish };
      this.programs.detach();
      this.deliverRest();
    }
    if (this.stopping) await this.stopping.done;
    return this.stats();
  }

  stats(): TraceStats {
    if (!this.programs && this.closedStats) return { ...this.closedStats };
    const lost = this.programs?.lost();
    return {
      events: this.reported,
      lost: lost ? lostDeletions(lost) : 0,
      filtered: this.filtered + (lost?.filtered ?? 0),
      lostCommandLines: lost?.processes ?? 0,
    };
  }

  /**
   * Detaches and frees the kernel side; the tracer cannot be used again.
   * Whatever was not delivered yet (in the queue, the ring buffer, calls
   * under way) is thrown away and counted lost: the totals it returns, and
   * stats() from then on, say so. After stop() has resolved, nothing is left.
   */
  close(): TraceStats {
    clearInterval(this.lossTimer);
    this.lossTimer = undefined;
    const programs = this.programs;
    if (programs) {
      try {
        programs.detach();
        programs.discardWaiting();
      } catch (error) {
        this.listener.onProblem(`what the kernel still held could not be counted: ${messageOf(error)}`);
      }
      this.closedStats = this.stats();
      programs.close();
    }
    this.programs = undefined;
    this.kernelScope.closeFolders();
    this.finishStopping();
    return this.stats();
  }

  private deliverRest(): void {
    if (!this.stopping || this.paused) return;
    if (!this.programs || this.programs.deliverWaiting()) {
      this.checkLost();
      this.finishStopping();
    }
  }

  private finishStopping(): void {
    const stopping = this.stopping;
    this.stopping = undefined;
    stopping?.finish();
  }

  private onBatch(batch: Buffer): void {
    let records: TraceRecord[];
    try {
      records = decodeBatch(batch, this.layout);
    } catch (error) {
      this.listener.onProblem(`a batch of kernel records could not be decoded: ${messageOf(error)}`);
      return;
    }
    this.clock.resync();
    const events: DeletionEvent[] = [];
    for (const record of records) {
      if (record.kind === 'process') {
        this.processes.remember(record, (record.flags & this.layout.processFlags.cmdlineUnreadable) !== 0);
      } else {
        const event = this.toReportedEvent(record);
        if (event) events.push(event);
      }
    }
    if (events.length > 0) this.listener.onDeletions(events);
    this.checkLost();
  }

  private toReportedEvent(record: DeletionRecord): DeletionEvent | undefined {
    const flags = this.layout.deletionFlags;
    const directory = this.directories.complete(
      record,
      flags.directoryNamed,
      flags.directoryKnown,
      flags.directoryIncomplete,
    );
    // Dropped on its way here, and counted lost: it came for its directory's names only.
    if (record.flags & flags.dropped) return undefined;
    // The kernel met a traced folder on the directory's way up: in scope, whatever the path's text.
    const kernelInScope = (record.flags & flags.inScope) !== 0;
    if (isRenameDestination(record, this.layout)) {
      this.renameDestinations.keep(record, { resolved: this.resolve(record, directory), inScope: kernelInScope });
      return undefined;
    }
    const rename = isRenameSource(record);
    const destination = rename ? this.renameDestinations.take(record) : undefined;
    if (record.result < 0 && !this.includeFailed) {
      this.filtered++;
      return undefined;
    }
    const resolved = this.resolve(record, directory);
    const path = textOfBinary(resolved.binary);
    const movedTo: MovedTo | undefined = destination && {
      path: textOfBinary(destination.resolved.binary),
      complete: destination.resolved.complete,
    };
    // A rename is in scope where either of its paths is.
    const inScope =
      this.inScope(resolved, path.text, kernelInScope) ||
      (destination !== undefined && this.inScope(destination.resolved, movedTo!.path.text, destination.inScope));
    if (!inScope) {
      this.filtered++;
      return undefined;
    }
    this.reported++;
    const processInfo = this.processes.lookup(record.process);
    const event = toDeletionEvent(++this.seq, record, resolved, path, processInfo, this.layout, this.clock);
    if (rename) addRenameFields(event, record, movedTo, this.layout);
    return event;
  }

  /** The host's path of the record's argument; `directory` as DirectoryNames.complete() found it. */
  private resolve(record: DeletionRecord, directory: KnownDirectory | undefined): ResolvedPath {
    return deletionPath(record, this.layout, this.hostPathOf, directory);
  }

  /**
   * Whether a resolved path is in the trace's scope. A path whose start is
   * unknown ("…/") cannot be placed under a directory, so a scoped trace
   * leaves it out, unless the kernel met a traced folder above it. One whose
   * text is known but not vouched for (joined through what may be a symbolic
   * link) is placed by its text and reported incomplete: better shown in
   * doubt than missing.
   */
  private inScope(resolved: ResolvedPath, text: string, kernelInScope: boolean): boolean {
    if (kernelInScope || this.scope === undefined) return true;
    if (resolved.binary.startsWith(UNKNOWN_START_BINARY)) return false;
    return isInScope(text, this.scope);
  }

  private hostPath(dev: number, filesystemPath: string): string | undefined {
    try {
      return this.hostMounts.hostPath(dev, filesystemPath);
    } catch (error) {
      // Without the host's mounts no path of another namespace is known: each is reported incomplete.
      this.listener.onProblem(`the host's mount table could not be read: ${messageOf(error)}`);
      return undefined;
    }
  }

  private checkLost(): void {
    if (!this.programs) return;
    const total = lostDeletions(this.programs.lost());
    if (total > this.lostReported) {
      this.lostReported = total;
      this.listener.onLost(total);
    }
  }
}

/** Deletions that never reached the tracer, of every cause: TraceStats.lost. */
function lostDeletions(lost: LostCounts): number {
  return lost.deletions + lost.inFlight + lost.queueFull + lost.unfinished + lost.abandoned;
}

/** The addon's options: the queue's budget of --queue-mib, unless the environment sets it or the ring buffer's size. */
export function programOptions(queueMib: number): Omit<DeletionProgramsOptions, 'attachMode' | 'programSet'> {
  const options: Omit<DeletionProgramsOptions, 'attachMode' | 'programSet'> = { queueBytes: queueMib * 2 ** 20 };
  const ringBytes = process.env[RING_BUFFER_BYTES_VARIABLE];
  if (ringBytes !== undefined && ringBytes !== '') options.ringBufferBytes = Number(ringBytes);
  const queueBytes = process.env[QUEUE_BYTES_VARIABLE];
  if (queueBytes !== undefined && queueBytes !== '') options.queueBytes = Number(queueBytes);
  return options;
}

/**
 * Scope directories as given, normalised, and also as the file system
 * resolves them: the same rule the view's folder filter uses
 * (common/scopeAliases.ts). Paths are reported physically, with symlinks
 * resolved, so a folder opened through a symlink matches by its real path.
 */
export function compileScope(paths: readonly string[]): string[] {
  return withRealPathAliases(paths);
}

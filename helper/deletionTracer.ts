// The helper's one code path from kernel records to DeletionEvents, shared by
// the terminal command and the JSON-RPC server: it loads the BPF programs,
// attaches and detaches them, decodes each batch, keeps command lines, drops
// what is out of scope before anything is serialised, numbers what is left,
// and watches the kernel's loss counters.
import * as fs from 'node:fs';

import { WallClock } from './clock';
import { deletionPath, toDeletionEvent } from './deletionEvents';
import { loadAddon, type NativeTracer, type RecordLayout, type TracerOptions } from './native';
import { isInScope, normalizeAbsolute, textOf, type PathScope, type RealDirectory } from './paths';
import { ProcessCache } from './processes';
import { DEFAULT_ATTACH_MODE, type AttachMode, type DeletionEvent, type Scope, type TraceStats } from './protocol';
import { decodeBatch, type DeletionRecord, type TraceRecord } from './records';

export interface DeletionTracerListener {
  /** Called once per batch that holds reported deletions. */
  onDeletions(events: DeletionEvent[]): void;
  /** Called whenever the count of deletions the kernel could not deliver grows. */
  onLost(lost: number): void;
  /** Something went wrong that the user should hear of, without stopping the trace. */
  onProblem(message: string): void;
}

/** TraceStats as the kernel side knows them: dropping for a slow client happens later, in the server. */
export type TracerStats = Omit<TraceStats, 'dropped'>;

export interface StartOptions {
  scope: Scope;
  includeFailed: boolean;
}

/** The kernel's own bound on process keys it remembers (bpf/deletions.bpf.c). */
const PROCESS_CACHE_CAPACITY = 16384;
/** Losses are also checked this often, in case no batch comes to check them. */
const LOSS_CHECK_MS = 1000;

const realDirectory: RealDirectory = (binaryPath) => {
  try {
    return fs.realpathSync.native(Buffer.from(binaryPath, 'latin1'), { encoding: 'buffer' }).toString('latin1');
  } catch {
    return undefined;
  }
};

export class DeletionTracer {
  private native: NativeTracer | undefined;
  private readonly layout: RecordLayout;
  private readonly processes: ProcessCache;
  private readonly clock = new WallClock();
  private scope: PathScope = undefined;
  private includeFailed = false;
  private seq = 0;
  private reported = 0;
  private filtered = 0;
  private lostReported = 0;
  private lossTimer: NodeJS.Timeout | undefined;
  private mode: AttachMode = DEFAULT_ATTACH_MODE;

  constructor(
    private readonly listener: DeletionTracerListener,
    private readonly nativeOptions: Omit<TracerOptions, 'attachMode'> = {},
  ) {
    this.layout = loadAddon().layout;
    this.processes = new ProcessCache(PROCESS_CACHE_CAPACITY, (key) =>
      this.native?.forgetProcess(key.tgid, key.execId, key.startTime),
    );
  }

  get loaded(): boolean {
    return this.native !== undefined;
  }

  get tracing(): boolean {
    return this.lossTimer !== undefined;
  }

  /** Which programs this tracer loads, or has loaded. */
  get attachMode(): AttachMode {
    return this.mode;
  }

  /** Chooses the programs to load; once they are loaded, the mode stays what it is. */
  useAttachMode(mode: AttachMode): void {
    if (this.native && mode !== this.mode) {
      throw new Error(`the BPF programs are already loaded in ${this.mode} mode; a new helper can trace in ${mode} mode`);
    }
    this.mode = mode;
  }

  /** Loads the BPF programs: the one step that needs privileges. */
  load(): void {
    if (this.native) return;
    const { Tracer } = loadAddon();
    this.native = new Tracer((batch) => this.onBatch(batch), { ...this.nativeOptions, attachMode: this.mode });
  }

  start(options: StartOptions): void {
    this.load();
    const native = this.native!;
    this.setScope(options.scope);
    this.includeFailed = options.includeFailed;
    native.setReportFailed(options.includeFailed);
    native.attach();
    this.lossTimer = setInterval(() => this.checkLost(), LOSS_CHECK_MS);
    this.lossTimer.unref();
  }

  setScope(scope: Scope): void {
    this.scope = scope === 'system' ? undefined : compileScope(scope.paths);
  }

  /** Detaches; the records still in the ring buffer are reported before it returns. */
  stop(): TracerStats {
    if (this.native && this.tracing) {
      clearInterval(this.lossTimer);
      this.lossTimer = undefined;
      this.native.detach();
      this.checkLost();
    }
    return this.stats();
  }

  stats(): TracerStats {
    const lost = this.native?.lost() ?? { deletions: 0, processes: 0, inFlight: 0 };
    return {
      events: this.reported,
      lost: lost.deletions + lost.inFlight,
      filtered: this.filtered,
      lostCommandLines: lost.processes,
    };
  }

  /** Detaches and frees the kernel side; the tracer cannot be used again. */
  close(): void {
    clearInterval(this.lossTimer);
    this.lossTimer = undefined;
    this.native?.close();
    this.native = undefined;
  }

  private onBatch(batch: Buffer): void {
    let records: TraceRecord[];
    try {
      records = decodeBatch(batch, this.layout);
    } catch (error) {
      this.listener.onProblem(`a batch of kernel records could not be decoded: ${(error as Error).message}`);
      return;
    }
    this.clock.resync();
    const events: DeletionEvent[] = [];
    for (const record of records) {
      if (record.kind === 'process') {
        this.processes.remember(record);
      } else {
        const event = this.toReportedEvent(record);
        if (event) events.push(event);
      }
    }
    if (events.length > 0) this.listener.onDeletions(events);
    this.checkLost();
  }

  private toReportedEvent(record: DeletionRecord): DeletionEvent | undefined {
    if (record.result < 0 && !this.includeFailed) {
      this.filtered++;
      return undefined;
    }
    const resolved = deletionPath(record, this.layout, realDirectory);
    // An incomplete path cannot be placed under a directory, so a scoped trace leaves it out.
    if (this.scope !== undefined && (!resolved.complete || !isInScope(textOf(resolved.bytes).text, this.scope))) {
      this.filtered++;
      return undefined;
    }
    this.reported++;
    return toDeletionEvent(++this.seq, record, resolved, this.processes.lookup(record.process), this.layout, this.clock);
  }

  private checkLost(): void {
    if (!this.native) return;
    const lost = this.native.lost();
    const total = lost.deletions + lost.inFlight;
    if (total > this.lostReported) {
      this.lostReported = total;
      this.listener.onLost(total);
    }
  }
}

/**
 * Scope directories as given, normalised, and also as the file system
 * resolves them: the kernel reports a relative path's directory with its
 * symlinks resolved, while an absolute argument keeps whatever it named.
 */
export function compileScope(paths: readonly string[]): string[] {
  const compiled = new Set<string>();
  for (const given of paths) {
    const normalized = normalizeAbsolute(given);
    compiled.add(normalized);
    try {
      compiled.add(fs.realpathSync.native(normalized));
    } catch {
      // Not there (yet): its given form is all there is to match.
    }
  }
  return [...compiled];
}

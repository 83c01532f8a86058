// One guest's records, looked up by what a test asks about. Where a record is
// missing, the lookup throws with what the guest did say (the helper's error
// line, the console's last lines), so that each failing test names the cause
// on its own kernel and mode.
import type { ModeChoice } from '../../../common/protocol';
import type { GuestRun } from './bootGuest';
import type {
  GuestRecord,
  KernelRecord,
  ProgramRecord,
  ProgramReportRecord,
  RestartRecord,
  ScenarioName,
  ScenarioRecord,
  StartRecord,
  StormRecord,
} from './guestRecords';
import type { ProgramSetName } from './guestLayout';

type RecordOf<T extends GuestRecord['type']> = Extract<GuestRecord, { type: T }>;

export class GuestResults {
  constructor(readonly run: GuestRun) {}

  private find<T extends GuestRecord['type']>(
    type: T,
    mode?: ModeChoice,
    scenario?: ScenarioName,
  ): RecordOf<T> | undefined {
    return this.run.records.find(
      (record): record is RecordOf<T> =>
        record.type === type &&
        (mode === undefined || (record as { mode?: string }).mode === mode) &&
        (scenario === undefined || (record as { scenario?: string }).scenario === scenario),
    );
  }

  /** Why a record is missing: the guest timed out, or crashed, or the helper never started in that mode. */
  private missing(what: string, mode?: ModeChoice): Error {
    const start = mode && this.find('start', mode);
    if (start && !start.ready)
      return new Error(
        `${what}: the helper did not start in ${mode} mode (exit ${start.exitCode}): ${start.stderr.trim()}`,
      );
    const how = this.run.timedOut
      ? 'the guest timed out'
      : this.find('done')
        ? 'the guest suite finished'
        : 'the guest ended before its suite finished (the suite crashed, or the kernel panicked)';
    return new Error(
      `${what}: ${how} without reporting it (the whole console: ${this.run.consoleLog}). Its last lines:\n${this.run.consoleTail}`,
    );
  }

  kernel(): KernelRecord {
    const record = this.find('kernel');
    if (!record) throw this.missing('the kernel record');
    return record;
  }

  /** What the verifier said of each program: of one set, or of both. */
  programs(programs?: ProgramSetName): ProgramRecord[] {
    return this.run.records.filter(
      (record): record is ProgramRecord =>
        record.type === 'program' && (programs === undefined || record.programs === programs),
    );
  }

  programReport(programs: ProgramSetName): ProgramReportRecord {
    const record = this.run.records.find(
      (candidate): candidate is ProgramReportRecord =>
        candidate.type === 'programReport' && candidate.programs === programs,
    );
    if (!record) throw this.missing(`program_report of the ${programs} set`);
    return record;
  }

  start(mode: ModeChoice): StartRecord {
    const record = this.find('start', mode);
    if (!record) throw this.missing(`the start in ${mode} mode`);
    return record;
  }

  /** The start of a helper that became ready; throws with its error line where it did not. */
  started(mode: ModeChoice): StartRecord {
    const record = this.start(mode);
    if (!record.ready) throw this.missing('tracing', mode);
    return record;
  }

  scenario(mode: ModeChoice, scenario: ScenarioName): ScenarioRecord {
    this.started(mode);
    const record = this.find('scenario', mode, scenario);
    if (!record) throw this.missing(`the ${scenario} scenario`, mode);
    if (record.failure) throw new Error(`the ${scenario} scenario could not make its deletions: ${record.failure}`);
    return record;
  }

  storm(mode: ModeChoice): StormRecord {
    this.started(mode);
    const record = this.find('storm', mode);
    if (!record) throw this.missing('the storm', mode);
    if (record.failure) throw new Error(`the storm could not run: ${record.failure}`);
    return record;
  }

  restart(mode: ModeChoice): RestartRecord {
    const record = this.find('restart', mode);
    if (!record) throw this.missing('Stop then Start', mode);
    if (record.failure) throw new Error(`Stop then Start in ${mode} mode: ${record.failure}`);
    return record;
  }
}

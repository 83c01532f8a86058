// Runs program_report (test/support/kernels/program_report.c) (as root: it only loads, never attaches)
// on the object of each program set, and passes on what the verifier said of
// each program.
import type { ProgramRecord, ProgramReportRecord } from '../guestRecords';
import { GUEST_BPF_OBJECTS, GUEST_PROGRAMS, type ProgramSetName } from '../guestLayout';
import { runCommand } from './commands';
import { emit } from './emit';

export async function reportPrograms(): Promise<void> {
  for (const [programs, object] of Object.entries(GUEST_BPF_OBJECTS) as [ProgramSetName, string][]) {
    const ran = await runCommand(`${GUEST_PROGRAMS}/program_report`, [object], { timeoutMs: 300_000 });
    for (const line of ran.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Omit<ProgramRecord, 'type' | 'programs'> & { error?: number };
      // Its own failure line ({"mode","error"}) is told in programReport's exit status and stderr.
      if (parsed.error === undefined) emit({ type: 'program', programs, ...parsed });
    }
    const report: ProgramReportRecord = {
      type: 'programReport',
      programs,
      exitCode: ran.status,
      stderr: ran.stderr.slice(-4000),
    };
    emit(report);
  }
}

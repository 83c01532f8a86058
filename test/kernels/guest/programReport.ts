// Runs test/kernels/program_report (as root: it only loads, never attaches)
// and passes on what the verifier said of each program.
import type { ProgramRecord, ProgramReportRecord } from '../guestRecords';
import { GUEST_BPF_OBJECT, GUEST_PROGRAMS } from '../guestLayout';
import { runCommand } from './commands';
import { emit } from './emit';

export async function reportPrograms(): Promise<void> {
  const ran = await runCommand(`${GUEST_PROGRAMS}/program_report`, [GUEST_BPF_OBJECT], { timeoutMs: 300_000 });
  for (const line of ran.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Omit<ProgramRecord, 'type'> & { error?: number };
    // Its own failure line ({"mode","error"}) is told in programReport's exit status and stderr.
    if (parsed.error === undefined) emit({ type: 'program', ...parsed });
  }
  const report: ProgramReportRecord = { type: 'programReport', exitCode: ran.status, stderr: ran.stderr.slice(-4000) };
  emit(report);
}

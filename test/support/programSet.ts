// The program set the integration suite loads where it drives the addon
// itself: the one SYSCALL_TRACE_PROGRAMS names, as the helper would take it.
// `npm run test:integration:older` sets it to "older", so that the whole
// suite runs the older set on this machine's kernel too; unset, the addon's
// default is the newer.
import { PROGRAMS_VARIABLE, parseProgramsOverride } from '../../helper/tracing/kernelRequirements';
import type { DeletionProgramsOptions } from '../../helper/native';

export function suiteProgramSet(): Pick<DeletionProgramsOptions, 'programSet'> {
  const programSet = parseProgramsOverride(process.env[PROGRAMS_VARIABLE]);
  return programSet === undefined ? {} : { programSet };
}

// Which integrated terminal (or task, which runs in one) a deletion came from:
// the terminal's shell is the deleting process or one of its ancestors.
import type { DeletionEvent } from '../../common/protocol';

export interface TerminalInfo {
  name: string;
  /** The pid of the terminal's shell process. */
  pid: number;
}

/** The terminal whose shell is the nearest of the process and its ancestors, if any. */
export function terminalOf<T extends TerminalInfo>(
  event: Pick<DeletionEvent, 'pid' | 'ppid' | 'ancestors'>,
  terminals: readonly T[],
): T | undefined {
  if (terminals.length === 0) return undefined;
  const byPid = new Map(terminals.map((terminal) => [terminal.pid, terminal]));
  const lineage = [event.pid, ...event.ancestors.map((ancestor) => ancestor.pid)];
  if (event.ancestors.length === 0) lineage.push(event.ppid);
  for (const pid of lineage) {
    const terminal = byPid.get(pid);
    if (terminal !== undefined) return terminal;
  }
  return undefined;
}

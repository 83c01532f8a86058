// The terminal command, `node helper.js trace --jsonl`, started as sudo would
// start it: wait for its ready line (or its end, where it cannot start), let
// the scenarios delete, end it with SIGINT and hand back what it printed.
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';

import type { DeletionEvent, ModeChoice, TraceStats } from '../../../../common/protocol';
import { GUEST_DIST } from '../guestLayout';
import { sudoEnvironment, uidsOf } from './sudoUser';

/** Loading the programs is verified instruction by instruction, ten times slower under TCG. */
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

export interface ReadyLine {
  attachMode: string;
  /** The program set it loaded: "newer" or "older". */
  programSet: string;
  unseen: string[];
}

export interface Started {
  ready?: ReadyLine;
  exitCode: number | null;
  stderr(): string;
  uids?: number[];
  /** SIGINT, then everything it reported; only where it became ready. */
  stop(): Promise<{ events: DeletionEvent[]; stats?: TraceStats }>;
}

export function startTrace(mode: ModeChoice, scope: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    [`${GUEST_DIST}/helper.js`, 'trace', '--jsonl', '--mode', mode, '--path', scope],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: sudoEnvironment(),
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const events: DeletionEvent[] = [];
  let stats: TraceStats | undefined;
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));

  return new Promise((resolve) => {
    const notReady = (exitCode: number | null): void =>
      resolve({ exitCode, stderr: () => stderr, stop: async () => ({ events }) });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(no ready line within ${READY_TIMEOUT_MS / 1000} s)`;
    }, READY_TIMEOUT_MS);
    void closed.then((code) => {
      clearTimeout(timer);
      notReady(code);
    });
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let message: { type: string };
      try {
        message = JSON.parse(line) as { type: string };
      } catch {
        // --jsonl promises JSON lines only: what is not is kept where the test's failure shows it.
        stderr += `\n(not JSON on stdout: ${line})`;
        return;
      }
      if (message.type === 'deletion') events.push(message as unknown as DeletionEvent);
      else if (message.type === 'stats') stats = message as unknown as TraceStats;
      else if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          ready: message as unknown as ReadyLine,
          exitCode: null,
          stderr: () => stderr,
          uids: uidsOf(child.pid!),
          async stop() {
            child.kill('SIGINT');
            const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            await closed;
            clearTimeout(killer);
            return { events, stats };
          },
        });
      }
    });
  });
}

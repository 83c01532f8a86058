// Boots one kernel with the matrix's initramfs under QEMU's TCG (KVM does
// not work on these machines, see /work/shared/KERNELS.md) and collects the
// guest suite's records from the serial console.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

import { GUEST_RECORD_TAG, type GuestRecord } from './guestRecords';

export interface GuestRun {
  records: GuestRecord[];
  /** The console's last lines that were not records: the kernel's panic, a crash of the suite. */
  consoleTail: string;
  /** Where the whole console was written, records included. */
  consoleLog: string;
  timedOut: boolean;
  wallMs: number;
}

const CONSOLE_TAIL_LINES = 40;

export function bootGuest(
  vmlinuz: string,
  initramfs: string,
  consoleLog: string,
  timeoutMs: number,
): Promise<GuestRun> {
  const started = Date.now();
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      ...['-accel', 'tcg', '-cpu', 'max', '-m', '2048', '-smp', '2'],
      ...['-nographic', '-no-reboot', '-kernel', vmlinuz, '-initrd', initramfs],
      ...['-append', 'console=ttyS0 panic=-1 quiet'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = fs.createWriteStream(consoleLog);
  const records: GuestRecord[] = [];
  const other: string[] = [];
  let partial = '';
  const takeLine = (line: string): void => {
    // The console ends lines with \r\n.
    const text = line.replace(/\r$/, '');
    const at = text.indexOf(GUEST_RECORD_TAG);
    if (at >= 0) {
      try {
        records.push(JSON.parse(text.slice(at + GUEST_RECORD_TAG.length)) as GuestRecord);
        return;
      } catch {
        // A record cut by another line on the console: kept below, where the test's failure shows it.
      }
    }
    other.push(text);
    if (other.length > CONSOLE_TAIL_LINES) other.shift();
  };
  qemu.stdout.setEncoding('utf8').on('data', (text: string) => {
    log.write(text);
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    lines.forEach(takeLine);
  });
  let stderr = '';
  qemu.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    qemu.on('error', reject);
    qemu.on('close', () => {
      clearTimeout(timer);
      if (partial) takeLine(partial);
      if (stderr) other.push(`qemu: ${stderr.trim()}`);
      log.end();
      resolve({ records, consoleTail: other.join('\n'), consoleLog, timedOut, wallMs: Date.now() - started });
    });
  });
}

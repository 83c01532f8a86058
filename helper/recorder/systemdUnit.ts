// The systemd unit that runs the recorder (docs/flight-recorder.md, "Installing").
//
// It starts as root, because loading BPF programs needs root (or CAP_BPF and
// CAP_PERFMON); the recorder itself becomes its system user right after
// loading (accountSetup.ts), so there is no User= here. Nor are there the
// options that give a service a mount namespace of its own (ProtectSystem=,
// ProtectHome=, PrivateTmp=, ReadWritePaths=...), under which every
// deletion of the host would come from "another mount namespace". Nor
// StateDirectory= and RuntimeDirectory=: without User=, systemd would give
// them back to root at every start, and the recorder's account could no
// longer write its own database; `install` makes /var/lib/syscall-trace,
// and the recorder makes /run/syscall-trace, both its account's. What it
// has: a umask that keeps its files its own, and no new privileges through
// execve (it sets that itself too).
//
// MemoryMax= bounds what the recorder may take from the machine, a flood of
// clients or a leak included: with its defaults it holds at most the
// kernel's queue (--queue-mib, 64 MiB), caches of 100,000 directories and
// 100,000 processes (command lines of up to 4 KiB: a few hundred MiB at
// worst), up to 500,000 deletions waiting for a database another process
// locks (a few hundred MiB more), and for each client up to 10,000
// deletions and one frame of 1 MiB; idle, it holds about 64 MiB. One that
// passes it is killed by the kernel, and Restart=on-failure starts it again
// (systemd's result "oom-kill" is a failure; on-abnormal would not restart
// it): what it had committed is kept, and its clients connect again.
//
// Electron (VS Code's runtime, which `install --runtime` may copy) runs as
// Node only with ELECTRON_RUN_AS_NODE=1; Node ignores it.
import { groupText, parseGroup, type GroupName } from './groups';

export const UNIT_NAME = 'syscall-trace-recorder.service';

export interface UnitSettings {
  /** The runtime and the helper, absolute, as the installed system sees them. */
  runtime: string;
  helper: string;
  database: string;
  socket: string;
  /** Who is admitted beside root: shown their own processes' deletions. */
  allowUids: readonly number[];
  /** Groups whose members are shown every user's deletions, as root is. */
  allowGroups: readonly GroupName[];
}

/** The unit's MemoryMax=: see above. */
export const MEMORY_MAX = '1G';
/** RestartSec=: a recorder that failed is started again soon, but not in a tight loop where every start fails. */
const RESTART_SEC = 2;
/**
 * TimeoutStopSec=: how long systemd lets the recorder end after SIGTERM
 * before it kills it; well above its own wait for the kernel's last
 * records (recordCommand.ts, STOP_PATIENCE_MS) and its last commit.
 */
const TIMEOUT_STOP_SEC = 30;

export function unitText(settings: UnitSettings): string {
  const command = [settings.runtime, settings.helper, 'record', '--db', settings.database, '--socket', settings.socket];
  for (const uid of settings.allowUids) command.push('--allow-uid', String(uid));
  for (const group of settings.allowGroups) command.push('--allow-group', groupText(group));
  for (const word of command) {
    // Absolute paths of our own making and numbers: nothing systemd would expand or split.
    if (!/^[A-Za-z0-9/._+-]+$/.test(word))
      throw new Error(`${JSON.stringify(word)} cannot be written into a unit's command line as it is`);
  }
  return `# Written by \`helper.js install\` (Syscall Trace); \`helper.js uninstall\` removes it.
[Unit]
Description=Syscall Trace flight recorder: records every file deletion
After=local-fs.target

[Service]
Type=simple
ExecStart=${command.join(' ')}
Environment=ELECTRON_RUN_AS_NODE=1
Restart=on-failure
RestartSec=${RESTART_SEC}
MemoryMax=${MEMORY_MAX}
KillSignal=SIGTERM
TimeoutStopSec=${TIMEOUT_STOP_SEC}
UMask=0077
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
`;
}

/** The uids an installed unit admits (its ExecStart's --allow-uid), so that installing again adds to them. */
export function admittedUidsOf(unit: string): number[] {
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  return [...execStart.matchAll(/--allow-uid (\d+)/g)].map((match) => Number(match[1]));
}

/** The groups an installed unit admits (its ExecStart's --allow-group), so that installing again adds to them. */
export function admittedGroupsOf(unit: string): GroupName[] {
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  return [...execStart.matchAll(/--allow-group (\S+)/g)].flatMap((match) => {
    try {
      return [parseGroup('--allow-group', match[1])];
    } catch {
      return []; // not of our writing
    }
  });
}

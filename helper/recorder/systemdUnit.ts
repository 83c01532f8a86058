// The systemd unit that runs the recorder (ARCHITECTURE.md, "Installing").
//
// It starts as root, because loading BPF programs needs root (or CAP_BPF and
// CAP_PERFMON); the recorder itself becomes its system user right after
// loading (recorderAccount.ts), so there is no User= here. Nor are there the
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
// Electron (VS Code's runtime, which `install --runtime` may copy) runs as
// Node only with ELECTRON_RUN_AS_NODE=1; Node ignores it.
export const UNIT_NAME = 'syscall-trace-recorder.service';

export interface UnitSettings {
  /** The runtime and the helper, absolute, as the installed system sees them. */
  runtime: string;
  helper: string;
  database: string;
  socket: string;
  /** Who is admitted beside root. */
  allowUids: readonly number[];
}

export function unitText(settings: UnitSettings): string {
  const command = [settings.runtime, settings.helper, 'record', '--db', settings.database, '--socket', settings.socket];
  for (const uid of settings.allowUids) command.push('--allow-uid', String(uid));
  for (const word of command) {
    // Absolute paths of our own making and numbers: nothing systemd would expand or split.
    if (!/^[A-Za-z0-9/._+-]+$/.test(word)) throw new Error(`${JSON.stringify(word)} cannot be written into a unit's command line as it is`);
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
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=30
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

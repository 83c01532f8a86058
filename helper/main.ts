// The privileged helper's entry point (dist/helper.js).
//   node dist/helper.js --stdio [--mode MODE] [--queue-mib N]   JSON-RPC on stdin/stdout, for the extension
//   node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode MODE] [--queue-mib N]   the terminal command
//   node dist/helper.js record [...]      the flight recorder: records every deletion, serves a unix socket
//   node dist/helper.js history [...]     prints what the recorder recorded
//   node dist/helper.js install [...]     installs the recorder as a service (root)
//   node dist/helper.js uninstall [...]   removes it (root)
// docs/wire-protocol.md, "Terminal command", has every option.
// closedInspector comes first: it refuses an open inspector and takes
// SIGUSR1 away from Node's, before anything else runs. protocolStdout next:
// with --stdio it takes stdout away from everything else before any other
// module runs.
import './privileges/closedInspector';
import { claimProtocolOutput } from './protocolStdout';

import { parseArgs } from 'node:util';

import {
  DEFAULT_MODE_CHOICE,
  MODE_CHOICES,
  parseQueueMib,
  QUEUE_MIB_DEFAULT,
  type ModeChoice,
} from '../common/protocol';
import { runTraceCommand } from './commands/traceCommand';
import { AddonLoadError } from './native';
import { runHistoryCommand } from './recorder/historyCommand';
import { runInstallCommand, runUninstallCommand } from './recorder/installCommands';
import { runRecordCommand } from './recorder/recordCommand';
import { serveOverStdio } from './server/stdioServer';

const USAGE = `usage: node dist/helper.js --stdio [--mode MODE] [--queue-mib N]
       node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode MODE] [--queue-mib N]
       node dist/helper.js record [--db FILE] [--socket PATH] [--allow-uid UID]... [--allow-group GROUP]... [--user NAME] [--retain-days N] [--retain-mib N] [--mode MODE] [--queue-mib N]
       node dist/helper.js history [--db FILE] [--path DIR]... [--since DURATION] [--until TIME] [--failed] [--jsonl]
       node dist/helper.js install [--allow-uid UID]... [--allow-group GROUP]... [--runtime FILE] [--root DIR]
       node dist/helper.js uninstall [--delete-history] [--root DIR]`;

/** The commands that take their own arguments. */
const COMMANDS: Record<string, (args: string[]) => void> = {
  trace: runTraceCommand,
  record: runRecordCommand,
  history: runHistoryCommand,
  install: runInstallCommand,
  uninstall: runUninstallCommand,
};

function main(args: string[]): void {
  const [command, ...rest] = args;
  if (command === '--stdio') {
    const options = stdioOptions(rest);
    if (options !== undefined) {
      serveOverStdio(claimProtocolOutput(), options.attachMode, options.queueMib);
      return;
    }
  }
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run !== undefined) {
    run(rest);
    return;
  }
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
}

/** `--mode MODE` and `--queue-mib N`, each optional; undefined for anything else. */
function stdioOptions(rest: string[]): { attachMode: ModeChoice; queueMib: number } | undefined {
  let values: { mode?: string; 'queue-mib'?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { mode: { type: 'string' }, 'queue-mib': { type: 'string' } },
      strict: true,
    }));
  } catch {
    return undefined;
  }
  const attachMode = values.mode ?? DEFAULT_MODE_CHOICE;
  const queueMib = values['queue-mib'] === undefined ? QUEUE_MIB_DEFAULT : parseQueueMib(values['queue-mib']);
  if (!(MODE_CHOICES as readonly string[]).includes(attachMode) || queueMib === undefined) return undefined;
  return { attachMode: attachMode as ModeChoice, queueMib };
}

try {
  main(process.argv.slice(2));
} catch (error) {
  // An addon that cannot be loaded (not built, a system library missing) is
  // no bug to show a stack trace for: its one line says what to install, and
  // must be the last line on stderr, which the extension shows as the reason.
  if (!(error instanceof AddonLoadError)) throw error;
  process.stderr.write(`syscall-trace: ${error.message}\n`);
  process.exit(1);
}

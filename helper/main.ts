// The privileged helper's entry point (dist/helper.js).
//   node dist/helper.js --stdio [--mode MODE]             JSON-RPC on stdin/stdout, for the extension
//   node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode MODE]   the terminal command
// protocolStdout comes first: with --stdio it takes stdout away from
// everything else before any other module runs.
import { claimProtocolOutput } from './protocolStdout';

import { DEFAULT_MODE_CHOICE, MODE_CHOICES, type ModeChoice } from '../common/protocol';
import { runTraceCommand } from './cli';
import { AddonLoadError } from './native';
import { serveOverStdio } from './server';

const USAGE = `usage: node dist/helper.js --stdio [--mode MODE]
       node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode MODE]`;

function main(args: string[]): void {
  const [command, ...rest] = args;
  if (command === '--stdio') {
    const attachMode = stdioAttachMode(rest);
    if (attachMode !== undefined) {
      serveOverStdio(claimProtocolOutput(), attachMode);
      return;
    }
  }
  if (command === 'trace') {
    runTraceCommand(rest);
    return;
  }
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
}

/** `--mode MODE` or nothing; undefined for anything else. */
function stdioAttachMode(rest: string[]): ModeChoice | undefined {
  if (rest.length === 0) return DEFAULT_MODE_CHOICE;
  if (rest.length === 2 && rest[0] === '--mode' && (MODE_CHOICES as readonly string[]).includes(rest[1])) return rest[1] as ModeChoice;
  return undefined;
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

// The privileged helper's entry point (dist/helper.js).
//   node dist/helper.js --stdio [--mode raw|tracepoint]             JSON-RPC on stdin/stdout, for the extension
//   node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode raw|tracepoint]   the terminal command
// protocolStdout comes first: with --stdio it takes stdout away from
// everything else before any other module runs.
import { claimProtocolOutput } from './protocolStdout';

import { ATTACH_MODES, DEFAULT_ATTACH_MODE, type AttachMode } from '../common/protocol';
import { runTraceCommand } from './cli';
import { serveOverStdio } from './server';

const USAGE = `usage: node dist/helper.js --stdio [--mode raw|tracepoint]
       node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode raw|tracepoint]`;

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
function stdioAttachMode(rest: string[]): AttachMode | undefined {
  if (rest.length === 0) return DEFAULT_ATTACH_MODE;
  if (rest.length === 2 && rest[0] === '--mode' && (ATTACH_MODES as readonly string[]).includes(rest[1])) return rest[1] as AttachMode;
  return undefined;
}

main(process.argv.slice(2));

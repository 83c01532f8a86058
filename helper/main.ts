// The privileged helper's entry point (dist/helper.js).
//   node dist/helper.js --stdio                                      JSON-RPC on stdin/stdout, for the extension
//   node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode raw|tracepoint]   the terminal command
// protocolStdout comes first: with --stdio it takes stdout away from
// everything else before any other module runs.
import { claimProtocolOutput } from './protocolStdout';

import { runTraceCommand } from './cli';
import { serveOverStdio } from './server';

const USAGE = `usage: node dist/helper.js --stdio
       node dist/helper.js trace [--jsonl] [--path DIR]... [--failed] [--mode raw|tracepoint]`;

function main(args: string[]): void {
  const [command, ...rest] = args;
  if (command === '--stdio' && rest.length === 0) {
    serveOverStdio(claimProtocolOutput());
    return;
  }
  if (command === 'trace') {
    runTraceCommand(rest);
    return;
  }
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
}

main(process.argv.slice(2));

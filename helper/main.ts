// The privileged helper's entry point (dist/helper.js).
//   node dist/helper.js trace [--jsonl] [--path DIR]... [--failed]   the terminal command
import { runTraceCommand } from './cli';

const USAGE = 'usage: node dist/helper.js trace [--jsonl] [--path DIR]... [--failed]';

function main(args: string[]): void {
  const [command, ...rest] = args;
  if (command === 'trace') {
    runTraceCommand(rest);
    return;
  }
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
}

main(process.argv.slice(2));

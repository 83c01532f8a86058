// In `--stdio` mode, stdout carries JSON-RPC and nothing else: one stray
// console.log would corrupt the framing for the client. Imported first by
// main.ts, so that this runs before any other module's code: it keeps the
// real stdout for the protocol and turns every other way to reach it
// (process.stdout, console.*) towards stderr.
import { Console } from 'node:console';

let protocolOutput: NodeJS.WriteStream | undefined;

if (process.argv[2] === '--stdio') {
  protocolOutput = process.stdout;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: true,
    get: () => process.stderr,
  });
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  for (const method of Object.keys(toStderr) as (keyof Console)[]) {
    if (typeof toStderr[method] === 'function') {
      (console as unknown as Record<string, unknown>)[method] = toStderr[method];
    }
  }
}

/** The stream JSON-RPC is written to; only the server may use it. */
export function claimProtocolOutput(): NodeJS.WriteStream {
  if (protocolOutput === undefined) throw new Error('stdout carries the protocol only with --stdio');
  const output = protocolOutput;
  protocolOutput = undefined;
  return output;
}

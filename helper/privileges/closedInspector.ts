// No inspector, ever (inspector.ts says why). Imported first by main.ts, so
// that this runs before any other module's code, while the process is still
// root's and no one but root can signal it.
import { inspectorOptionOf, inspectorRefusal, openInspectorUrl } from './inspector';

const url = openInspectorUrl();
const option = inspectorOptionOf(process.execArgv, process.env.NODE_OPTIONS);
if (url !== undefined || option !== undefined) {
  process.stderr.write(
    `syscall-trace: the helper does not start: ${inspectorRefusal(url !== undefined ? `open (${url})` : `asked for (${option})`)}. ` +
      'Start it without --inspect, in its options and in NODE_OPTIONS.\n',
  );
  process.exit(1);
}

// Node opens the inspector from a SIGUSR1 handler of its own, set before any
// JavaScript runs. A listener takes the signal in its place: libuv sets its
// own handler with sigaction() for as long as one listens (measured on Node
// 20, 22 and 24: SIGUSR1 reaches the listener, and nothing opens). The
// listener is never removed, and SIGUSR1 means nothing else to the helper.
process.on('SIGUSR1', () => undefined);

// Run as another user (extensionRecorder.test.ts): connects to the recorder's
// socket through the extension's own client, as the extension host of that
// user would, and prints what came of it as one JSON line.
import { RecorderConnection } from '../../extension/recorder/recorderClient';

async function main(): Promise<void> {
  const [socket] = process.argv.slice(2);
  const outcome = await RecorderConnection.connect(
    socket,
    { onDeletions: () => undefined, onLost: () => undefined, onStatus: () => undefined },
    { personUid: process.getuid!() },
  );
  if (outcome.kind === 'admitted') {
    await outcome.recorder.close();
    process.stdout.write(`${JSON.stringify({ kind: outcome.kind, pid: outcome.recorder.info.pid })}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  }
}

void main();

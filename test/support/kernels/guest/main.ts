// The guest suite, run by /init in each kernel of the matrix: what the
// verifier says of each program, then, in each attach mode, the terminal
// command traced through every scenario and the 2,000-file storm, then Stop
// and Start over the JSON-RPC server. Everything is written as tagged records
// on the console for the host's tests to judge; nothing here passes or fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { MODE_CHOICES, type DeletionEvent, type ModeChoice } from '../../../../common/protocol';
import { SCENARIOS, type ScenarioName } from '../guestRecords';
import { GUEST_SCRATCH } from '../guestLayout';
import { mustRun } from './commands';
import { emit } from './emit';
import { reportPrograms } from './programReport';
import { reportedOf } from './reported';
import { stopThenStart } from './restart';
import { SCENARIO_RUNS, hasIoUringUnlinkRequests } from './scenarios';
import { STORM_NAME, deleteStormTree } from './storm';
import { startTrace } from './traceCommand';

/** Whether tracefs has io_uring's completion tracepoint, which the io_uring programs attach to. */
async function hasIoUringTracepoints(): Promise<boolean> {
  const tracefs = fs.mkdtempSync('/tmp/tracefs-');
  // Mounted apart, and unmounted right after: the helper mounts tracefs itself where it is not mounted.
  await mustRun('/bin/busybox', ['mount', '-t', 'tracefs', 'tracefs', tracefs]);
  const found = fs.existsSync(path.join(tracefs, 'events/io_uring/io_uring_complete'));
  await mustRun('/bin/busybox', ['umount', tracefs]);
  return found;
}

/** The deletions attributed to a scenario: every name it deletes starts with its name. */
function deletionsOf(events: DeletionEvent[], name: string): DeletionEvent[] {
  return events.filter((event) =>
    [event.path, event.pathArg, event.processPath ?? ''].some((text) => text.includes(name)),
  );
}

async function traceScenarios(mode: ModeChoice): Promise<void> {
  const base = path.join(GUEST_SCRATCH, mode);
  const scope = path.join(base, 'scope');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(scope, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });

  const trace = await startTrace(mode, scope);
  emit({
    type: 'start',
    mode,
    ready: trace.ready !== undefined,
    exitCode: trace.exitCode,
    stderr: trace.stderr(),
    ...(trace.ready && {
      attachMode: trace.ready.attachMode,
      programSet: trace.ready.programSet,
      unseen: trace.ready.unseen,
      uids: trace.uids,
    }),
  });
  if (!trace.ready) return;

  const deleted = new Map<ScenarioName, string[]>();
  const moved = new Map<ScenarioName, string[]>();
  const failures = new Map<ScenarioName, string>();
  for (const name of SCENARIOS) {
    const folder = path.join(name === 'outside-scope' ? outside : scope, name);
    fs.mkdirSync(folder);
    try {
      const done = await SCENARIO_RUNS[name]({ folder, elsewhere: outside }, name);
      deleted.set(name, Array.isArray(done) ? done : done.deleted);
      if (!Array.isArray(done)) moved.set(name, done.movedTo);
    } catch (error) {
      failures.set(name, (error as Error).message);
    }
  }
  let storm: string[] = [];
  let stormFailure: string | undefined;
  try {
    const folder = path.join(scope, STORM_NAME);
    fs.mkdirSync(folder);
    storm = await deleteStormTree(folder);
  } catch (error) {
    stormFailure = (error as Error).message;
  }
  const { events, stats } = await trace.stop();

  for (const name of SCENARIOS) {
    emit({
      type: 'scenario',
      mode,
      scenario: name,
      deleted: deleted.get(name) ?? [],
      ...(moved.has(name) && { movedTo: moved.get(name) }),
      reported: deletionsOf(events, name).map(reportedOf),
      ...(failures.has(name) && { failure: failures.get(name) }),
    });
  }
  const stormReported = deletionsOf(events, STORM_NAME);
  const reportedPaths = new Set(stormReported.map((event) => event.path));
  emit({
    type: 'storm',
    mode,
    deletedCount: storm.length,
    reportedCount: stormReported.length,
    missing: storm.filter((deletedPath) => !reportedPaths.has(deletedPath)).slice(0, 5),
    incomplete: stormReported.filter((event) => !event.complete).length,
    lost: stats?.lost ?? -1,
    ...((stormFailure !== undefined || stats === undefined) && {
      failure: stormFailure ?? `the trace printed no stats line: ${trace.stderr().trim()}`,
    }),
  });
}

async function main(): Promise<void> {
  emit({
    type: 'kernel',
    release: os.release(),
    ioUringTracepoints: await hasIoUringTracepoints(),
    ioUringUnlinkRequests: await hasIoUringUnlinkRequests(),
  });
  await reportPrograms();
  for (const mode of MODE_CHOICES) {
    await traceScenarios(mode);
    const folder = path.join(GUEST_SCRATCH, mode, 'restart');
    fs.mkdirSync(folder, { recursive: true });
    emit(await stopThenStart(mode, folder));
  }
  emit({ type: 'done' });
}

void main().catch((error: Error) => {
  // The host sees no done record and fails every test still waiting, with this line in its log.
  process.stdout.write(`guest suite failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});

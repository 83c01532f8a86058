// How long a deletion takes to reach the extension: from the call in the
// kernel to the trace/deletions notification a vscode-jsonrpc client
// receives from `node dist/helper.js --stdio`, under a light load (one
// deletion every 10 ms) and under an rm -rf storm of 300,000 deletions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  DEFAULT_MODE_CHOICE,
  DELETIONS_FLUSH_COUNT,
  DELETIONS_FLUSH_MS,
  QUEUE_MIB_DEFAULT,
  type DeletionEvent,
} from '../common/protocol';
import type { BenchContext } from './benchmark';
import { readProcessUsage, runMeasured } from './childProcesses';
import { makeDeletionTree } from './deletionTree';
import { HelperClient } from './helperClient';
import { code, section, shellCommand, table } from './markdown';
import { formatMebibytes, formatNumber, maximum, median, percentile } from './stats';
import { freshWorkDirectory } from './workDirectory';
import { DEFAULT_PROGRAMS } from './tracers';

/** The target for the light load. */
const TARGET_P99_MS = 100;
/** A helper that has sent nothing for this long has sent all it will. */
const DELIVERY_QUIET_MS = 2000;

interface LoadRun {
  made: number;
  received: number;
  /** Counted lost by the helper (records that found the kernel's ring buffer or the addon's queue full): the only loss there is. */
  lost: number;
  /** Per deletion received: arrival at the client minus the time of the call. */
  latenciesMs: number[];
  helperCpuSeconds: number;
  helperPeakRssBytes: number;
}

export async function jsonRpcLatency(context: BenchContext): Promise<string> {
  const { fixtures, settings } = context;
  const { lightDeletions, lightIntervalMs, stormDirectories, stormFilesPerDirectory, stormRepetitions } =
    settings.jsonRpcLatency;
  const workDirectory = freshWorkDirectory(settings, 'latency');
  const lightDirectory = path.join(workDirectory, 'light');
  fs.mkdirSync(lightDirectory);
  const stormRoot = path.join(workDirectory, 'tree');

  const paced = [fixtures.deletePaced, lightDirectory, String(lightDeletions), String(lightIntervalMs)];
  const light = await measureLoad(context, lightDirectory, lightDeletions, () =>
    runMeasured(fixtures.measureCommand, paced),
  );
  context.log(`latency light: p99 ${percentile(light.latenciesMs, 99)} ms, received ${light.received}/${light.made}`);

  const storms: LoadRun[] = [];
  for (let repetition = 1; repetition <= stormRepetitions; repetition++) {
    const tree = makeDeletionTree(fixtures, stormRoot, stormDirectories, stormFilesPerDirectory);
    const storm = await measureLoad(context, stormRoot, tree.entries, () =>
      runMeasured(fixtures.measureCommand, ['rm', '-rf', stormRoot]),
    );
    storms.push(storm);
    context.log(
      `latency storm ${repetition}/${stormRepetitions}: p99 ${percentile(storm.latenciesMs, 99)} ms, received ${storm.received}/${storm.made}`,
    );
  }
  fs.rmSync(workDirectory, { recursive: true, force: true });

  const lightP99 = percentile(light.latenciesMs, 99);
  const stormLatencies = storms.flatMap((run) => run.latenciesMs);
  const stormLost = storms.reduce((sum, run) => sum + run.lost, 0);
  const stormMissing = storms.reduce((sum, run) => sum + run.made - run.received, 0);
  const reading = [
    `- Target: p99 at most ${TARGET_P99_MS} ms under the light load. Measured: ${formatNumber(lightP99, 1)} ms — ` +
      (lightP99 <= TARGET_P99_MS ? '**met**.' : '**not met**.'),
    `- The storm of ${formatNumber(storms[0].made)} deletions (stated, no target): p50 ${formatNumber(percentile(stormLatencies, 50), 1)} ms, ` +
      `p99 ${formatNumber(percentile(stormLatencies, 99), 1)} ms over ${storms.length} storm(s); ${formatNumber(stormLost)} lost, ${formatNumber(stormMissing)} not received. ` +
      "While the client is behind, the helper hands it no more from the addon's queue (back-pressure, helper/server/stdioServer.ts) and drops none itself; " +
      `the addon's thread goes on emptying the kernel's ring buffer into that queue (${QUEUE_MIB_DEFAULT} MiB, the default of --queue-mib), ` +
      (stormLost > 0
        ? "so the loss is the queue's budget full, or the ring buffer overflowing before the thread was scheduled: both are counted, and the client hears them as trace/lost."
        : 'which held the storm meanwhile.'),
    "- A latency is the arrival of the notification at the client (Date.now() as vscode-jsonrpc hands it over) minus the event's `time` " +
      "(the kernel's timestamp of the call, made wall-clock time by the helper, to the millisecond, rounded down); " +
      `it includes the helper's batching (a batch goes out when ${DELETIONS_FLUSH_MS} ms old or ${formatNumber(DELETIONS_FLUSH_COUNT)} events long) ` +
      "and, in the storm, the wait behind rm for the machine's cores.",
  ];

  const row = (load: string, runs: LoadRun[]): string[] => {
    const latencies = runs.flatMap((run) => run.latenciesMs);
    const cpu = median(runs.map((run) => run.helperCpuSeconds));
    const made = runs.reduce((sum, run) => sum + run.made, 0);
    return [
      load,
      String(runs.length),
      formatNumber(made),
      formatNumber(runs.reduce((sum, run) => sum + run.received, 0)),
      formatNumber(runs.reduce((sum, run) => sum + run.lost, 0)),
      formatNumber(percentile(latencies, 50), 1),
      formatNumber(percentile(latencies, 99), 1),
      formatNumber(maximum(latencies), 1),
      formatNumber(cpu, 2),
      formatNumber((cpu / (made / runs.length)) * 100_000, 2),
      formatMebibytes(maximum(runs.map((run) => run.helperPeakRssBytes))),
    ];
  };

  return section({
    description:
      `The client starts ${code('node dist/helper.js --stdio')}, sends initialize and trace/start with the workload's directory as scope ` +
      `(the default mode, ${DEFAULT_MODE_CHOICE}: ${DEFAULT_PROGRAMS} programs on this kernel), ` +
      'and notes when each trace/deletions notification arrives. Light load: ' +
      `${code(shellCommand([path.relative(settings.repositoryRoot, fixtures.deletePaced), 'DIR', String(lightDeletions), String(lightIntervalMs)]))} ` +
      `(creates and deletes ${formatNumber(lightDeletions)} files, one deletion every ${lightIntervalMs} ms). ` +
      `Storm: ${code('rm -rf')} of a tree made like the deletion storm's above, of ${formatNumber(stormDirectories)} directories × ${formatNumber(stormFilesPerDirectory)} files ` +
      `(${formatNumber(storms[0].made)} entries), ${stormRepetitions} time(s), a fresh helper each time. Percentiles are over every deletion received in the load's runs; ` +
      'helper CPU is its user + system time from trace/start to the last notification (median of the runs), peak RSS its VmHWM.',
    tables: [
      table(
        [
          'load',
          'runs',
          'deletions',
          'received',
          'lost',
          'p50 ms',
          'p99 ms',
          'max ms',
          'helper CPU s',
          'CPU s per 100,000',
          'helper peak RSS',
        ],
        [row(`light (1 per ${lightIntervalMs} ms)`, [light]), row('storm (rm -rf)', storms)],
      ),
    ],
    reading,
  });
}

async function measureLoad(
  context: BenchContext,
  directory: string,
  made: number,
  workload: () => Promise<unknown>,
): Promise<LoadRun> {
  // The client only notes what arrived when, so that it reads as fast as a client can.
  const arrivals: { receivedAtMs: number; events: DeletionEvent[] }[] = [];
  let received = 0;
  const client = await HelperClient.start(context.helperScript, (events, receivedAtMs) => {
    arrivals.push({ receivedAtMs, events });
    received += events.length;
  });
  try {
    await client.startTracing({ paths: [directory] });
    const before = readProcessUsage(client.pid);
    await workload();
    await waitForDeliveries(() => received, made);
    const after = readProcessUsage(client.pid);
    const stats = await client.stopTracing();
    const latenciesMs = arrivals.flatMap(({ receivedAtMs, events }) =>
      events.filter((event) => event.result === 0).map((event) => receivedAtMs - Date.parse(event.time)),
    );
    return {
      made,
      received: latenciesMs.length,
      lost: stats.lost,
      latenciesMs,
      helperCpuSeconds: after.cpuSeconds - before.cpuSeconds,
      helperPeakRssBytes: after.peakRssBytes,
    };
  } finally {
    await client.shutdown();
  }
}

/** Until `expected` have arrived, or nothing has for DELIVERY_QUIET_MS. */
async function waitForDeliveries(received: () => number, expected: number): Promise<void> {
  let count = received();
  let lastArrival = Date.now();
  while (count < expected && Date.now() - lastArrival < DELIVERY_QUIET_MS) {
    await sleep(20);
    if (received() !== count) {
      count = received();
      lastArrival = Date.now();
    }
  }
}

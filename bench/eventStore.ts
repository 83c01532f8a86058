// The extension's side of a storm: 100,000 deletions inserted into the event
// store (extension/view/deletionStore.ts) in trace/deletions-sized batches, then
// the Deletions view's first two levels built from it (extension/view/treeModel.ts)
// in each grouping. The deletions are real: those of an rm -rf of the storm's
// tree, as the helper reported them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

import { DeletionStore } from '../extension/view/deletionStore';
import { buildTree, children, type Grouping, type TreeOptions } from '../extension/view/treeModel';
import { DELETIONS_FLUSH_COUNT, type DeletionEvent } from '../common/protocol';
import type { BenchContext } from './benchmark';
import { makeStormTree } from './deletionTree';
import { heapUsedAfterGc } from './heap';
import { code, section, table } from './markdown';
import { formatNumber, maximum, median } from './stats';
import { deleteTraced } from './stormRuns';
import { DEFAULT_PROGRAMS, syscallTrace } from './tracers';
import { freshWorkDirectory, traceTarget } from './workDirectory';

/** The issue's targets. */
const TARGET_FIRST_LEVELS_MS = 50;
const TARGET_BYTES_PER_EVENT = 300;

/** V8 keeps a string of one-byte characters in a header of about this size, plus its characters rounded up to 8 bytes. */
const STRING_HEADER_BYTES = 16;

export async function eventStore(context: BenchContext): Promise<string> {
  const { settings } = context;
  const { eventCount, treeRepetitions } = settings.eventStore;
  const lines = await captureDeletionLines(context, eventCount);

  // What the client holds once vscode-jsonrpc has parsed the notifications.
  const baseline = heapUsedAfterGc();
  let events: DeletionEvent[] | undefined = lines.map((line) => {
    const { type: _type, ...event } = JSON.parse(line) as DeletionEvent & { type: string };
    return event;
  });
  const parsedBytes = heapUsedAfterGc() - baseline;
  const stringBytes = events.reduce((sum, event) => sum + ownStringBytes(event), 0);

  const store = new DeletionStore({ maxEvents: eventCount });
  const insertStarted = process.hrtime.bigint();
  for (let start = 0; start < events.length; start += DELETIONS_FLUSH_COUNT)
    store.add(events.slice(start, start + DELETIONS_FLUSH_COUNT));
  const insertMs = Number(process.hrtime.bigint() - insertStarted) / 1e6;
  // Dropped, so that what the heap keeps next is the store's alone.
  // eslint-disable-next-line no-useless-assignment -- the assignment frees the events for the collector
  events = undefined;
  const retainedBytes = heapUsedAfterGc() - baseline;

  // The tree was deleted inside the workspace, as a build's output is.
  const workspaceFolder = {
    name: path.basename(settings.treeDirectory),
    path: settings.treeDirectory,
    aliases: [settings.treeDirectory],
  };
  const levels = (['folder', 'process', 'time'] as Grouping[]).map((grouping) => {
    const options: TreeOptions = {
      grouping,
      folders: [workspaceFolder],
      filter: { show: 'everything' },
      showFailed: false,
    };
    const firstLevel: number[] = [];
    const twoLevels: number[] = [];
    let secondLevelNodes = 0;
    for (let repetition = 0; repetition < treeRepetitions; repetition++) {
      const started = process.hrtime.bigint();
      const roots = buildTree(store, options).roots;
      const rootsBuilt = process.hrtime.bigint();
      secondLevelNodes = roots.reduce((sum, root) => sum + children(root).length, 0);
      const done = process.hrtime.bigint();
      firstLevel.push(Number(rootsBuilt - started) / 1e6);
      twoLevels.push(Number(done - started) / 1e6);
    }
    return { grouping, firstLevel, twoLevels, secondLevelNodes };
  });
  context.log(
    `event store: ${formatNumber(insertMs, 1)} ms to insert, ${formatNumber(retainedBytes / store.size)} bytes per event`,
  );

  const perEvent = (bytes: number): string => formatNumber(bytes / store.size);
  const ownBytes = retainedBytes - stringBytes;
  const slowest = maximum(levels.map((level) => median(level.twoLevels)));
  const reading = [
    `- Target: the view's first levels answer in at most ${TARGET_FIRST_LEVELS_MS} ms at ${formatNumber(store.size)} events. ` +
      `Measured: ${formatNumber(slowest, 1)} ms in the slowest grouping — ${slowest <= TARGET_FIRST_LEVELS_MS ? '**met**' : '**not met**'}.`,
    `- Target: store memory at most ${TARGET_BYTES_PER_EVENT} bytes per event plus strings. Measured: ${perEvent(ownBytes)} bytes per event ` +
      `beside ${perEvent(stringBytes)} bytes of strings — ${ownBytes / store.size <= TARGET_BYTES_PER_EVENT ? '**met**' : '**not met**'}.`,
    `- Memory is V8's heap in use after a full garbage collection: before the deletions were parsed, and once the store alone held them ` +
      "(it keeps one copy of each process's command line and ancestors, so it can hold less than the parsed notifications did). " +
      `Strings are estimated as ${STRING_HEADER_BYTES} bytes plus the characters (rounded up to 8) of each event's path, pathArg, time and comm.`,
  ];

  return section({
    description:
      `${formatNumber(store.size)} deletions, captured from ${code('node dist/helper.js trace --jsonl')} during an rm -rf of the storm's tree ` +
      `inside the workspace folder, parsed as a JSON-RPC client would, then added to ${code(`new DeletionStore({ maxEvents: ${store.size} })`)} ` +
      `in batches of ${formatNumber(DELETIONS_FLUSH_COUNT)} (the largest trace/deletions batch). The view's levels are built ${treeRepetitions} times per grouping; ` +
      'times are medians.',
    tables: [
      table(
        ['measure', 'value'],
        [
          [`insert ${formatNumber(store.size)} events`, `${formatNumber(insertMs, 1)} ms`],
          ['parsed events, per event', `${perEvent(parsedBytes)} bytes`],
          ['retained by the store, per event', `${perEvent(retainedBytes)} bytes`],
          ['of which strings (estimate)', `${perEvent(stringBytes)} bytes`],
          ['of which the rest', `${perEvent(ownBytes)} bytes`],
        ],
      ),
      table(
        ['grouping', 'first level ms', 'first two levels ms', 'slowest of the runs ms', 'second-level nodes'],
        levels.map((level) => [
          level.grouping,
          formatNumber(median(level.firstLevel), 1),
          formatNumber(median(level.twoLevels), 1),
          formatNumber(maximum(level.twoLevels), 1),
          formatNumber(level.secondLevelNodes),
        ]),
      ),
    ],
    reading,
  });
}

/** The first `count` deletion lines of a real rm -rf, as the terminal command wrote them. */
async function captureDeletionLines(context: BenchContext, count: number): Promise<string[]> {
  const workDirectory = freshWorkDirectory(context.settings, 'store');
  const target = traceTarget(workDirectory, path.join(workDirectory, 'tree'));
  makeStormTree(context, target.directory);
  const trace = await syscallTrace(context.helperScript, DEFAULT_PROGRAMS).start(target);
  try {
    await deleteTraced(context, target);
  } finally {
    await trace.stop();
  }
  const lines: string[] = [];
  for await (const line of readline.createInterface({
    input: fs.createReadStream(target.outputFile),
    crlfDelay: Infinity,
  })) {
    if (lines.length < count && line.startsWith('{"type":"deletion"')) lines.push(line);
  }
  fs.rmSync(workDirectory, { recursive: true, force: true });
  return lines;
}

function ownStringBytes(event: DeletionEvent): number {
  return [event.path, event.pathArg, event.time, event.comm].reduce(
    (sum, text) => sum + STRING_HEADER_BYTES + Math.ceil(text.length / 8) * 8,
    0,
  );
}

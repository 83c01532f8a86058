// The recorder's database (helper/recorder/recording.ts) on its own: how many
// deletions a second it records, as the recorder hands them over (batches of
// a thousand, committed together), how many bytes each takes in the file,
// and how long "deletions under this folder in the last 7 days" takes over a
// recording of ten million. The deletions are made here, in the shape of the
// storms that a build's clean-up or a `git clean` makes: a process deletes a
// few thousand files, a hundred per directory, under one project folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { DeletionEvent } from '../common/protocol';
import { Recording } from '../helper/recorder/recording';
import type { BenchContext } from './benchmark';
import { code, section, table } from './markdown';
import { formatNumber, maximum, median } from './stats';

/** The targets. */
const TARGET_EVENTS_PER_SECOND = 200_000;
const TARGET_QUERY_MS = 100;

const DAY_MS = 86_400_000;
/** As the tracer hands deletions over. */
const BATCH = 1000;
/** Deletions per process, and per directory, in the made-up history. */
const PER_PROCESS = 2000;
const PER_DIRECTORY = 100;
/** Project folders of the made-up history; the first BIG_SHARE of the processes delete under one group of them. */
const PROJECTS = 2000;
const BIG_GROUP = '/home/dev/monorepo';
const BIG_SHARE = 0.05;

export function recordingBenchmark(context: BenchContext): Promise<string> {
  return measureRecording(context);
}

async function measureRecording(context: BenchContext): Promise<string> {
  const { settings, log } = context;
  const { writeEvents, writeRepetitions, queryRows, queryRepetitions } = settings.recording;
  const directory = path.join(settings.workDirectory, 'recording');
  fs.rmSync(directory, { recursive: true, force: true });

  const writeRuns: number[] = [];
  for (let run = 0; run < writeRepetitions; run++) {
    log(`recording ${formatNumber(writeEvents)} deletions, run ${run + 1} of ${writeRepetitions}`);
    const file = path.join(directory, `write-${run}.db`);
    writeRuns.push(timeRecording(file, writeEvents, Date.now() - DAY_MS));
    fs.rmSync(directory, { recursive: true, force: true });
  }

  log(`making a recording of ${formatNumber(queryRows)} deletions over 30 days`);
  const file = path.join(directory, 'history.db');
  const now = Date.now();
  const buildMs = timeRecording(file, queryRows, now - 30 * DAY_MS);
  const bytes = fileBytes(file);
  const recording = Recording.openForReading(file);
  const since = now - 7 * DAY_MS;
  const cases = [
    { what: 'one project folder', folder: projectFolder(PROJECTS - 1) },
    { what: `a folder holding ${BIG_SHARE * 100} % of all deletions`, folder: BIG_GROUP },
    { what: 'the whole system', folder: undefined },
  ];
  const queryRowsOut: string[][] = [];
  for (const { what, folder } of cases) {
    const times: number[] = [];
    let returned = 0;
    let more = false;
    for (let run = 0; run < queryRepetitions; run++) {
      const started = process.hrtime.bigint();
      const result = await recording.query({
        scope: folder === undefined ? 'system' : { paths: [folder] },
        sinceMs: since,
        limit: 10_000,
        includeFailed: false,
      });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      returned = result.events.length;
      more = result.more;
    }
    queryRowsOut.push([
      what,
      folder === undefined ? '–' : code(folder),
      `${formatNumber(returned)}${more ? ' (a full page; more match)' : ''}`,
      `${formatNumber(median(times), 1)} ms`,
      `${formatNumber(maximum(times), 1)} ms`,
    ]);
  }
  recording.close();
  fs.rmSync(directory, { recursive: true, force: true });

  const rate = (ms: number, events: number): number => (events * 1000) / ms;
  const rates = writeRuns.map((ms) => rate(ms, writeEvents));
  const worstQuery = Math.max(...queryRowsOut.map((row) => Number(row[3].replace(/[^\d.]/g, ''))));
  return section({
    description:
      `${code('Recording.add()')} in batches of ${formatNumber(BATCH)}, as the recorder hands deletions over, then ${code('flush()')}, into a new database on this machine's disk (${code(path.relative(settings.repositoryRoot, directory))}): ` +
      `WAL, ${code('synchronous=NORMAL')}, a commit per 50,000 deletions or half a second. The deletions are made up in the shape of clean-up storms: ` +
      `${formatNumber(PER_PROCESS)} per process, ${formatNumber(PER_DIRECTORY)} per directory, under ${formatNumber(PROJECTS)} project folders. ` +
      `The queries run on a recording of ${formatNumber(queryRows)} such deletions spread over 30 days, each asking for the newest 10,000 of the last 7 days (a ${code('history/query')} page), decoded into DeletionEvents.`,
    tables: [
      table(
        ['', 'measured', 'target'],
        [
          [
            'deletions recorded per second',
            `${formatNumber(median(rates))} (median of ${rates.length}; runs ${rates.map((value) => formatNumber(value)).join(', ')})`,
            `≥ ${formatNumber(TARGET_EVENTS_PER_SECOND)}`,
          ],
          [
            `bytes per recorded deletion (${formatNumber(queryRows)} in the file)`,
            formatNumber(bytes / queryRows, 1),
            'stated',
          ],
          [
            `making the ${formatNumber(queryRows)}-deletion recording`,
            `${formatNumber(buildMs / 1000, 1)} s (${formatNumber(rate(buildMs, queryRows))} per second)`,
            '',
          ],
        ],
      ),
      table(
        ['last 7 days under', 'folder', 'deletions returned', `median of ${queryRepetitions}`, 'slowest'],
        queryRowsOut,
      ),
    ],
    reading: [
      `- Recording: ${formatNumber(median(rates))} deletions per second, ${median(rates) >= TARGET_EVENTS_PER_SECOND ? 'above' : '**below**'} the target of ${formatNumber(TARGET_EVENTS_PER_SECOND)}.`,
      `- A deletion takes ${formatNumber(bytes / queryRows, 1)} bytes of the file, indexes included: the directory's path and the process's facts are kept once, a deletion row holds their ids and its name.`,
      `- The slowest query took ${formatNumber(worstQuery, 1)} ms, ${worstQuery <= TARGET_QUERY_MS ? 'within' : '**above**'} the target of ${TARGET_QUERY_MS} ms.`,
    ],
  });
}

/** Milliseconds to record `count` made-up deletions into a new `file`, from `firstTime` on, evenly to now. */
export function timeRecording(file: string, count: number, firstTime: number): number {
  const recording = Recording.open({ file, retainDays: 365, retainBytes: Number.MAX_SAFE_INTEGER });
  const step = (Date.now() - firstTime) / count;
  let elapsed = 0n;
  for (let start = 0; start < count; start += BATCH) {
    const batch = madeUpDeletions(start + 1, Math.min(BATCH, count - start), firstTime, step);
    const started = process.hrtime.bigint();
    // Without a turn of the event loop between batches, every commit is one that add() makes once 50,000 wait: all of them are timed.
    recording.add(batch);
    elapsed += process.hrtime.bigint() - started;
  }
  const started = process.hrtime.bigint();
  recording.close();
  elapsed += process.hrtime.bigint() - started;
  return Number(elapsed) / 1e6;
}

const processLists = new Map<number, { cmdline: string[]; ancestors: { pid: number; comm: string }[] }>();

/** Deletions numbered from `firstSeq`, `step` ms apart. */
function madeUpDeletions(firstSeq: number, count: number, firstTime: number, step: number): DeletionEvent[] {
  const events: DeletionEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    const process = Math.floor(seq / PER_PROCESS);
    // A process's lists are one pair of arrays, as the helper's are for all its deletions.
    let lists = processLists.get(process);
    if (lists === undefined) {
      if (processLists.size > 1000) processLists.clear();
      lists = {
        cmdline: ['rm', '-rf', `build-${process}`],
        ancestors: [
          { pid: 1000 + (process % 50000), comm: 'make' },
          { pid: 1, comm: 'systemd' },
        ],
      };
      processLists.set(process, lists);
    }
    const folder =
      (process * 7919) % 100 < BIG_SHARE * 100 ? `${BIG_GROUP}/pkg-${process % 40}` : projectFolder(process % PROJECTS);
    const name = `object-${String(seq % PER_DIRECTORY).padStart(3, '0')}.o`;
    events[i] = {
      seq,
      time: new Date(Math.floor(firstTime + seq * step)).toISOString(),
      syscall: 'unlinkat',
      abi: 'x86_64',
      directory: false,
      path: `${folder}/build/d${Math.floor(seq / PER_DIRECTORY) % 20}/${name}`,
      pathArg: name,
      complete: true,
      mountNamespace: 4026531841,
      result: 0,
      pid: 100_000 + process,
      tid: 100_000 + process,
      ppid: 1000 + (process % 50000),
      uid: 1000,
      cgroupId: 4242,
      comm: 'rm',
      cmdline: lists.cmdline,
      ancestors: lists.ancestors,
    };
  }
  return events;
}

export function projectFolder(project: number): string {
  return `/home/dev/projects/p${String(project).padStart(4, '0')}`;
}

/** The database with its WAL: what the recording takes on disk. */
function fileBytes(file: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += fs.statSync(file + suffix).size;
    } catch {
      // no WAL once the last connection closed
    }
  }
  return bytes;
}

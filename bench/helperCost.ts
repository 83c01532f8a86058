// What the helper holds, in each attach mode and with the older program set: the kernel memory of its BPF
// maps (the ring buffer above all), and its resident memory at rest and
// through an rm -rf storm, split into what it can and cannot shrink.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { RING_BUFFER_BYTES_VARIABLE } from '../helper/tracing/deletionTracer';
import { ATTACH_MODES, QUEUE_MIB_DEFAULT, type AttachMode, type ProgramSet } from '../common/protocol';
import type { BenchContext } from './benchmark';
import { bpfMapsHeldBy, residentBpfMapBytes, type BpfMapMemory } from './bpfMaps';
import { readProcessUsage } from './childProcesses';
import { makeStormTree } from './deletionTree';
import { code, section, table } from './markdown';
import { formatMebibytes, formatNumber } from './stats';
import { deleteTraced } from './stormRuns';
import { DEFAULT_PROGRAMS, syscallTrace } from './tracers';
import { freshWorkDirectory, traceTarget } from './workDirectory';

/** The issue's targets for the helper's resident memory, at default settings: at rest, and at the peak of the storm. */
const TARGET_RESTING_RSS_BYTES = 80_000_000;
const TARGET_PEAK_RSS_BYTES = 100_000_000;
/** How often the helper's memory is sampled through the storm. */
const SAMPLE_MS = 20;

/** What one run starts: the helper with these programs, from the set the kernel calls for unless programSet names one. */
interface Variant {
  mode: AttachMode;
  programSet?: ProgramSet;
}

/** Each attach mode, then the default mode's programs from the older set: its maps differ from the newer's. */
const VARIANTS: readonly Variant[] = [
  ...ATTACH_MODES.map((mode) => ({ mode })),
  { mode: DEFAULT_PROGRAMS, programSet: 'older' },
];

interface ModeCost extends Variant {
  /** "raw mode", "raw mode, older programs": for tables and readings. */
  label: string;
  /** The set the helper's ready line named. */
  programSetTaken: ProgramSet | undefined;
  maps: BpfMapMemory[];
  restingRssBytes: number;
  restingAnonymousBytes: number;
  restingFileBytes: number;
  /** Of the resting RSS: the pages of BPF maps mapped into the helper (the ring buffer). */
  ringBufferRssBytes: number;
  peakRssBytes: number;
  /** The most anonymous memory (JavaScript heap, buffers) seen in the samples. */
  peakAnonymousBytes: number;
  /** The most file-backed memory seen: the node binary and libraries, and the mapped maps. */
  peakFileBytes: number;
  cpuSeconds: number;
  deletions: number;
}

export async function helperCost(context: BenchContext): Promise<string> {
  const costs: ModeCost[] = [];
  for (const variant of VARIANTS) {
    costs.push(await measureVariant(context, variant));
    context.log(`helper cost ${costs.at(-1)!.label}: ${formatMebibytes(costs.at(-1)!.peakRssBytes)} peak RSS`);
  }

  const mapNames = [...new Set(costs.flatMap((cost) => cost.maps.map((map) => map.name)))];
  const mapRows = mapNames.map((name) => {
    const first = costs.flatMap((cost) => cost.maps).find((map) => map.name === name)!;
    return [
      name,
      first.type,
      formatNumber(first.maxEntries),
      ...costs.map((cost) => {
        const map = cost.maps.find((entry) => entry.name === name);
        if (!map) return '–';
        // The older set keeps in hashes what the newer keeps in task storage: the same name, another type and size.
        const differs = map.type !== first.type || map.maxEntries !== first.maxEntries;
        return differs
          ? `${formatBytes(map.memlockBytes)} (${map.type}, ${formatNumber(map.maxEntries)})`
          : formatBytes(map.memlockBytes);
      }),
    ];
  });
  const total = (cost: ModeCost): number => cost.maps.reduce((sum, map) => sum + map.memlockBytes, 0);
  mapRows.push(['**all maps**', '', '', ...costs.map((cost) => `**${formatBytes(total(cost))}**`)]);

  const ringBuffer = costs[0].maps.find((map) => map.type === 'ringbuf');
  const newerCosts = costs.filter((cost) => cost.programSet === undefined);
  const sameMaps =
    new Set(newerCosts.map((cost) => cost.maps.map((map) => `${map.name} ${map.memlockBytes}`).join(','))).size === 1;
  const worstResting = Math.max(...costs.map((cost) => cost.restingRssBytes));
  const worstPeak = Math.max(...costs.map((cost) => cost.peakRssBytes));
  const atRest = costs[0];
  const reading = [
    `- Kernel memory: ${costs.map((cost) => `${formatMebibytes(total(cost))} (${cost.label})`).join(', ')}` +
      (ringBuffer
        ? `, of which the ring buffer of ${formatMebibytes(ringBuffer.maxEntries)} holds ${formatMebibytes(ringBuffer.memlockBytes)} ` +
          `(${formatNumber((ringBuffer.memlockBytes / total(costs[0])) * 100)}%; the default size, which ${RING_BUFFER_BYTES_VARIABLE} changes: ` +
          'see "Ring-buffer size against loss")'
        : '') +
      (sameMaps
        ? '. Both modes load the same maps; only the programs differ.'
        : '. The modes load different maps (see the table).'),
    olderSetReading(costs, total),
    `- Target: the helper at most 80 MB (${formatMebibytes(TARGET_RESTING_RSS_BYTES)}) resident at rest, at default settings. ` +
      `Measured: ${costs.map((cost) => `${formatMebibytes(cost.restingRssBytes)} (${cost.label})`).join(', ')} — ` +
      `${worstResting <= TARGET_RESTING_RSS_BYTES ? '**met**' : '**not met**'}.`,
    `- Target: the helper at most 100 MB (${formatMebibytes(TARGET_PEAK_RSS_BYTES)}) resident at the peak of the storm of ${formatNumber(costs[0].deletions)} deletions, ` +
      `at default settings. Measured: ${formatMebibytes(worstPeak)} at the peak — ${worstPeak <= TARGET_PEAK_RSS_BYTES ? '**met**' : '**not met**'}.`,
    `- Where the resident memory is (${atRest.label}): at rest ${formatMebibytes(atRest.restingRssBytes)}, of which ${formatMebibytes(atRest.ringBufferRssBytes)} are the ring buffer's pages ` +
      'mapped into the helper to be read: libbpf maps its data pages twice in a row, so that a record that wraps around the end reads as one, and RSS counts both, ' +
      `though the kernel holds them once (the memlock above). The rest at rest: ${formatMebibytes(atRest.restingFileBytes - atRest.ringBufferRssBytes)} of file pages ` +
      `(node's binary and libraries, shared with every other node process) and ${formatMebibytes(atRest.restingAnonymousBytes)} anonymous. ` +
      `Through the storm, anonymous memory (the JavaScript heap, the addon's queue of records waiting for JavaScript, with a budget of ${QUEUE_MIB_DEFAULT} MiB by default, ` +
      `and the output's buffers) peaked at ${costs.map((cost) => `${formatMebibytes(cost.peakAnonymousBytes)} (${cost.label})`).join(' and ')}: ` +
      "that is the part the helper's own code decides.",
    "- memlock is the kernel's own account of each map (/proc/PID/fdinfo of the helper's map descriptors; bpftool map show prints it as bytes_memlock); " +
      "the kernel keeps only the first 15 characters of a map's name. The memory columns of the second table come from /proc/PID/status " +
      `(VmRSS, RssAnon and RssFile at rest and sampled every ${SAMPLE_MS} ms through the storm; VmHWM) and /proc/PID/smaps (the bpf-map mappings).`,
  ];

  const { directories, filesPerDirectory } = context.settings.deletionStorm;
  return section({
    description:
      `The terminal command (${code('node dist/helper.js trace --jsonl --mode MODE --path TREE')}) in each mode, and in the default mode's programs with the older program set ` +
      `(${code('SYSCALL_TRACE_PROGRAMS=older')}), at default settings (ring buffer and queue): its maps read once its programs are attached, ` +
      `then an ${code('rm -rf')} of the storm's tree (${formatNumber(directories)} × ${formatNumber(filesPerDirectory)} files) while its memory is sampled. One run of each.`,
    tables: [
      table(['map', 'type', 'max entries', ...costs.map((cost) => `kernel memory, ${cost.label}`)], mapRows),
      table(
        [
          'mode',
          'RSS at rest',
          'of which the ring buffer mapping',
          'peak RSS (VmHWM)',
          'peak anonymous',
          'peak file-backed',
          'helper CPU s',
          'CPU s per 100,000',
        ],
        costs.map((cost) => [
          cost.label,
          formatMebibytes(cost.restingRssBytes),
          formatMebibytes(cost.ringBufferRssBytes),
          formatMebibytes(cost.peakRssBytes),
          formatMebibytes(cost.peakAnonymousBytes),
          formatMebibytes(cost.peakFileBytes),
          formatNumber(cost.cpuSeconds, 2),
          formatNumber((cost.cpuSeconds / cost.deletions) * 100_000, 2),
        ]),
      ),
    ],
    reading,
  });
}

async function measureVariant(context: BenchContext, variant: Variant): Promise<ModeCost> {
  const workDirectory = freshWorkDirectory(context.settings, 'cost');
  const target = traceTarget(workDirectory, path.join(workDirectory, 'tree'));
  const tree = makeStormTree(context, target.directory);
  const tracer = syscallTrace(context.helperScript, variant.mode, { programSet: variant.programSet });
  const trace = await tracer.start(target);
  try {
    const pid = trace.pid!;
    const maps = bpfMapsHeldBy(pid);
    const resting = memoryOf(pid);
    const ringBufferRssBytes = residentBpfMapBytes(pid);
    const before = readProcessUsage(pid);

    let peakAnonymousBytes = resting.anonymousBytes;
    let peakFileBytes = resting.fileBytes;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = memoryOf(pid);
        peakAnonymousBytes = Math.max(peakAnonymousBytes, now.anonymousBytes);
        peakFileBytes = Math.max(peakFileBytes, now.fileBytes);
        await sleep(SAMPLE_MS);
      }
    })();
    try {
      await deleteTraced(context, target);
    } finally {
      sampling = false;
      await sampler;
    }
    const after = readProcessUsage(pid);
    return {
      ...variant,
      label: `${variant.mode} mode${variant.programSet === 'older' ? ', older programs' : ''}`,
      programSetTaken: tracer.programSetTaken,
      maps,
      restingRssBytes: resting.rssBytes,
      restingAnonymousBytes: resting.anonymousBytes,
      restingFileBytes: resting.fileBytes,
      ringBufferRssBytes,
      peakRssBytes: after.peakRssBytes,
      peakAnonymousBytes,
      peakFileBytes,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      deletions: tree.entries,
    };
  } finally {
    await trace.stop();
    fs.rmSync(workDirectory, { recursive: true, force: true });
  }
}

function memoryOf(pid: number): { rssBytes: number; anonymousBytes: number; fileBytes: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rssBytes: kib('VmRSS'), anonymousBytes: kib('RssAnon'), fileBytes: kib('RssFile') };
}

/** "16.1 MiB" for the large, "17.0 KiB" for the small: map sizes span both. */
function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? formatMebibytes(bytes) : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * The older set's maps beside the newer's in the same mode: it keeps each
 * call in flight and each thread's directory memo in hashes by thread id,
 * sized up front, where the newer keeps them in task storage, whose entries
 * hang off each task and are not in the map's own account.
 */
function olderSetReading(costs: readonly ModeCost[], total: (cost: ModeCost) => number): string {
  const older = costs.find((cost) => cost.programSet === 'older')!;
  const newer = costs.find((cost) => cost.programSet === undefined && cost.mode === older.mode)!;
  return (
    `- The older program set, which a kernel from 5.10 takes where it lacks task storage in tracing programs (5.12), holds ${formatMebibytes(total(older))} of kernel memory ` +
    `against ${formatMebibytes(total(newer))} for the set this kernel takes by itself, ${newer.programSetTaken} (${older.mode} mode): its ${code('calls_in_flight')} and ${code('directory_memos')} are hashes by thread id, allocated when loaded, ` +
    "where the newer set's are task storage, whose entries live with each task that deleted and are not counted in the map. " +
    `The helper reads the same records from either set: ${formatMebibytes(older.restingRssBytes)} resident at rest and ${formatMebibytes(older.peakRssBytes)} at the peak with the older set, against ` +
    `${formatMebibytes(newer.restingRssBytes)} and ${formatMebibytes(newer.peakRssBytes)} with the ${newer.programSetTaken}.`
  );
}

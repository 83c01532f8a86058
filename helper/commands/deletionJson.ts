// A DeletionEvent as one line of JSON, written field by field: the terminal
// command's --jsonl output in a storm is hundreds of thousands of these, and
// JSON.stringify() of each event object was the helper's largest cost per
// deletion. The parts that repeat are made once: a process's command line
// and ancestors once per process. Strings go out as they are unless they
// hold what JSON must escape; then JSON.stringify() writes them.
import type { DeletionEvent } from '../../common/protocol';

/** What JSON.stringify() escapes in a string: '"', '\', control characters, lone surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// Every event of one process shares its cmdline and ancestors arrays
// (processes.ts), so their JSON is made once and reused for the thousands of
// deletions a storm brings; keyed by the cmdline array, which belongs to one
// process's information.
const processJson = new WeakMap<readonly string[], string>();

function processPart(event: DeletionEvent): string {
  let part = processJson.get(event.cmdline);
  if (part === undefined) {
    part = `"cmdline":${JSON.stringify(event.cmdline)},"ancestors":${JSON.stringify(event.ancestors)}`;
    processJson.set(event.cmdline, part);
  }
  return part;
}

/**
 * {"type":"deletion", ...every field of the event}, without a newline. The
 * optional fields appear only where the event has them, as JSON.stringify()
 * would write them; test/unit/helper/commands/deletionJson.test.ts checks the two agree.
 */
export function deletionJson(event: DeletionEvent): string {
  // time (toISOString()), syscall and abi (names from the addon's layout, or
  // "abi N") never hold what JSON escapes.
  let line =
    `{"type":"deletion","seq":${event.seq},"time":"${event.time}","syscall":"${event.syscall}",` +
    `"abi":"${event.abi}","directory":${event.directory},"path":${jsonString(event.path)}`;
  if (event.pathBytes !== undefined) line += `,"pathBytes":${jsonString(event.pathBytes)}`;
  line += `,"pathArg":${jsonString(event.pathArg)},"complete":${event.complete}`;
  if (event.processPath !== undefined) line += `,"processPath":${jsonString(event.processPath)}`;
  if (event.processPathBytes !== undefined) line += `,"processPathBytes":${jsonString(event.processPathBytes)}`;
  line += `,"mountNamespace":${event.mountNamespace}`;
  if (event.container !== undefined) line += `,"container":${JSON.stringify(event.container)}`;
  line += `,"result":${event.result}`;
  if (event.resultUnknown !== undefined) line += `,"resultUnknown":${event.resultUnknown}`;
  if (event.error !== undefined) line += `,"error":${jsonString(event.error)}`;
  line +=
    `,"pid":${event.pid},"tid":${event.tid},"ppid":${event.ppid},"uid":${event.uid},"cgroupId":${event.cgroupId},` +
    `"comm":${jsonString(event.comm)}`;
  if (event.threadName !== undefined) line += `,"threadName":${jsonString(event.threadName)}`;
  return `${line},${processPart(event)}${renamePart(event)}}`;
}

/** A rename's own fields, after the rest; nothing for a deletion. */
function renamePart(event: DeletionEvent): string {
  if (event.movedTo === undefined) return '';
  let part = `,"movedTo":${jsonString(event.movedTo)}`;
  if (event.movedToBytes !== undefined) part += `,"movedToBytes":${jsonString(event.movedToBytes)}`;
  if (event.movedToComplete !== undefined) part += `,"movedToComplete":${event.movedToComplete}`;
  if (event.replaced !== undefined) part += `,"replaced":${event.replaced}`;
  if (event.replacedUnknown !== undefined) part += `,"replacedUnknown":${event.replacedUnknown}`;
  if (event.exchanged !== undefined) part += `,"exchanged":${event.exchanged}`;
  if (event.renameFlags !== undefined) part += `,"renameFlags":${JSON.stringify(event.renameFlags)}`;
  return part;
}

/** The names of the fields deletionJson() writes, for the test that holds it to DeletionEvent. */
export const DELETION_JSON_FIELDS = [
  'seq',
  'time',
  'syscall',
  'abi',
  'directory',
  'path',
  'pathBytes',
  'pathArg',
  'complete',
  'processPath',
  'processPathBytes',
  'mountNamespace',
  'container',
  'result',
  'resultUnknown',
  'error',
  'pid',
  'tid',
  'ppid',
  'uid',
  'cgroupId',
  'comm',
  'threadName',
  'cmdline',
  'ancestors',
  'movedTo',
  'movedToBytes',
  'movedToComplete',
  'replaced',
  'replacedUnknown',
  'exchanged',
  'renameFlags',
] as const;

// The Markdown of a deletion's tooltip: the full path with each ancestor
// directory as a link that opens it, the path as the process saw it where
// that differs, a rename's destination and what became of a file there, then
// who deleted it and how. Every piece of the event goes
// through markdown.ts; the only links are the ones built here, to the
// command named by the caller.
import { isUtf8 } from 'node:buffer';

import { isRename, type DeletionEvent } from '../../common/protocol';
import { shownPath } from '../../common/shownText';
import {
  byteComponents,
  containerLabel,
  localDateTime,
  shellCommandLine,
  shownComponents,
  type TimeFormat,
} from './displayText';
import { commandLink, markdownOfShownText, markdownText } from './markdown';
import { askedToSwap } from './renameRows';

export interface TooltipOptions {
  /** The command a directory link runs, with the directory's path as its one argument. */
  openDirectoryCommand: string;
  /** The integrated terminal or task the deleting process runs in, if any. */
  terminalName?: string;
  /** Absent: the host's locale and time zone. */
  timeFormat?: TimeFormat;
  /** The helper's own mount namespace, the host's; absent: not known, and nothing is said of the event's. */
  hostMountNamespace?: number;
}

export function deletionTooltip(event: DeletionEvent, options: TooltipOptions): string {
  const what = event.directory ? 'Directory' : 'File';
  const lines = [
    `**${what} ${outcome(event)}**`,
    linkedPath(event, options.openDirectoryCommand) + partlyKnown(event.complete),
  ];
  if (isRename(event)) lines.push(...renameLines(event, options.openDirectoryCommand));
  // Text only: the process's path names a file in its own mount namespace or root, which a link here would not open.
  if (event.processPath !== undefined) {
    lines.push(
      `Seen by the process as: ${markdownOfShownText(shownPath({ path: event.processPath, pathBytes: event.processPathBytes }))}`,
    );
  }
  lines.push(
    `Process: ${markdownText(event.comm)} (pid ${event.pid}, thread ${event.tid}` +
      (event.threadName === undefined ? '' : ` named ${markdownText(`“${event.threadName}”`)}`) +
      `, uid ${event.uid})` +
      (options.terminalName === undefined ? '' : ` in terminal ${markdownText(`“${options.terminalName}”`)}`),
  );
  if (event.container !== undefined) {
    lines.push(
      `Container: ${markdownOfShownText(containerLabel(event.container))} (id ${markdownText(event.container.id)})`,
    );
  }
  if (options.hostMountNamespace !== undefined && event.mountNamespace !== options.hostMountNamespace) {
    lines.push(`Mount namespace: ${markdownText(String(event.mountNamespace))} (not the host’s)`);
  }
  lines.push(`Command line: ${event.cmdline.length > 0 ? markdownText(shellCommandLine(event.cmdline)) : '*unknown*'}`);
  if (event.ancestors.length > 0) {
    lines.push(
      `Started by: ${event.ancestors.map((ancestor) => `${markdownText(ancestor.comm)} (${ancestor.pid})`).join(' ← ')}`,
    );
  }
  lines.push(
    event.abi === 'io_uring'
      ? `io_uring request: ${markdownText(event.syscall)}, argument ${markdownText(event.pathArg)}`
      : `System call: ${markdownText(event.syscall)} (${markdownText(event.abi)}), argument ${markdownText(event.pathArg)}`,
  );
  lines.push(`Time: ${markdownText(localDateTime(event.time, options.timeFormat))}`);
  lines.push(`ISO time: ${markdownText(event.time)}`);
  return lines.join('\n\n');
}

function outcome(event: DeletionEvent): string {
  const rename = isRename(event);
  if (event.resultUnknown)
    return `${rename ? 'rename' : 'deletion'} asked for, result unknown: io_uring posted none (IOSQE_CQE_SKIP_SUCCESS)`;
  if (event.result < 0)
    return `not ${rename ? 'moved' : 'deleted'}: ${markdownText(event.error ?? String(event.result))}`;
  if (!rename) return 'deleted';
  return event.exchanged === true ? 'swapped' : 'moved';
}

function partlyKnown(complete: boolean): string {
  return complete ? '' : ' *(only the end of the path is known)*';
}

/** Where a rename took the file, what became of a file there, and the flags it was given. */
function renameLines(event: DeletionEvent, command: string): string[] {
  const destination = {
    path: event.movedTo ?? '',
    pathBytes: event.movedToBytes,
    complete: event.movedToComplete === true,
  };
  const failed = event.result < 0;
  const to = askedToSwap(event)
    ? failed
      ? 'Tried to swap with'
      : 'Swapped with'
    : failed
      ? 'Tried to move to'
      : 'Moved to';
  const lines = [`${to}: ${linkedPath(destination, command)}${partlyKnown(destination.complete)}`];
  if (askedToSwap(event)) {
    if (event.exchanged === true) lines.push('Both names survive, each now holding the other’s file.');
  } else if (event.replaced === true) lines.push('Replaced the file that was there: its old content is gone.');
  else if (event.replacedUnknown === true)
    lines.push('May have replaced a file that was there: the kernel could not tell.');
  else if (event.replaced === false && !failed) lines.push('Nothing was replaced.');
  if (event.renameFlags !== undefined && event.renameFlags.length > 0)
    lines.push(`Flags: ${event.renameFlags.map(markdownText).join(', ')}`);
  return lines;
}

/** A path with what is known of it, as linkedPath() takes it: an event's own, or a rename's destination. */
interface KnownPath {
  path: string;
  pathBytes?: string;
  complete: boolean;
}

/**
 * The path with each directory above the deleted entry as a link. A prefix
 * that is not valid UTF-8 cannot be named as a string, so from there on the
 * components are text only; so is everything of a path known only in part.
 */
function linkedPath(known: KnownPath, command: string): string {
  const shown = shownComponents(known);
  const raw = known.path.split('/');
  if (!known.complete || raw[0] !== '' || raw.length !== shown.length) return markdownOfShownText(shown.join('/'));
  const openable = openablePrefixLength(known.pathBytes, raw.length);
  let markdown = '';
  for (let i = 0; i < shown.length; i++) {
    const isDirectoryAbove = i < shown.length - 1;
    if (i === 0) {
      // The root: its link text is the "/" itself.
      markdown += isDirectoryAbove ? commandLink('\\/', command, ['/']) : '\\/';
      continue;
    }
    const text = markdownOfShownText(shown[i]);
    markdown += isDirectoryAbove && i < openable ? commandLink(text, command, [raw.slice(0, i + 1).join('/')]) : text;
    if (isDirectoryAbove) markdown += '\\/';
  }
  return markdown;
}

/** How many leading components can be named by the path's text: all, unless its bytes are not UTF-8. */
function openablePrefixLength(pathBytes: string | undefined, components: number): number {
  if (pathBytes === undefined) return components;
  const byComponent = byteComponents(pathBytes);
  const firstNotUtf8 = byComponent.findIndex((bytes) => !isUtf8(bytes));
  return firstNotUtf8 === -1 ? byComponent.length : firstNotUtf8;
}

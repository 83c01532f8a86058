// What the view holds, written out for other tools: JSON keeps every event
// exactly as the helper sent it; CSV gives one row per deletion for a
// spreadsheet.
import type { DeletionEvent } from '../common/protocol';
import { shellCommandLine } from './displayText';

export type ExportFormat = 'json' | 'csv';

/** The events as a JSON array, oldest first, exactly as they arrived. */
export function toJson(events: readonly DeletionEvent[]): string {
  return `${JSON.stringify(events, null, 2)}\n`;
}

const CSV_COLUMNS: readonly [string, (event: DeletionEvent) => string | number | boolean | undefined][] = [
  ['seq', (e) => e.seq],
  ['time', (e) => e.time],
  ['syscall', (e) => e.syscall],
  ['directory', (e) => e.directory],
  ['path', (e) => e.path],
  ['pathBytes', (e) => e.pathBytes],
  ['complete', (e) => e.complete],
  ['result', (e) => e.result],
  ['error', (e) => e.error],
  ['pid', (e) => e.pid],
  ['tid', (e) => e.tid],
  ['ppid', (e) => e.ppid],
  ['uid', (e) => e.uid],
  ['comm', (e) => e.comm],
  ['cmdline', (e) => shellCommandLine(e.cmdline)],
  ['ancestors', (e) => e.ancestors.map((ancestor) => `${ancestor.comm}(${ancestor.pid})`).join(' < ')],
];

/** RFC 4180 CSV with a header row, oldest first. */
export function toCsv(events: readonly DeletionEvent[]): string {
  const rows = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const event of events) rows.push(CSV_COLUMNS.map(([, value]) => csvField(value(event))).join(','));
  return `${rows.join('\r\n')}\r\n`;
}

function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  // A spreadsheet would run a text cell starting with = + - @ as a formula: a
  // leading apostrophe keeps it text (OWASP's advice for CSV injection).
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function exportText(format: ExportFormat, events: readonly DeletionEvent[]): string {
  return format === 'json' ? toJson(events) : toCsv(events);
}

// What the view holds, written out for other tools: JSON keeps every event
// exactly as the helper sent it; CSV gives one row per deletion (a rename is
// one, with its destination's columns) for a spreadsheet.
import type { DeletionEvent } from '../../common/protocol';
import { shellCommandLine } from '../view/displayText';

export type ExportFormat = 'json' | 'csv';

/** The events as a JSON array, oldest first, exactly as they arrived. */
export function toJson(events: readonly DeletionEvent[]): string {
  return `${JSON.stringify(events, null, 2)}\n`;
}

type CsvValue = string | number | boolean | undefined;

/** Fields of a DeletionEvent that go into a cell as they are, in this order. */
const PLAIN_COLUMNS = [
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
  'result',
  'error',
  'pid',
  'tid',
  'ppid',
  'uid',
  'cgroupId',
  'mountNamespace',
  'comm',
] as const satisfies readonly (keyof DeletionEvent)[];

/** The container's fields, and the lists as one cell each. */
const NESTED_COLUMNS: readonly [string, (event: DeletionEvent) => CsvValue][] = [
  ['containerEngine', (e) => e.container?.engine],
  ['containerId', (e) => e.container?.id],
  ['cmdline', (e) => shellCommandLine(e.cmdline)],
  ['ancestors', (e) => e.ancestors.map((ancestor) => `${ancestor.comm}(${ancestor.pid})`).join(' < ')],
];

const CSV_COLUMNS: readonly [string, (event: DeletionEvent) => CsvValue][] = [
  ...PLAIN_COLUMNS.map((field): [string, (event: DeletionEvent) => CsvValue] => [field, (e) => e[field]]),
  ...NESTED_COLUMNS,
  // Added after the others, so that a reader of older exports finds every column where it was.
  ...(
    [
      'resultUnknown',
      'threadName',
      'movedTo',
      'movedToBytes',
      'movedToComplete',
      'replaced',
      'replacedUnknown',
      'exchanged',
    ] as const
  ).map((field): [string, (event: DeletionEvent) => CsvValue] => [field, (e) => e[field]]),
  ['renameFlags', (e) => e.renameFlags?.join(' ')],
];

/** RFC 4180 CSV with a header row, oldest first. */
export function toCsv(events: readonly DeletionEvent[]): string {
  const rows = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const event of events) rows.push(CSV_COLUMNS.map(([, value]) => csvField(value(event))).join(','));
  return `${rows.join('\r\n')}\r\n`;
}

function csvField(value: CsvValue): string {
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

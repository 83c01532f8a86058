// Markdown for BENCHMARKS.md: tables and code spans whose cells cannot break
// the table, whatever a command line holds.

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Inline code that survives backticks inside it. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const padding = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${padding}${text}${padding}${fence}`;
}

/** A shell command line as a reader would type it. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A benchmark's section of the report, below its title. */
export interface SectionParts {
  /** What was measured, and how. */
  description: string;
  tables: readonly string[];
  /** The reading of the tables: a bullet list, one item a string. */
  reading: readonly string[];
  /** After the reading: the commands that reproduce the measurement. */
  commands?: readonly string[];
}

/** The parts of a section in the order every benchmark's section has them, a blank line between each. */
export function section({ description, tables, reading, commands = [] }: SectionParts): string {
  return [
    description,
    ...tables.flatMap((part) => ['', part]),
    '',
    '**Reading**',
    '',
    ...reading,
    ...(commands.length ? ['', ...commands] : []),
  ].join('\n');
}

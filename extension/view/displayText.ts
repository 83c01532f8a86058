// How a deletion's path, command line and time read in the view. Names are
// data: control characters, bidirectional overrides and bytes that are not
// UTF-8 become visible escapes, exactly as the terminal command shows them.
import type { Container, DeletionEvent } from '../../common/protocol';
import { escapeBytes, escapeText } from '../../common/shownText';

/** The path's components (the first one empty for an absolute path), each escaped for reading. */
export function shownComponents(event: Pick<DeletionEvent, 'path' | 'pathBytes'>): string[] {
  if (event.pathBytes === undefined) return event.path.split('/').map(escapeText);
  return byteComponents(event.pathBytes).map(escapeBytes);
}

/** A path's exact bytes (base64, as the event carries them) split at each slash, as path.split('/') splits its text. */
export function byteComponents(pathBytes: string): Buffer[] {
  const bytes = Buffer.from(pathBytes, 'base64');
  const components: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x2f) {
      components.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return components;
}

/** The deleted entry's own name, escaped: the label of its tree item. */
export function shownName(event: Pick<DeletionEvent, 'path' | 'pathBytes'>): string {
  const components = shownComponents(event);
  return components[components.length - 1];
}

/** The last component of a path, as it is (not escaped). */
export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/** The directory that held `path`: "/" for a top-level entry. */
export function parentDirectory(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return '/';
  return path.slice(0, slash);
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** argv as one line a POSIX shell would split back into the same arguments. */
export function shellCommandLine(argv: readonly string[]): string {
  return argv.map((arg) => (SHELL_SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function relativeTime(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/**
 * Where a time is shown, in the person's own terms: the host's locale and
 * time zone unless these name others (the tests do, to be exact). Exports
 * keep the ISO time, which every tool reads the same.
 */
export interface TimeFormat {
  locale?: string;
  timeZone?: string;
}

/** The time of day, local; with the date in front where it is not today's. */
export function localTime(iso: string, now: number, format: TimeFormat = {}): string {
  const time = new Date(iso);
  const options = { timeZone: format.timeZone };
  const sameDay =
    time.toLocaleDateString(format.locale, options) === new Date(now).toLocaleDateString(format.locale, options);
  return sameDay ? time.toLocaleTimeString(format.locale, options) : time.toLocaleString(format.locale, options);
}

/** Date and time, local. */
export function localDateTime(iso: string, format: TimeFormat = {}): string {
  return new Date(iso).toLocaleString(format.locale, { timeZone: format.timeZone });
}

/** "comm (pid)", escaped. */
export function processLabel(event: Pick<DeletionEvent, 'comm' | 'pid'>): string {
  return `${escapeText(event.comm)} (${event.pid})`;
}

/** As `docker ps` shortens an id: long enough to tell containers apart, short enough to read. */
export const SHORT_CONTAINER_ID_LENGTH = 12;

/** "docker 0123456789ab": the engine and the short id, escaped. */
export function containerLabel(container: Container): string {
  return `${escapeText(container.engine)} ${escapeText(container.id.slice(0, SHORT_CONTAINER_ID_LENGTH))}`;
}

/** "comm (pid)", and " · docker 0123456789ab" where the process ran in a container; escaped. */
export function processGroupLabel(process: Pick<DeletionEvent, 'comm' | 'pid' | 'container'>): string {
  return processLabel(process) + (process.container === undefined ? '' : ` · ${containerLabel(process.container)}`);
}

/**
 * Text for a notification, which makes a link of "[label](command:…)",
 * "(https://…)" or "(file:…)" wherever it appears: a word joiner between "]"
 * and "(" keeps a path or a name that holds one from becoming a link, and
 * reads the same.
 */
export function notificationText(text: string): string {
  return escapeText(text).replace(/\]\(/g, ']\u2060(');
}

/** "1,234" */
export function countText(count: number): string {
  return count.toLocaleString('en-US');
}

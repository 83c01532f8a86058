// Reading a file that need not be there, or be readable: a setting the
// kernel may not have (/proc/sys/...), a unit an earlier install may not
// have written. Where it cannot be read, the caller goes on without it.
import * as fs from 'node:fs';

/** The file's text, as UTF-8; undefined where it cannot be read, for whatever reason. */
export function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

// Names for the negative results of syscalls ("ENOENT"), from Node's own
// table of this platform's errno values.
import { constants } from 'node:os';

const namesByNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // Some numbers have two names (EAGAIN, EWOULDBLOCK): keep the first.
  if (!namesByNumber.has(value)) namesByNumber.set(value, name);
}

/** "ENOENT" for -2; for a code outside the table, "errno N". */
export function errnoName(result: number): string {
  const number = -result;
  return namesByNumber.get(number) ?? `errno ${number}`;
}

// A uid as given on the command line (--allow-uid): a whole number that
// Linux can hold as a uid; (uid_t)-1 means "no change" to the kernel, never
// a user.
export const UID_MAX = 2 ** 32 - 2;

/** The uid `given`; throws TypeError naming `option` where it is not one. */
export function parseUid(option: string, given: string): number {
  const uid = /^\d{1,10}$/.test(given) ? Number(given) : NaN;
  if (!(uid <= UID_MAX))
    throw new TypeError(`${option} must be a uid, a whole number from 0 to ${UID_MAX}, not ${JSON.stringify(given)}`);
  return uid;
}

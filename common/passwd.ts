// The accounts of /etc/passwd (name:password:uid:gid:...), read one way by
// everyone who needs one: the helper (the primary group of the user who
// asked through sudo), the recorder (its own account, the users of
// --allow-group) and the extension (the recorder's account).
export const PASSWD = '/etc/passwd';

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Each entry of passwd text whose ids are numbers; comments, blank lines and anything else left out. */
export function passwdEntries(passwd: string): Account[] {
  const accounts: Account[] = [];
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name !== '' && !name.startsWith('#') && /^\d{1,10}$/.test(uid ?? '') && /^\d{1,10}$/.test(gid ?? ''))
      accounts.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return accounts;
}

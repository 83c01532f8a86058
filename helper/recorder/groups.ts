// The groups of --allow-group, whose members the recorder shows every
// user's deletions (docs/flight-recorder.md, "Serving"). A group is named by its
// name or its gid; membership is read from /etc/passwd (the user's primary
// group) and /etc/group (the group's member list) at each connection, from
// the uid the kernel gave for it (SO_PEERCRED): a member added or removed
// since the recorder started counts from their next connection, with no
// restart. The credentials the kernel recorded at connect() would carry the
// peer's groups too, but only those its process was started with: a member
// removed from the group keeps them in every session still open.
import { passwdEntries } from '../../common/passwd';
import { readOptional } from '../files';
import { UID_MAX } from './uids';

/** A group as given: its gid, or its name. */
export type GroupName = { gid: number } | { name: string };

/**
 * What a group name may be: the shadow-utils' own pattern, without the `$`
 * that Samba's machine accounts end in, which systemd would expand in a
 * unit's command line.
 */
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** The group `given`; throws TypeError naming `option` where it is neither a gid nor a group's name. */
export function parseGroup(option: string, given: string): GroupName {
  if (/^\d{1,10}$/.test(given) && Number(given) <= UID_MAX) return { gid: Number(given) };
  if (GROUP_NAME.test(given)) return { name: given };
  throw new TypeError(`${option} must be a group's name or gid, not ${JSON.stringify(given)}`);
}

/** As the command line and the unit write it. */
export function groupText(group: GroupName): string {
  return 'gid' in group ? String(group.gid) : group.name;
}

/** Each group once, in the order first given. */
export function uniqueGroups(groups: readonly GroupName[]): GroupName[] {
  const seen = new Set<string>();
  return groups.filter((group) => {
    const key = 'gid' in group ? `#${group.gid}` : group.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The text of /etc/passwd and /etc/group, which say who belongs to which group. */
export interface AccountFiles {
  passwd: string;
  group: string;
}

export function readAccountFiles(): AccountFiles {
  return { passwd: readOptional('/etc/passwd') ?? '', group: readOptional('/etc/group') ?? '' };
}

/**
 * Whether `uid` belongs to one of `groups`: one whose gid is the user's
 * primary gid in /etc/passwd, or one whose member list in /etc/group names
 * the user. A uid that /etc/passwd does not name belongs to no group.
 */
export function isMemberOfAny(uid: number, groups: readonly GroupName[], files: AccountFiles): boolean {
  if (groups.length === 0) return false;
  const user = passwdEntries(files.passwd).find((account) => account.uid === uid);
  if (user === undefined) return false;
  const userName = user.name;
  const primaryGid = String(user.gid);
  const wanted = (name: string, gid: string): boolean =>
    groups.some((group) => ('gid' in group ? String(group.gid) === gid : group.name === name));
  for (const [name, , gid, members] of lines(files.group).filter((fields) => fields.length >= 4)) {
    if (!wanted(name, gid)) continue;
    if (gid === primaryGid || members.split(',').includes(userName)) return true;
  }
  // A gid given as a number needs no line in /etc/group to be someone's primary group.
  return groups.some((group) => 'gid' in group && String(group.gid) === primaryGid);
}

/** The lines of /etc/group, split into fields; comments and blank lines left out. */
function lines(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

/**
 * Who is admitted to what, in the words of the recorder's log and of
 * install: "admits root and the members of group wheel (every user's
 * deletions) and uid 1000 (their own processes' deletions)".
 */
export function describeAccess(allowUids: readonly number[], allowGroups: readonly GroupName[]): string {
  const groups = allowGroups.map((group) => `${'gid' in group ? 'gid' : 'group'} ${groupText(group)}`);
  const own = allowUids.filter((uid) => uid !== 0);
  const everyone =
    groups.length === 0 ? (own.length === 0 ? 'root only' : 'root') : `root and the members of ${groups.join(', ')}`;
  return `admits ${everyone} (every user's deletions)${own.length === 0 ? '' : ` and uid ${own.join(', ')} (their own processes' deletions)`}`;
}

// What a rename's row says in the Deletions view: where the file went, what it
// replaced, or what it was swapped with. Names are escaped as every name in the
// view is; a path below the user's home reads "~/…", as a shell shows it.
import { isAtOrBelow } from '../../common/directories';
import type { DeletionEvent } from '../../common/protocol';
import { escapeText, shownPath } from '../../common/shownText';
import { shownName } from './displayText';
import { askedToSwap, inSameFolder, type RenameRole } from './renameRows';

/** `path`, escaped, with `home` as "~" where the path is at or below it. */
export function homeShortened(path: string, pathBytes: string | undefined, home: string | undefined): string {
  const shown = shownPath({ path, pathBytes });
  if (home === undefined || home === '/' || !isAtOrBelow(path, home)) return shown;
  const shownHome = escapeText(home);
  return shown.startsWith(shownHome) ? `~${shown.slice(shownHome.length)}` : shown;
}

/** The rename's source, as the other name's row names it. */
export function shownSource(event: DeletionEvent, home: string | undefined): string {
  return homeShortened(event.path, event.pathBytes, home);
}

/** The rename's destination, as the source's row names it. */
export function shownDestination(event: DeletionEvent, home: string | undefined): string {
  return homeShortened(event.movedTo ?? '', event.movedToBytes, home);
}

/** The sentence a rename's row shows first in its description, after a failure's error. */
export function renameDescription(event: DeletionEvent, role: RenameRole, home: string | undefined): string {
  const sameFolder = inSameFolder(event);
  switch (role) {
    case 'swapped':
      return `swapped with ${sameFolder ? quotedName(event.movedTo!, event.movedToBytes) : shownDestination(event, home)}`;
    case 'replaced': {
      const certain = event.replaced === true;
      if (sameFolder)
        return `${certain ? 'saved over' : 'may have been saved over'} by ${quotedName(event.path, event.pathBytes)} (same folder)`;
      return `${certain ? 'replaced' : 'may have been replaced'} by ${shownSource(event, home)}`;
    }
    case 'movedAway': {
      if (event.result < 0)
        return `${askedToSwap(event) ? 'tried to swap with' : 'tried to move to'} ${shownDestination(event, home)}`;
      const over =
        event.replaced === true
          ? ', replacing the file there'
          : event.replacedUnknown === true
            ? ', may have replaced a file there'
            : '';
      return `moved to ${shownDestination(event, home)}${over}`;
    }
  }
}

function quotedName(path: string, pathBytes: string | undefined): string {
  return `“${shownName({ path, pathBytes })}”`;
}

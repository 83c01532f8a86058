// Whether this window has just installed or removed the recorder, for the
// parts of the extension that use it: after *Record Deletions Continuously…*
// a recorder answers on its socket (RECORDER_SOCKET_DEFAULT); after *Stop
// Recording Continuously* none does. A recorder installed or removed from
// elsewhere (a terminal, another window) is not announced here.
import * as vscode from 'vscode';

export type RecorderChange = 'installed' | 'uninstalled';

const changes = new vscode.EventEmitter<RecorderChange>();

/** Fires once install or uninstall has succeeded: 'installed' when the recorder now runs and serves its socket, 'uninstalled' when it no longer does. */
export const onDidChangeRecorder: vscode.Event<RecorderChange> = changes.event;

export function announceRecorderChange(change: RecorderChange): void {
  changes.fire(change);
}

// The identifiers package.json contributes, in one place for the code.
export const VIEW_ID = 'syscallTrace.deletions';
export const CONFIGURATION = 'syscallTrace';
/** Set while a helper is tracing; menus and welcome content depend on it. */
export const TRACING_CONTEXT_KEY = 'syscallTrace.tracing';
/** True while this window is connected to a recorder that admits its user: the view then shows history, and welcome content says so. */
export const RECORDER_CONTEXT_KEY = 'syscallTrace.recorder';

export const Commands = {
  start: 'syscallTrace.start',
  stop: 'syscallTrace.stop',
  clear: 'syscallTrace.clear',
  filterByWorkspaceFolder: 'syscallTrace.filterByWorkspaceFolder',
  groupBy: 'syscallTrace.groupBy',
  openParentDirectory: 'syscallTrace.openParentDirectory',
  revealInFileManager: 'syscallTrace.revealInFileManager',
  copyPath: 'syscallTrace.copyPath',
  copyCommandLine: 'syscallTrace.copyCommandLine',
  restoreFromGit: 'syscallTrace.restoreFromGit',
  focusTerminal: 'syscallTrace.focusTerminal',
  /** On a rename's row: opens the directory that holds its destination. */
  openNewLocation: 'syscallTrace.openNewLocation',
  export: 'syscallTrace.export',
  showLog: 'syscallTrace.showLog',
  /** How far back the recorder's history goes in the view (windowRecorder.ts). */
  timeRange: 'syscallTrace.timeRange',
  /** On a folder in the Explorer: the view narrowed to it. */
  showDeletionsHere: 'syscallTrace.showDeletionsHere',
  /** Installs the recorder, a root service that records every deletion (recordingCommands.ts). */
  recordContinuously: 'syscallTrace.recordContinuously',
  stopRecordingContinuously: 'syscallTrace.stopRecordingContinuously',
  /** Opens a directory given by path: the target of the tooltips' directory links. */
  openDirectory: 'syscallTrace.openDirectory',
} as const;

/** The only commands a tooltip may run. */
export const TOOLTIP_COMMANDS: readonly string[] = [Commands.openDirectory];

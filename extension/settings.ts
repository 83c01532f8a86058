// The `syscallTrace.*` settings, read with their defaults.
import * as vscode from 'vscode';

import { MODE_CHOICES, QUEUE_MIB_DEFAULT, QUEUE_MIB_MAX, RECORDER_SOCKET_DEFAULT, type ModeChoice } from '../common/protocol';
import type { ElevationSetting } from './launch/elevation';
import { CONFIGURATION } from './names';
import type { ScopeChoice } from './scope';
import type { Grouping } from './view/treeModel';

const MIB = 1024 * 1024;

export interface Settings {
  elevation: ElevationSetting;
  scope: ScopeChoice;
  groupBy: Grouping;
  maxEvents: number;
  /** syscallTrace.maxEventMemoryMiB, in bytes. */
  maxEventBytes: number;
  showFailed: boolean;
  /** syscallTrace.hideSameFolderReplaces: an editor's saves (x.tmp renamed over x) left out of the view. */
  hideSameFolderReplaces: boolean;
  /** Undefined: the helper's default mode ("complete"). */
  attachMode: ModeChoice | undefined;
  /** syscallTrace.queueMemoryMiB: the helper's --queue-mib, for the next helper started. */
  queueMib: number;
  /** syscallTrace.recorderSocket: where the recorder serves, if one runs. */
  recorderSocket: string;
}

export function readSettings(): Settings {
  const configuration = vscode.workspace.getConfiguration(CONFIGURATION);
  return {
    elevation: configuration.get<ElevationSetting>('elevation', 'auto'),
    scope: configuration.get<string>('scope', 'workspaceFolders') === 'system' ? { kind: 'system' } : { kind: 'workspaceFolders' },
    groupBy: configuration.get<Grouping>('groupBy', 'folder'),
    maxEvents: Math.max(1, Math.floor(configuration.get<number>('maxEvents', 100_000))),
    maxEventBytes: Math.max(1, Math.floor(configuration.get<number>('maxEventMemoryMiB', 256))) * MIB,
    showFailed: configuration.get<boolean>('showFailed', false),
    hideSameFolderReplaces: configuration.get<boolean>('hideSameFolderReplaces', false),
    attachMode: MODE_CHOICES.find((mode) => mode === configuration.get<string>('attachMode', 'complete')),
    queueMib: Math.min(QUEUE_MIB_MAX, Math.max(1, Math.floor(configuration.get<number>('queueMemoryMiB', QUEUE_MIB_DEFAULT)))),
    recorderSocket: configuration.get<string>('recorderSocket', RECORDER_SOCKET_DEFAULT) || RECORDER_SOCKET_DEFAULT,
  };
}

export function updateGrouping(grouping: Grouping): Thenable<void> {
  return vscode.workspace.getConfiguration(CONFIGURATION).update('groupBy', grouping, vscode.ConfigurationTarget.Global);
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(CONFIGURATION);
}

// The `syscallTrace.*` settings, read with their defaults (settingDefaults.ts).
import * as vscode from 'vscode';

import { MODE_CHOICES, QUEUE_MIB_MAX, type ModeChoice } from '../common/protocol';
import type { ElevationSetting } from './launch/elevation';
import { CONFIGURATION } from './names';
import type { ScopeChoice } from './scope';
import { SETTING_DEFAULTS, type SettingValues } from './settingDefaults';
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
  const setting = <K extends keyof SettingValues>(name: K): SettingValues[K] =>
    configuration.get<SettingValues[K]>(name, SETTING_DEFAULTS[name]);
  return {
    elevation: setting('elevation'),
    scope: setting('scope') === 'system' ? { kind: 'system' } : { kind: 'workspaceFolders' },
    groupBy: setting('groupBy'),
    maxEvents: Math.max(1, Math.floor(setting('maxEvents'))),
    maxEventBytes: Math.max(1, Math.floor(setting('maxEventMemoryMiB'))) * MIB,
    showFailed: setting('showFailed'),
    hideSameFolderReplaces: setting('hideSameFolderReplaces'),
    attachMode: MODE_CHOICES.find((mode) => mode === setting('attachMode')),
    queueMib: Math.min(QUEUE_MIB_MAX, Math.max(1, Math.floor(setting('queueMemoryMiB')))),
    // An empty setting means the default too.
    recorderSocket: setting('recorderSocket') || SETTING_DEFAULTS.recorderSocket,
  };
}

export function updateGrouping(grouping: Grouping): Thenable<void> {
  return vscode.workspace
    .getConfiguration(CONFIGURATION)
    .update('groupBy', grouping, vscode.ConfigurationTarget.Global);
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(CONFIGURATION);
}

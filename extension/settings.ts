// The `syscallTrace.*` settings, read with their defaults.
import * as vscode from 'vscode';

import { MODE_CHOICES, type ModeChoice } from '../common/protocol';
import type { ElevationSetting } from './elevation';
import { CONFIGURATION } from './names';
import type { ScopeChoice } from './scope';
import type { Grouping } from './treeModel';

export interface Settings {
  elevation: ElevationSetting;
  scope: ScopeChoice;
  groupBy: Grouping;
  maxEvents: number;
  showFailed: boolean;
  /** Undefined: the helper's default mode ("complete"). */
  attachMode: ModeChoice | undefined;
}

export function readSettings(): Settings {
  const configuration = vscode.workspace.getConfiguration(CONFIGURATION);
  return {
    elevation: configuration.get<ElevationSetting>('elevation', 'auto'),
    scope: configuration.get<string>('scope', 'workspaceFolders') === 'system' ? { kind: 'system' } : { kind: 'workspaceFolders' },
    groupBy: configuration.get<Grouping>('groupBy', 'folder'),
    maxEvents: Math.max(1, Math.floor(configuration.get<number>('maxEvents', 100_000))),
    showFailed: configuration.get<boolean>('showFailed', false),
    attachMode: MODE_CHOICES.find((mode) => mode === configuration.get<string>('attachMode', 'complete')),
  };
}

export function updateGrouping(grouping: Grouping): Thenable<void> {
  return vscode.workspace.getConfiguration(CONFIGURATION).update('groupBy', grouping, vscode.ConfigurationTarget.Global);
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(CONFIGURATION);
}

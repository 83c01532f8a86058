// The defaults of the `syscallTrace.*` settings, for the code: package.json's
// contributes.configuration declares them for VS Code, and a unit test
// (test/unit/extension/settingDefaults.test.ts) fails where the two disagree.
// Those the helper shares (the attach mode, the queue, the recorder's socket)
// are the protocol module's own constants. No vscode import, so that the test
// can read it.
import { DEFAULT_MODE_CHOICE, QUEUE_MIB_DEFAULT, RECORDER_SOCKET_DEFAULT } from '../common/protocol';
import type { ElevationSetting } from './launch/elevation';
import type { Grouping } from './view/treeModel';

/** Each setting by its name under `syscallTrace.`, as settings.json holds it. */
export interface SettingValues {
  elevation: ElevationSetting;
  scope: string;
  groupBy: Grouping;
  maxEvents: number;
  maxEventMemoryMiB: number;
  showFailed: boolean;
  hideSameFolderReplaces: boolean;
  attachMode: string;
  queueMemoryMiB: number;
  recorderSocket: string;
}

export const SETTING_DEFAULTS: Readonly<SettingValues> = {
  elevation: 'auto',
  scope: 'workspaceFolders',
  groupBy: 'folder',
  maxEvents: 100_000,
  maxEventMemoryMiB: 256,
  showFailed: false,
  hideSameFolderReplaces: false,
  attachMode: DEFAULT_MODE_CHOICE,
  queueMemoryMiB: QUEUE_MIB_DEFAULT,
  recorderSocket: RECORDER_SOCKET_DEFAULT,
};

// The extension's side of the helper, with no VS Code: it starts the real
// helper as the extension host does (root: directly, on this runtime), speaks
// JSON-RPC to it, and fills the store the Deletions view is drawn from.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DeletionStore } from '../../../extension/view/deletionStore';
import type { HelperConnection } from '../../../extension/launch/helperConnection';
import { launchHelper } from '../../../extension/launch/helperLauncher';
import { buildTree, children } from '../../../extension/view/treeModel';
import type { AttachMode, ModeChoice } from '../../../common/protocol';
import { HELPER_BUNDLE, modeChoiceOf } from '../../support/helperServer';
import { makeScratchDirectory, makeTree, removeScratchDirectory } from '../../support/scratch';

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) throw new Error(`waited 10 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the extension’s helper client', () => {
  let scratch: string;
  let store: DeletionStore;
  let helper: HelperConnection | undefined;
  const log: string[] = [];

  const launch = (attachMode?: ModeChoice | AttachMode) =>
    launchHelper({
      setting: 'auto',
      facts: { isRoot: process.getuid?.() === 0, polkitAgentRunning: false },
      runtime: { execPath: process.execPath, helperScript: HELPER_BUNDLE },
      askSudoPassword: () => Promise.resolve(undefined),
      listener: { onDeletions: (events) => store.add(events), onLost: (lost) => store.addLost(lost) },
      attachMode: attachMode && modeChoiceOf(attachMode),
      log: (line) => log.push(line),
    });

  beforeEach(() => {
    scratch = makeScratchDirectory();
    store = new DeletionStore({ maxEvents: 1000 });
  });
  afterEach(async () => {
    await helper?.close();
    helper = undefined;
    removeScratchDirectory(scratch);
  });

  it('starts the helper, and deletions in the workspace folder reach the view', async () => {
    helper = await launch();
    expect(helper.info.pid).toBe(helper.helper.child.pid);
    await helper.start({ paths: [scratch] }, true);
    makeTree(scratch, ['src/a.ts', 'src/b.ts']);
    fs.rmSync(path.join(scratch, 'src'), { recursive: true });

    await until(
      () => store.oldestFirst().some(({ event }) => event.path === `${scratch}/src` && event.result === 0),
      'the directory’s deletion',
    );
    const tree = buildTree(store, {
      grouping: 'folder',
      folders: [{ name: 'work', path: scratch, aliases: [scratch] }],
      filter: { show: 'workspaceFolders' },
      showFailed: false,
    });
    const [folder] = tree.roots;
    expect(folder).toMatchObject({ kind: 'workspaceFolder', count: 3 });
    expect(children(children(folder)[0]).map((node) => node.kind === 'deletion' && node.deletion.event.path)).toEqual([
      `${scratch}/src/a.ts`,
      `${scratch}/src/b.ts`,
    ]);
  });

  it('starts the helper in the attach mode the setting names, and learns the mode in use', async () => {
    helper = await launch('tracepoint');
    expect(helper.info.attachMode).toBe('tracepoint');
    await helper.start({ paths: [scratch] }, false);
    makeTree(scratch, ['file']);
    fs.rmSync(path.join(scratch, 'file'));
    await until(() => store.size === 1, 'a deletion traced in tracepoint mode');
  });

  it('follows a new scope without restarting', async () => {
    helper = await launch();
    makeTree(scratch, ['one/x', 'two/y']);
    await helper.start({ paths: [path.join(scratch, 'one')] }, false);
    await helper.setScope({ paths: [path.join(scratch, 'two')] });
    fs.rmSync(path.join(scratch, 'one/x'));
    fs.rmSync(path.join(scratch, 'two/y'));
    await until(() => store.size >= 1, 'a deletion');
    await helper.stats(); // a round trip: what the helper sent before answering has arrived
    expect(store.oldestFirst().map(({ event }) => event.path)).toEqual([`${scratch}/two/y`]);
  });

  it('stops the helper cleanly: it exits with status 0', async () => {
    helper = await launch();
    await helper.start('system', false);
    const stats = await helper.close();
    expect(stats).toMatchObject({ lost: 0 });
    expect(await helper.helper.exited).toEqual({ code: 0, signal: null });
    helper = undefined;
  });

  it('notices a helper that dies, and can start another', async () => {
    helper = await launch();
    await helper.start('system', false);
    process.kill(helper.helper.child.pid!, 'SIGKILL');
    expect(await helper.helper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    helper = await launch();
    await helper.start({ paths: [scratch] }, false);
    makeTree(scratch, ['again']);
    fs.rmSync(path.join(scratch, 'again'));
    await until(() => store.size === 1, 'a deletion after the restart');
  });
});

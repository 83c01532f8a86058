// What package.json must declare for the view's renames: the setting that hides
// an editor's saves, and the command that opens where a file went, on the rows
// that name a destination.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { Commands, CONFIGURATION } from '../../../extension/names';

interface Manifest {
  contributes: {
    configuration: { properties: Record<string, { type: string; default: unknown }> };
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
  };
}

const manifest = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
) as Manifest;

describe('package.json for renames', () => {
  it('declares syscallTrace.hideSameFolderReplaces, off unless turned on', () => {
    expect(manifest.contributes.configuration.properties[`${CONFIGURATION}.hideSameFolderReplaces`]).toMatchObject({
      type: 'boolean',
      default: false,
    });
  });

  it('offers Open New Location on the rows of renames only, and not in the command palette', () => {
    expect(manifest.contributes.commands.map((command) => command.command)).toContain(Commands.openNewLocation);
    const onItems = manifest.contributes.menus['view/item/context'].filter(
      (item) => item.command === Commands.openNewLocation,
    );
    expect(onItems.map((item) => item.when)).toEqual(['view == syscallTrace.deletions && viewItem =~ /\\bmoved\\b/']);
    expect(manifest.contributes.menus.commandPalette).toContainEqual({
      command: Commands.openNewLocation,
      when: 'false',
    });
  });
});

// The settings' defaults are written twice: in package.json for VS Code, and
// in extension/settingDefaults.ts for the code. This test keeps them the same.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CONFIGURATION } from '../../../extension/names';
import { SETTING_DEFAULTS } from '../../../extension/settingDefaults';

interface Manifest {
  contributes: { configuration: { properties: Record<string, { default: unknown }> } };
}

const manifest = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
) as Manifest;

/** package.json's defaults, by the setting's name under `syscallTrace.`. */
function manifestDefaults(): Record<string, unknown> {
  const prefix = `${CONFIGURATION}.`;
  return Object.fromEntries(
    Object.entries(manifest.contributes.configuration.properties).map(([key, property]) => {
      expect(key.startsWith(prefix), key).toBe(true);
      return [key.slice(prefix.length), property.default];
    }),
  );
}

describe('the settings’ defaults', () => {
  it('are those package.json declares, for every setting it declares', () => {
    expect(SETTING_DEFAULTS).toEqual(manifestDefaults());
  });
});

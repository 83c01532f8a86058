// Node's inspector runs whatever code a debugger sends it, and it listens on
// 127.0.0.1:9229, which every account of the machine can reach. Node opens it
// when the process receives SIGUSR1 (all that process._debugProcess() does),
// and at its start where --inspect or one of its kin is among its options or
// in NODE_OPTIONS. The helper holds root's BPF programs and the recorder keeps
// uid 0, so no inspector may ever open in either (docs/privileges.md,
// "Privileges"): closedInspector.ts refuses one at the start and takes
// SIGUSR1 away from Node, and loadThenDrop.ts looks once more after the drop.

/** The options that open the inspector, or set the port SIGUSR1 would open it on: --inspect, --inspect-brk, --inspect-port, --debug-port, ... */
const INSPECTOR_OPTION = /^--(inspect|debug-port)([-=]|$)/;

/** The first option among Node's own or in NODE_OPTIONS that asks for the inspector; undefined where none does. */
export function inspectorOptionOf(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  // Node lets NODE_OPTIONS quote its words; the quotes are no part of an option's name.
  const fromEnvironment = (nodeOptions ?? '').split(/\s+/).map((word) => word.replaceAll('"', ''));
  return [...execArgv, ...fromEnvironment].find((word) => INSPECTOR_OPTION.test(word));
}

/** Where the inspector listens, if it is open. */
export function openInspectorUrl(): string | undefined {
  try {
    // Required here, not imported: a Node built without the inspector has no such module, and no inspector to open.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    return (require('node:inspector') as typeof import('node:inspector')).url();
  } catch {
    return undefined;
  }
}

/** Why the helper must not go on, given what opened or asked for the inspector. */
export function inspectorRefusal(what: string): string {
  return `Node's inspector is ${what}, and every account of this machine could connect to it and run code with the helper’s privileges`;
}

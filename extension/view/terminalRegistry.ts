// The integrated terminals (tasks run in them too) with their shells' pids,
// kept current as terminals open and close, so that a deletion can be matched
// to its terminal without waiting on each terminal's processId.
import * as vscode from 'vscode';

import type { DeletionEvent } from '../../common/protocol';
import { terminalOf, type TerminalInfo } from './terminals';

interface KnownTerminal extends TerminalInfo {
  terminal: vscode.Terminal;
}

export class TerminalRegistry implements vscode.Disposable {
  private known: KnownTerminal[] = [];
  private readonly subscriptions: vscode.Disposable[];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor() {
    this.subscriptions = [
      vscode.window.onDidOpenTerminal((terminal) => void this.add(terminal)),
      vscode.window.onDidCloseTerminal((terminal) => {
        this.known = this.known.filter((known) => known.terminal !== terminal);
        this.changed.fire();
      }),
      this.changed,
    ];
    for (const terminal of vscode.window.terminals) void this.add(terminal);
  }

  /** The terminal the deleting process ran in, if any. */
  terminalOf(event: DeletionEvent): vscode.Terminal | undefined {
    return terminalOf(event, this.known)?.terminal;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private async add(terminal: vscode.Terminal): Promise<void> {
    const pid = await terminal.processId;
    if (pid === undefined || !vscode.window.terminals.includes(terminal)) return;
    this.known.push({ terminal, name: terminal.name, pid });
    this.changed.fire();
  }
}

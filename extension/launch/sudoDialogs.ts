// The two questions sudo's password conversation asks in VS Code
// (helperStartup.ts): the password box, asked before sudo starts so that a
// cancel costs no attempt, and the offer to type it again after a refusal.
import * as vscode from 'vscode';

/** `why`: what root is needed for, the start of the box's prompt: "Loading the BPF programs needs root." */
export function askSudoPassword(why: string): Promise<string | undefined> {
  return Promise.resolve(
    vscode.window.showInputBox({
      title: 'Syscall Trace: sudo password',
      prompt: `${why} Your password goes to sudo only; it is neither logged nor kept.`,
      password: true,
      ignoreFocusOut: true,
    }),
  );
}

/** Shown at once, while sudo waits at its next prompt: Try Again types into the same sudo. */
export async function offerSudoRetry(): Promise<boolean> {
  return (
    (await vscode.window.showWarningMessage('Syscall Trace: sudo did not accept the password.', 'Try Again')) ===
    'Try Again'
  );
}

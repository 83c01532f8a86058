// Shows the kernel the traced folders, so that it sends no deletion it can
// tell is out of scope (docs/path-resolution.md, "Scope in the kernel"). The kernel
// knows a folder by its dentry: this opens each folder (O_PATH) and keeps it
// open, which keeps that dentry alive and its address its own, and the
// addon shows it to the kernel through a deletion that cannot succeed, of
// the empty name in the folder. Where a folder cannot be opened (it does not
// exist yet, or the helper, no longer root, may not reach it) or there are
// more folders than the kernel keeps, the kernel sends everything and user
// space alone filters, as it always also does.
import * as fs from 'node:fs';

import type { DeletionPrograms } from '../native';
import { messageOf } from '../../common/errors';

/** Linux's O_PATH (the same on x86_64 and arm64), which node's fs.constants leaves out: a handle on the folder, nothing read. */
const O_PATH = 0o10000000;

/** SCOPE_DIRECTORIES_MAX in bpf/deletions.h. */
export const KERNEL_SCOPE_DIRECTORIES_MAX = 16;

export type KernelScopeOutcome = { active: true } | { active: false; why: string };

export class KernelScope {
  private openFolders: number[] = [];

  /** Clears the kernel's scope, then shows it `folders` (undefined: the whole system, nothing to filter). */
  teach(programs: DeletionPrograms, folders: readonly string[] | undefined): KernelScopeOutcome {
    programs.clearScope();
    this.closeFolders();
    if (folders === undefined) return { active: false, why: 'the whole system is traced' };
    if (folders.length > KERNEL_SCOPE_DIRECTORIES_MAX) {
      return { active: false, why: `more than ${KERNEL_SCOPE_DIRECTORIES_MAX} folders` };
    }
    try {
      for (const folder of folders) this.openFolders.push(fs.openSync(folder, O_PATH | fs.constants.O_DIRECTORY));
    } catch (error) {
      this.closeFolders();
      return { active: false, why: messageOf(error) };
    }
    const learned = programs.learnScope(this.openFolders);
    if (learned !== this.openFolders.length) {
      programs.clearScope();
      this.closeFolders();
      return { active: false, why: `the kernel learned ${learned} of ${folders.length} folders` };
    }
    return { active: true };
  }

  /** Lets go of the folders; the kernel's scope must be cleared (or the programs closed) first. */
  closeFolders(): void {
    for (const fd of this.openFolders) fs.closeSync(fd);
    this.openFolders = [];
  }
}

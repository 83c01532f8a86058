// The VS Code workbench in Debian's Chromium, driven through what a person
// sees and does: the command palette, tree rows found by their text, hovers,
// the Explorer's selection, the status bar. Selectors are VS Code's own
// accessibility roles and labels where it has them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { findRepoRoot } from '../../../tools/repoRoot';

const CHROMIUM = '/usr/bin/chromium';
/** Headless, offline, and nothing that would phone home or wait for a GPU. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long a context menu ignores clicks after it is drawn (VS Code's menu widget), and a little more. */
const MENU_ARMING_MS = 300;

export const SCREENSHOTS_DIR = path.join(findRepoRoot(), 'test-results', 'e2e');

export class Workbench {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  /**
   * Opens the workbench at `url`, logging in to code-server with `password`
   * on the way as a person would, and waits until it has laid itself out.
   */
  static async open(url: string, password: string): Promise<Workbench> {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(url);
      await logIn(page, password);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // The Explorer is drawn once the workspace's folders are resolved.
      await page.locator('.part.sidebar .composite').first().waitFor({ timeout: 60_000 });
      return new Workbench(browser, page);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /**
   * F1, the command's title, Enter — once the palette offers exactly that
   * command first. The palette lists the commands known when it opened, and an
   * extension's commands arrive when its host has started: until the command
   * is offered, the palette is closed and opened again.
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.page.keyboard.press('F1');
      await this.quickInput.waitFor();
      await this.page.keyboard.type(title);
      try {
        await this.pressEnterOn(title, Math.min(3_000, Math.max(deadline - Date.now(), 1)));
        return;
      } catch (error) {
        await this.page.keyboard.press('Escape');
        await this.quickInput.waitFor({ state: 'hidden' });
        if (Date.now() >= deadline) throw new Error(`the command palette does not offer "${title}"`, { cause: error });
      }
    }
  }

  /** In an open quick pick (a command's choices), picks the item labelled `label`. */
  async pickQuickItem(label: string): Promise<void> {
    await this.quickInput.waitFor();
    await this.page.keyboard.type(label);
    await this.pressEnterOn(label);
  }

  /** A tree view (a contributed view, or VS Code's own) by the name it is announced with. */
  tree(name: string): Locator {
    return this.page.locator(`[role="tree"][aria-label="${name}"]`);
  }

  /** The tree's row whose text is `text`, or matches it. */
  treeItem(tree: Locator, text: string | RegExp): Locator {
    const label = typeof text === 'string' ? new RegExp(`^${escapeRegExp(text)}$`) : text;
    return tree
      .locator('[role="treeitem"]')
      .filter({ has: this.page.locator('.label-name').filter({ hasText: label }) });
  }

  /** The description a tree row shows after its label ("3 deletions", "rm (42) · just now"). */
  async rowDescription(row: Locator): Promise<string> {
    const description = row.locator('.label-description');
    return (await description.count()) > 0 ? (await description.first().innerText()).trim() : '';
  }

  /** Expands a collapsed tree row; leaves an expanded one as it is. */
  async expand(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    await row.and(this.page.locator('[aria-expanded="true"]')).waitFor();
  }

  /** The Files Explorer's tree. */
  get explorer(): Locator {
    return this.tree('Files Explorer');
  }

  /** The name of the Explorer's selected row, or undefined when nothing is selected. */
  async explorerSelection(): Promise<string | undefined> {
    const selected = this.explorer.locator('[role="treeitem"][aria-selected="true"]');
    if ((await selected.count()) === 0) return undefined;
    return (await selected.first().getAttribute('aria-label')) ?? undefined;
  }

  /**
   * Hovers over `target` (a tree row: its name) and returns the text of the
   * hover that appears. A view that redraws its rows under a resting pointer
   * drops the pending hover, as it would for a person: then the pointer moves
   * off and back.
   */
  async hoverText(target: Locator, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.dismissHover();
      await target.waitFor({ timeout: Math.max(deadline - Date.now(), 1) });
      // A tree row's hover belongs to its name, not to the whole row.
      const label = target.locator('.label-name');
      await ((await label.count()) > 0 ? label.first() : target).hover();
      try {
        await this.hover.waitFor({ timeout: Math.min(2_500, Math.max(deadline - Date.now(), 1)) });
        return await this.hover.innerText();
      } catch (error) {
        if (Date.now() >= deadline) throw new Error('no hover appeared', { cause: error });
      }
    }
  }

  /** The hover shown now (hidden when there is none). */
  get hover(): Locator {
    return this.page.locator('.workbench-hover').filter({ visible: true });
  }

  /** Moves the pointer away and closes the hover, so that the next one is new. */
  async dismissHover(): Promise<void> {
    await this.page.mouse.move(0, 0);
    if ((await this.hover.count()) === 0) return;
    // A hover that was clicked into stays until Escape; one that was not closes as the pointer leaves.
    await this.hover.waitFor({ state: 'detached', timeout: 2_000 }).catch(() => this.page.keyboard.press('Escape'));
    await this.hover.waitFor({ state: 'detached' });
  }

  /** The status-bar entry whose text matches `text`. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: text });
  }

  /** Syscall Trace's entry in the status bar: its icon says whether it traces, its text how many deletions it holds. */
  get deletionCount(): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar [id$="syscallTrace.count"]');
  }

  /** *Syscall Trace: Start Tracing Deletions* from the palette; returns once the status bar shows it tracing. */
  async startTracing(): Promise<void> {
    await this.runCommand('Syscall Trace: Start Tracing Deletions');
    await this.deletionCount.locator('.codicon-trash').waitFor();
  }

  /** The quick input (an input box, a pick) titled `title`, while it is shown. */
  quickInputTitled(title: string): Locator {
    return this.quickInput
      .filter({ visible: true })
      .filter({ has: this.page.locator('.quick-input-title', { hasText: title }) });
  }

  /** The notification shown in the corner whose message contains `text`. */
  notification(text: string | RegExp): Locator {
    return this.page
      .locator('.notifications-toasts .notification-toast')
      .filter({ visible: true })
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: text }) });
  }

  /** Closes a notification with its × (Clear Notification), as a person dismisses it. */
  async closeNotification(notification: Locator): Promise<void> {
    // Its toolbar shows while the pointer is over it.
    await notification.hover();
    await notification.locator('.codicon-notifications-clear').click();
    await notification.waitFor({ state: 'detached' });
  }

  /** The modal dialog shown now (a `{ modal: true }` message) whose text contains `text`. */
  dialog(text: string | RegExp): Locator {
    return this.page.locator('.monaco-dialog-box').filter({ visible: true }).filter({ hasText: text });
  }

  /** Clicks the button labelled `label` in the modal dialog `dialog`, and waits for the dialog to close. */
  async answerDialog(dialog: Locator, label: string): Promise<void> {
    await dialog.getByRole('button', { name: label, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** Opens `target`'s context menu (a right click on its name, as a person does) and runs the item labelled `item`. */
  async runContextMenuItem(target: Locator, item: string): Promise<void> {
    const label = target.locator('.label-name');
    await ((await label.count()) > 0 ? label.first() : target).click({ button: 'right' });
    // The workbench draws its menus in a shadow root of their own; role selectors reach into it.
    const entry = this.page.getByRole('menuitem', { name: item });
    await entry.waitFor();
    // A menu item takes clicks only 100 ms after the menu is drawn, so that
    // the release of the right button that opened it runs nothing; a person
    // is never quicker than that.
    await entry.hover();
    await this.page.waitForTimeout(MENU_ARMING_MS);
    await entry.click();
    await entry.waitFor({ state: 'detached' });
  }

  /** *Developer: Reload Window*, as a person runs it; returns once the reloaded workbench has laid itself out. */
  async reloadWindow(): Promise<void> {
    await Promise.all([
      this.page.waitForEvent('load', { timeout: 60_000 }),
      this.runCommand('Developer: Reload Window'),
    ]);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.sidebar .composite').first().waitFor({ timeout: 60_000 });
  }

  /** The page, as a person would see it now: test-results/e2e/<name>.png. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    const file = path.join(SCREENSHOTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async pressEnterOn(label: string, timeoutMs?: number): Promise<void> {
    const focused = this.quickInput.locator('.monaco-list-row.focused .label-name');
    await focused.filter({ hasText: new RegExp(`^${escapeRegExp(label)}$`) }).waitFor({ timeout: timeoutMs });
    await this.page.keyboard.press('Enter');
  }
}

/**
 * code-server sends a browser without its session cookie to its login page,
 * which returns to the page asked for once the password is accepted. A wrong
 * password keeps the login page, with the reason in `.error`.
 */
async function logIn(page: Page, password: string): Promise<void> {
  const passwordBox = page.locator('input[type="password"]');
  await passwordBox.waitFor({ timeout: 30_000 });
  await passwordBox.fill(password);
  await page.locator('input[type="submit"]').click();
  const refused = page.locator('.login-form .error');
  const workbench = page.locator('.monaco-workbench');
  await refused.or(workbench).first().waitFor({ timeout: 60_000 });
  if (await refused.isVisible()) throw new Error(`code-server refused the login: ${await refused.innerText()}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

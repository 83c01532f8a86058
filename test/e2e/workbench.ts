// The VS Code workbench in Debian's Chromium, driven through what a person
// sees and does: the command palette, tree rows found by their text, hovers,
// the Explorer's selection, the status bar. Selectors are VS Code's own
// accessibility roles and labels where it has them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

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

export const SCREENSHOTS_DIR = path.join(findRepoRoot(), 'test-results', 'e2e');

export class Workbench {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  /** Opens the workbench at `url` and waits until it has laid itself out. */
  static async open(url: string): Promise<Workbench> {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(url);
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

  /** F1, the command's title, Enter — once the palette offers exactly that command first. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor();
    await this.page.keyboard.type(title);
    await this.pressEnterOn(title);
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
    return tree.locator('[role="treeitem"]').filter({ has: this.page.locator('.label-name').filter({ hasText: label }) });
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

  /** Hovers over `target` (a tree row: its label) and returns the text of the hover that appears. */
  async hoverText(target: Locator): Promise<string> {
    await this.page.mouse.move(0, 0);
    // VS Code attaches a tree row's hover to its label, not to the whole row.
    const label = target.locator('.monaco-icon-label');
    await ((await label.count()) > 0 ? label.first() : target).hover();
    const hover = this.page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).last();
    await hover.waitFor();
    return hover.innerText();
  }

  /** The status-bar entry whose text matches `text`. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: text });
  }

  /** The page, as a person would see it now: test-results/e2e/<name>.png. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async pressEnterOn(label: string): Promise<void> {
    const focused = this.quickInput.locator('.monaco-list-row.focused .label-name');
    await focused.filter({ hasText: new RegExp(`^${escapeRegExp(label)}$`) }).waitFor();
    await this.page.keyboard.press('Enter');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function findRepoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}

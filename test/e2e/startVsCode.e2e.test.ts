// `npm start` serves a VS Code that runs as whoever started it — root, here —
// on 127.0.0.1, which every local user can reach: without the password it
// prints, nobody may get the workbench (and so a root terminal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWith } from '../support/e2e/helperProcesses';
import { NpmStartVsCode } from '../support/e2e/npmStartVsCode';

const SESSION_COOKIE = 'code-server-session';

/** What only the workbench page has: VS Code's web workbench script. */
function isWorkbench(body: string): boolean {
  return /workbench\.js|vscode-workbench/.test(body);
}

describe('npm start', () => {
  let started: NpmStartVsCode;
  let url: string;
  let password: string;

  beforeAll(async () => {
    ({ started, url, password } = await NpmStartVsCode.start());
  });

  afterAll(async () => {
    if (!started) return;
    const { leftOver } = await started.stop();
    expect(leftOver, 'processes still running 15 s after SIGTERM to npm start').toEqual([]);
  });

  it('prints a password that no process has on its command line', async () => {
    expect(password).toMatch(/^\S{16,}$/);
    expect(processesWith(password)).toEqual([]);
  });

  it('sends a browser without a session to the login page, not to the workbench', async () => {
    const origin = new URL(url).origin;
    for (const target of [`${origin}/`, url]) {
      const response = await fetch(target, { redirect: 'manual' });
      const body = await response.text();
      expect(response.status, target).toBe(302);
      expect(response.headers.get('location'), target).toMatch(/(^|\/)login(\?|$)/);
      expect(isWorkbench(body), target).toBe(false);
    }
    const login = await fetch(`${origin}/login`);
    const page = await login.text();
    expect(login.status).toBe(200);
    expect(page).toContain('type="password"');
    expect(isWorkbench(page)).toBe(false);
  });

  it('refuses a wrong password', async () => {
    const response = await logIn(url, `${password}x`);
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(await response.text()).toContain('Incorrect password');
  });

  it('serves the workbench after a login with the printed password', async () => {
    const response = await logIn(url, password);
    expect(response.status).toBe(302);
    const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    expect(session).toBeDefined();

    const workbench = await fetch(url, { headers: { cookie: session!.split(';')[0] }, redirect: 'manual' });
    expect(workbench.status).toBe(200);
    expect(isWorkbench(await workbench.text())).toBe(true);
  });
});

/** code-server's login form, posted as the browser posts it. */
function logIn(url: string, password: string): Promise<Response> {
  const origin = new URL(url).origin;
  return fetch(`${origin}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password, base: '.', href: `${origin}/login` }).toString(),
    redirect: 'manual',
  });
}

// Installs code-server, a real VS Code (server and web workbench) from the npm
// registry, into a cache outside the checkout. Its own postinstall cannot run
// here: it downloads ripgrep from GitHub and prebuilt argon2 binaries. So the
// package is installed without scripts and its native modules are built from
// source against this machine's Node, with Debian's ripgrep in place of the
// downloaded one.
//
// Needs (Debian): libkrb5-dev (the kerberos module), ripgrep, and a C++
// toolchain with Python for node-gyp.
//
// `npm run setup:code-server` runs it (setupCodeServer.ts); `npm start` and
// the e2e tests call it too.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

const FINISHED_MARKER = '.installed';
const DEBIAN_RIPGREP = '/usr/bin/rg';

/** `${XDG_CACHE_HOME:-~/.cache}/syscall-trace/code-server-<version>` */
export function codeServerDir(version = CODE_SERVER_VERSION): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'syscall-trace', `code-server-${version}`);
}

/** The script that starts code-server: `node <entry> [options] [folder]`. */
export function codeServerEntry(version = CODE_SERVER_VERSION): string {
  return entryScriptIn(codeServerDir(version));
}

export function isCodeServerInstalled(version = CODE_SERVER_VERSION): boolean {
  return isInstalledIn(codeServerDir(version));
}

/**
 * The entry script of the install in `installDir` — the cache directory, or
 * the same files seen elsewhere (a test that runs code-server as another user
 * mounts the cache where that user can read it).
 */
export function entryScriptIn(installDir: string): string {
  return path.join(installDir, 'package', 'out', 'node', 'entry.js');
}

export function isInstalledIn(installDir: string): boolean {
  return fs.existsSync(path.join(installDir, FINISHED_MARKER));
}

/**
 * Installs code-server unless a finished install is in the cache; an install
 * that did not finish is removed and redone. Returns the entry script.
 */
export function installCodeServer(
  version = CODE_SERVER_VERSION,
  log: (line: string) => void = (line) => console.log(line),
): string {
  const dir = codeServerDir(version);
  if (isCodeServerInstalled(version)) return codeServerEntry(version);

  checkPrerequisites();
  const started = Date.now();
  const step = (what: string) => log(`[code-server ${version}] ${what} (${elapsed(started)})`);

  if (fs.existsSync(dir)) {
    step(`removing the unfinished install in ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });

  step('fetching the package from the npm registry');
  const tarball = run('npm', ['pack', `code-server@${version}`, '--silent'], dir)
    .trim()
    .split('\n')
    .pop()!;
  run('tar', ['-xzf', tarball], dir);
  fs.rmSync(path.join(dir, tarball));
  const pkg = path.join(dir, 'package');
  const vscode = path.join(pkg, 'lib', 'vscode');

  step('installing code-server dependencies');
  npmInstall(pkg);
  step('installing VS Code server dependencies');
  npmInstall(vscode);
  step("installing the built-in extensions' dependencies");
  npmInstall(path.join(vscode, 'extensions'));

  for (const module of nativeModules(path.join(vscode, 'node_modules'))) {
    step(`building ${path.relative(vscode, module)}`);
    run(process.execPath, [nodeGyp(), 'rebuild'], module);
  }

  step('building argon2 (password hashing) from source');
  const argon2 = path.join(pkg, 'node_modules', 'argon2');
  run(process.execPath, [nodePreGyp(pkg), 'rebuild', '--build-from-source'], argon2);

  step(`using ${DEBIAN_RIPGREP} as VS Code's search engine`);
  const ripgrepBin = path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(ripgrepBin, { recursive: true });
  fs.copyFileSync(DEBIAN_RIPGREP, path.join(ripgrepBin, 'rg'));
  fs.chmodSync(path.join(ripgrepBin, 'rg'), 0o755);

  // VS Code's server loads its modules from node_modules.asar when that exists
  // as a path; the unpacked folder serves the same files.
  fs.symlinkSync('node_modules', path.join(vscode, 'node_modules.asar'));

  fs.writeFileSync(path.join(dir, FINISHED_MARKER), `${version}\n`);
  step(`installed in ${dir}`);
  return codeServerEntry(version);
}

function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!fs.existsSync(DEBIAN_RIPGREP)) missing.push('ripgrep');
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (missing.length > 0) {
    throw new Error(`code-server needs Debian packages that are missing: apt-get install ${missing.join(' ')}`);
  }
}

function npmInstall(cwd: string): void {
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], cwd);
}

/** Every package directly under node_modules (scoped ones too) with a binding.gyp. */
function nativeModules(nodeModules: string): string[] {
  const packages: string[] = [];
  for (const name of fs.readdirSync(nodeModules)) {
    if (name.startsWith('@')) {
      for (const scoped of fs.readdirSync(path.join(nodeModules, name)))
        packages.push(path.join(nodeModules, name, scoped));
    } else {
      packages.push(path.join(nodeModules, name));
    }
  }
  return packages.filter((dir) => fs.existsSync(path.join(dir, 'binding.gyp'))).sort();
}

function nodeGyp(): string {
  return require.resolve('node-gyp/bin/node-gyp.js');
}

function nodePreGyp(pkg: string): string {
  return require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', {
    paths: [path.join(pkg, 'node_modules', 'argon2')],
  });
}

/**
 * node-gyp and node-pre-gyp build against Node's headers, which they would
 * download unless told where the installed ones are (Debian: /usr/include/node).
 */
function buildEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = prefix;
  }
  return env;
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      env: buildEnvironment(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${output}`, { cause: error });
  }
}

export function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

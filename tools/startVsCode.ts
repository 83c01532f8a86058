// `npm start` after the build: VS Code with Syscall Trace, opened on this
// repository. The desktop VS Code loads the extension from the source tree
// where `code` is installed; otherwise code-server serves a real VS Code in
// the browser, with the packaged extension installed, on 127.0.0.1:8080
// (PORT), behind a password made for this start and printed beside the
// address. Its state (layout, settings, the installed extension) is kept in
// build/code-server, or where SYSCALL_TRACE_CODE_SERVER_STATE says.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CodeServer } from './codeServer';
import { installCodeServer } from './installCodeServer';
import { packagedExtension } from './packagedExtension';
import { findRepoRoot } from './repoRoot';

const PORT = Number(process.env.PORT ?? 8080);

async function main(): Promise<void> {
  const repo = findRepoRoot();
  if (hasDesktopVsCode()) {
    console.log('Opening VS Code with Syscall Trace loaded from this repository.');
    spawn('code', [`--extensionDevelopmentPath=${repo}`, repo], { stdio: 'inherit' }).on('exit', (status) =>
      process.exit(status ?? 0),
    );
    return;
  }

  installCodeServer();
  const server = await CodeServer.start({
    open: repo,
    vsix: packagedExtension(repo),
    port: PORT,
    // Kept between runs, so that the browser's layout and settings stay.
    stateDir: process.env.SYSCALL_TRACE_CODE_SERVER_STATE || path.join(repo, 'build', 'code-server'),
  });
  console.log(`Syscall Trace is running in VS Code: open ${server.url}`);
  console.log(`Password: ${server.password}`);
  console.log('Ctrl-C stops it.');

  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function hasDesktopVsCode(): boolean {
  return spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

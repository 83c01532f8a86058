// `npm run setup:code-server`: installs the pinned code-server into the cache, once.
import { CODE_SERVER_VERSION, elapsed, installCodeServer, isCodeServerInstalled } from './installCodeServer';

const started = Date.now();
const already = isCodeServerInstalled();
const entry = installCodeServer();
console.log(
  already
    ? `code-server ${CODE_SERVER_VERSION} is already installed: ${entry}`
    : `code-server ${CODE_SERVER_VERSION} installed in ${elapsed(started)}: ${entry}`,
);

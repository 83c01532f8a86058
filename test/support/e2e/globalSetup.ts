// Before the end-to-end tests: code-server in the cache (a minute or two the
// first time, nothing afterwards).
import { installCodeServer } from '../../../tools/installCodeServer';

export default function setup(): void {
  installCodeServer();
}

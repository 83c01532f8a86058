// Which container a process runs in, from the names of its cgroup (v2)
// directory and the one above it. Each engine names the cgroup it makes for a
// container after the container's id, so these two names are enough, and they
// are what the kernel can hand over at a deletion without reading any files.
import type { Container } from '../../common/protocol';

// Engines write the full id, 64 lowercase hex digits; shorter ids are
// accepted down to the 12 that `docker ps` shows, in case an engine shortens.
const ID = '([0-9a-f]{12,64})';
const BARE_ID = new RegExp(`^${ID}$`);

// The systemd cgroup driver puts each container in a scope of its own. The id
// must follow the prefix directly, which leaves out the engines' helpers:
// podman's `libpod-conmon-<id>.scope` and cri-o's `crio-conmon-<id>.scope`
// hold the monitor process, not the container.
const SCOPES: readonly { pattern: RegExp; engine: Container['engine'] }[] = [
  { pattern: new RegExp(`^docker-${ID}\\.scope$`), engine: 'docker' },
  { pattern: new RegExp(`^libpod-${ID}\\.scope$`), engine: 'podman' },
  { pattern: new RegExp(`^cri-containerd-${ID}\\.scope$`), engine: 'containerd' },
  { pattern: new RegExp(`^crio-${ID}\\.scope$`), engine: 'cri-o' },
];

/**
 * The container whose cgroup is `leaf` (the name of the process's cgroup
 * directory) below `parent` (the directory above it); either may be ''.
 * Undefined for any cgroup no engine named as a container's.
 */
export function containerOfCgroup(leaf: string, parent: string): Container | undefined {
  const scope = scopeContainer(leaf);
  if (scope !== undefined) return scope;
  // Docker's cgroupfs driver: /docker/<id>.
  if (parent === 'docker' && BARE_ID.test(leaf)) return { engine: 'docker', id: leaf };
  // Podman, where the container manages its own cgroups, moves its processes
  // into a `container` directory inside the scope.
  if (leaf === 'container') {
    const outer = scopeContainer(parent);
    if (outer?.engine === 'podman') return outer;
  }
  return undefined;
}

function scopeContainer(name: string): Container | undefined {
  for (const { pattern, engine } of SCOPES) {
    const match = pattern.exec(name);
    if (match) return { engine, id: match[1] };
  }
  return undefined;
}

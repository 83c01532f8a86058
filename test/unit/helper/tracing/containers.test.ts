// Which container a process runs in, from its cgroup's names (helper/tracing/containers.ts).
import { describe, expect, it } from 'vitest';

import { containerOfCgroup } from '../../../../helper/tracing/containers';

const id = '4f2a9c0d1e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29';

describe('containerOfCgroup', () => {
  it('names a docker container by its systemd scope', () => {
    expect(containerOfCgroup(`docker-${id}.scope`, 'system.slice')).toEqual({ engine: 'docker', id });
  });

  it('names a docker container by its cgroupfs directory under /docker', () => {
    expect(containerOfCgroup(id, 'docker')).toEqual({ engine: 'docker', id });
  });

  it('names a podman container by its scope', () => {
    expect(containerOfCgroup(`libpod-${id}.scope`, 'machine.slice')).toEqual({ engine: 'podman', id });
  });

  it('names a podman container from the "container" directory inside its scope', () => {
    expect(containerOfCgroup('container', `libpod-${id}.scope`)).toEqual({ engine: 'podman', id });
  });

  it('names a containerd container by its scope', () => {
    expect(containerOfCgroup(`cri-containerd-${id}.scope`, 'kubepods-besteffort-pod1.slice')).toEqual({
      engine: 'containerd',
      id,
    });
  });

  it('names a cri-o container by its scope', () => {
    expect(containerOfCgroup(`crio-${id}.scope`, 'kubepods-burstable-pod2.slice')).toEqual({ engine: 'cri-o', id });
  });

  it('accepts an id as short as the 12 digits docker shows', () => {
    expect(containerOfCgroup(`docker-${id.slice(0, 12)}.scope`, '')).toEqual({ engine: 'docker', id: id.slice(0, 12) });
  });

  it('does not take the monitor of a podman or cri-o container for the container', () => {
    expect(containerOfCgroup(`libpod-conmon-${id}.scope`, 'machine.slice')).toBeUndefined();
    expect(containerOfCgroup(`crio-conmon-${id}.scope`, 'kubepods.slice')).toBeUndefined();
  });

  describe('near misses', () => {
    it('ignores an id shorter than 12 or longer than 64 digits', () => {
      expect(containerOfCgroup(`docker-${id.slice(0, 11)}.scope`, '')).toBeUndefined();
      expect(containerOfCgroup(`docker-${id}0.scope`, '')).toBeUndefined();
      expect(containerOfCgroup(`${id}0`, 'docker')).toBeUndefined();
    });

    it('ignores an id with uppercase or other letters', () => {
      expect(containerOfCgroup(`docker-${id.toUpperCase()}.scope`, '')).toBeUndefined();
      expect(containerOfCgroup(`crio-${id.slice(0, 63)}g.scope`, '')).toBeUndefined();
    });

    it('ignores a scope name without ".scope"', () => {
      expect(containerOfCgroup(`docker-${id}`, 'system.slice')).toBeUndefined();
      expect(containerOfCgroup(`libpod-${id}`, 'machine.slice')).toBeUndefined();
    });

    it("ignores the engines' own services", () => {
      expect(containerOfCgroup('docker.service', 'system.slice')).toBeUndefined();
      expect(containerOfCgroup('containerd.service', 'system.slice')).toBeUndefined();
    });

    it('ignores a bare id outside /docker', () => {
      expect(containerOfCgroup(id, 'system.slice')).toBeUndefined();
      expect(containerOfCgroup(id, '')).toBeUndefined();
    });

    it('ignores a "container" directory that is not inside a podman scope', () => {
      expect(containerOfCgroup('container', `docker-${id}.scope`)).toBeUndefined();
      expect(containerOfCgroup('container', '')).toBeUndefined();
    });

    it('ignores empty names', () => {
      expect(containerOfCgroup('', '')).toBeUndefined();
    });
  });
});

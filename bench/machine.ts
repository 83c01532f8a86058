// The machine and tools a run measured, named in the report so that figures
// from different machines are never compared unawares.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface MachineDescription {
  date: string;
  cpuModel: string;
  cores: number;
  memory: string;
  distribution: string;
  kernelRelease: string;
  tools: Record<string, string>;
}

export function describeMachine(): MachineDescription {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(readOr('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    distribution: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readOr('/etc/os-release'))?.[1] ?? 'unknown',
    kernelRelease: os.release(),
    tools: {
      node: process.version,
      clang: firstLineOf(['clang', '--version']),
      bpftrace: firstLineOf(['bpftrace', '--version']),
      strace: firstLineOf(['strace', '-V']),
      libbpf: firstLineOf(['bpftool', 'version'], /libbpf v[\d.]+/),
    },
  };
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function firstLineOf(argv: string[], pattern?: RegExp): string {
  try {
    const output = execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return pattern ? (pattern.exec(output)?.[0] ?? 'unknown') : output.split('\n', 1)[0].trim();
  } catch {
    return 'not installed';
  }
}

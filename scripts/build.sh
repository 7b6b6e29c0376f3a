#!/usr/bin/env bash
# Builds everything: TypeScript into dist/, native parts into build/ (the privilege-dropping
# launcher, the BPF programs and their N-API addon). The BPF part is skipped with a clear message
# where clang/bpftool/BTF are absent: sshtrail then runs with enhanced recording off.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build

echo "build: native launcher" >&2
make -s -C core/launch

if [[ -f bpf/Makefile ]]; then
  if command -v clang >/dev/null && command -v bpftool >/dev/null && [[ -r /sys/kernel/btf/vmlinux ]]; then
    echo "build: BPF programs and addon" >&2
    make -s -C bpf
  else
    echo "build: skipping BPF programs (needs clang, bpftool and /sys/kernel/btf/vmlinux); enhanced recording will be off" >&2
  fi
fi

echo "build: TypeScript" >&2
rm -rf dist
npx tsc -p tsconfig.json

#!/usr/bin/env bash
# Builds everything: TypeScript into dist/, native parts into build/ (the privilege-dropping
# launcher, the BPF programs and their N-API addon). The BPF part is skipped with a clear message
# where clang/bpftool/BTF are absent: sshtrail then runs with enhanced recording off.
#   scripts/build.sh               everything (dist/ rewritten)
#   scripts/build.sh --if-changed  the native parts (make: incremental), and the TypeScript only when
#                                  a source, tsconfig or the lock changed since the last build: a
#                                  restart through scripts/serve.sh neither waits for tsc nor
#                                  rewrites dist/ under a running server
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
    # The record layout (bpf/layout.generated.ts) and the decode test's sample writer need only cc.
    make -s -C bpf layout
  fi
fi

# What dist/ is built from: every TypeScript and JSON file tsc reads, its config and the lock.
sources_hash() {
  {
    find core bpf sinks test bench examples -type f \( -name '*.ts' -o -name '*.json' \) -print0 |
      sort -z | xargs -0 sha256sum
    sha256sum tsconfig.json package-lock.json
  } | sha256sum | cut -d' ' -f1
}
want=$(sources_hash)
stamp=dist/.sources.sha256
if [[ ${1:-} == --if-changed && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "build: TypeScript unchanged since the last build, dist/ kept" >&2
  exit 0
fi

echo "build: TypeScript" >&2
rm -rf dist
npx tsc -p tsconfig.json
echo "$want" >"$stamp"

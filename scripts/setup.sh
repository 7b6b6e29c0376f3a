#!/usr/bin/env bash
# Installs what is missing on a fresh Debian/Ubuntu machine, then builds sshtrail.
# Idempotent: apt runs only for packages that are absent, npm ci only when the lock changed.
#   scripts/setup.sh          runtime needs (build tools for the BPF programs, OpenSSH client)
#   scripts/setup.sh --test   plus what the test suite drives (sshd, ssh-audit, rsyslog, asciinema, tmux, mosh,
#                             the interop matrix's clients: dbclient, plink, Paramiko, AsyncSSH, and the
#                             transfer clients: rsync, git, ansible-core)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make g++ openssh-client)
test_pkgs=(openssh-server ssh-audit rsyslog asciinema curl systemd dropbear-bin putty-tools python3-paramiko python3-asyncssh rsync git ansible-core tmux mosh)
pkgs=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm ci only when node_modules does not match the lock file and the patches/ its postinstall
# applies to dependencies (patch-package: fixes to ssh2, see patches/README.md).
stamp=node_modules/.sshtrail-lock.sha256
want=$(cat package-lock.json patches/* | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" >"$stamp"
fi

bash scripts/build.sh --if-changed

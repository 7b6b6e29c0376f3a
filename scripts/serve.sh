#!/usr/bin/env bash
# Installs what is missing, builds, and starts sshtrail on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/sshtrail serve "$@"

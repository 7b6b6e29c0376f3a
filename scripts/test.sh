#!/usr/bin/env bash
# The whole test suite on a fresh machine: install what is missing, build, lint, typecheck, test.
#   SSHTRAIL_REQUIRE_PRIVILEGED=1  turns "skipped: needs root/BPF" into a failure (set by .ci/run)
#   SSHTRAIL_TEST_FILTER=regex     runs only test files whose path matches
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test
echo "test: lint and format (biome)" >&2
npx biome check .
echo "test: typecheck" >&2
npx tsc --noEmit -p tsconfig.json

mapfile -t files < <(find dist/test dist/examples -name '*.test.js' 2>/dev/null | sort | grep -E "${SSHTRAIL_TEST_FILTER:-.}" || true)
if ((${#files[@]} == 0)); then
  echo "test: no test files found" >&2
  exit 1
fi
echo "test: ${#files[@]} test files" >&2
exec node --test --test-concurrency="${SSHTRAIL_TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}"

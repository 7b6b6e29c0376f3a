#!/usr/bin/env bash
# Validates an integration's fixtures against the sshtrail schemas, two ways:
#   1. every *.ndjson file with `sshtrail validate`;
#   2. every <type>*.json file with ajv-cli against the exported schemas (what a CI without sshtrail runs).
# Usage: SSHTRAIL=sshtrail AJV="npx ajv" ./check.sh FIXTURES_DIR
set -euo pipefail
dir=${1:?usage: check.sh FIXTURES_DIR}
sshtrail=${SSHTRAIL:-sshtrail}
ajv=${AJV:-npx ajv}
schemas=$(mktemp -d)
trap 'rm -rf "$schemas"' EXIT

$sshtrail schemas export "$schemas" 2>/dev/null
status=0
shopt -s nullglob
for f in "$dir"/*.ndjson; do
  $sshtrail validate "$f" || status=1
done
for f in "$dir"/*.json; do
  type=$(basename "$f" .json)
  type=${type%%--*} # fixtures may be named <type>--<what>.json
  if [[ ! -f "$schemas/$type.v1.json" ]]; then
    echo "$f: no schema for type '$type' (see $schemas/index.json)" >&2
    status=1
    continue
  fi
  $ajv validate --spec=draft2020 -c ajv-formats -r "$schemas/envelope.v1.json" -s "$schemas/$type.v1.json" -d "$f" --errors=text || status=1
done
exit $status

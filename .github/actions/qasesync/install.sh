#!/usr/bin/env bash
# Installs qasesync for the action: INPUT_VERSION as a pip requirement, or, when it is empty,
# the qasesync checkout this action lives in (three folders up), so action and tool match.
set -euo pipefail

spec=${INPUT_VERSION:-}
if [ -z "$spec" ]; then
  spec=$(cd "$GITHUB_ACTION_PATH/../../.." && pwd)
fi
echo "Installing qasesync from $spec"
python3 -m pip install --quiet --disable-pip-version-check "$spec"

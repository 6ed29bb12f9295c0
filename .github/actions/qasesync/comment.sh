#!/usr/bin/env bash
# Creates or updates the pull request's plan comment (the action's `comment` input).
# A comment that cannot be posted (a read-only token, say) is a warning, not a failed check.
set -euo pipefail

if [ "${INPUT_COMMAND:-}" != plan ] || [ "${INPUT_COMMENT:-true}" != true ]; then exit 0; fi
if [ -z "${PR_NUMBER:-}" ]; then
  echo "Not a pull request: no plan comment."
  exit 0
fi
if [ -z "${BODY_FILE:-}" ] || [ ! -s "$BODY_FILE" ]; then
  echo "No plan to post."
  exit 0
fi
if ! python3 "$GITHUB_ACTION_PATH/comment.py" "$BODY_FILE"; then
  echo "::warning title=qasesync::could not update the pull-request comment (see the log); the plan is in the job summary"
fi

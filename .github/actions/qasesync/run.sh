#!/usr/bin/env bash
# Runs one qasesync command for the composite action (validate, plan, apply or pull).
#
# Writes the job summary and the step outputs (exit-code, has-changes, skipped, comment-file,
# record-file, pull-files, report-file, full-plan) and exits 0 even when the command failed: the action's last step
# fails with the recorded exit code, after the pull-request comment and the commit of
# written-back ids are done.
# The Qase token arrives as INPUT_TOKEN and is only ever exported, never printed.
#
# Text that came from the tree or from Qase never reaches the log or the summary raw: what
# qasesync prints goes through safe.py (each line a data line, controls escaped; plan's own
# annotations pass), and every block of it in markdown is fenced by safe.py, with a fence
# longer than any run of backticks or tildes inside, so no line of it can close the block.
set -uo pipefail

command=${INPUT_COMMAND:-plan}
tree=${INPUT_TREE:-cases}
format=${INPUT_FORMAT:-markdown}
marker='<!-- qasesync-plan -->'
work=$(mktemp -d "${RUNNER_TEMP:-/tmp}/qasesync.XXXXXX")
# Word-split on purpose (no globbing); `${a[@]+...}` keeps an empty list safe in bash 3 (macOS).
read -ra extra <<<"${INPUT_ARGS:-}"

if [ -n "${INPUT_TOKEN:-}" ]; then export QASE_TOKEN="$INPUT_TOKEN"; fi
if [ -n "${INPUT_API_URL:-}" ]; then export QASE_API_URL="$INPUT_API_URL"; fi
unset INPUT_TOKEN

output() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }
summary() { cat >>"$GITHUB_STEP_SUMMARY"; }
# shellcheck source=/dev/null
. "$GITHUB_ACTION_PATH/safe.sh" # safe, logged, escaped, fenced

run_validate() {
  local rc=0
  qasesync validate "$tree" --format json >"$work/validate.json" 2>"$work/validate.err" || rc=$?
  python3 "$GITHUB_ACTION_PATH/annotate.py" "$tree" "$work/validate.json" "$work/validate.err" \
    "$rc" || true
  output exit-code "$rc"
}

run_plan() {
  if [ -z "${QASE_TOKEN:-}" ]; then
    summary <<TEXT
### qasesync plan skipped

No Qase token, so the plan was skipped (\`qasesync validate\` needs none). A pull request
from a fork, or from Dependabot, gets no secrets; the plan runs on pull requests from
branches of this repository, and apply on the merge.
TEXT
    echo "::notice title=qasesync::plan skipped: no QASE_TOKEN (pull requests from forks get no secrets)"
    output skipped true
    output has-changes false
    output exit-code 0
    return
  fi
  output skipped false
  if [ "$format" != markdown ] && [ "$format" != text ]; then
    echo "::error title=qasesync::format must be markdown or text, not $(escaped "$format")"
    output exit-code 1
    return
  fi

  # The live project is read once (a large one costs hundreds of requests of a rate limit
  # that apply shares): plan saves the plan, which `show` renders for the comment and the
  # summary, and prints the annotations, which are the ::error lines when plan fails.
  local rc=0 code changes=false errors="$work/plan.err"
  qasesync plan "$tree" --format github --out "$work/plan.json" --detailed-exitcode \
    ${extra[@]+"${extra[@]}"} >"$work/plan.github" 2>"$errors" || rc=$?
  logged <"$errors" >&2
  # With --detailed-exitcode, 2 means "changes pending": the check passes.
  case $rc in
    0) code=0 ;;
    2) code=0 changes=true ;;
    *) code=$rc ;;
  esac
  if [ "$code" = 0 ]; then
    errors="$work/show.err"
    qasesync show "$work/plan.json" --format "$format" >"$work/plan.out" 2>"$errors" ||
      { rc=$? && code=$rc && logged <"$errors" >&2; }
  fi

  local body="$work/comment.md"
  if [ "$code" = 0 ] && [ "$format" = markdown ]; then
    cp "$work/plan.out" "$body"
  elif [ "$code" = 0 ]; then
    { echo "$marker"; echo "### qasesync plan"; echo; fenced text "$work/plan.out"; } >"$body"
  else
    {
      echo "$marker"
      echo "### qasesync plan failed (exit $rc)"
      echo
      fenced text "$errors"
    } >"$body"
    echo "::error title=qasesync plan::plan failed with exit code $rc (see the log)"
  fi
  # The comment is found again by the marker: make sure it is there.
  if [ "$(head -c ${#marker} "$body")" != "$marker" ]; then
    { echo "$marker"; cat "$body"; } >"$body.new" && mv "$body.new" "$body"
  fi
  summary <"$body"
  # A comment that does not list every change (rolled up or cut to fit GitHub's limit) says
  # so in a hidden marker; the job summary (1 MiB) then gets the plan as text, with every
  # conflict, deprecation and deletion in full, and the run keeps every change as an
  # artifact (`show --full`, and the saved plan).
  if grep -q -F -e "<!-- qasesync-plan-abridged -->" -e "The plan is cut here" "$body"; then
    qasesync show "$work/plan.json" --format text >"$work/plan.txt" 2>/dev/null || true
    head -c 900000 "$work/plan.txt" >"$work/plan.head"
    {
      echo "<details><summary>The whole plan</summary>"
      echo
      fenced text "$work/plan.head"
      echo "</details>"
    } | summary
    mkdir -p "$work/full-plan"
    qasesync show "$work/plan.json" --full --format text >"$work/full-plan/plan.txt" 2>/dev/null || true
    cp "$work/plan.json" "$work/full-plan/plan.json"
    output full-plan "$work/full-plan"
  fi
  if [ -n "${GITHUB_RUN_ID:-}" ]; then
    local sha=${GITHUB_SHA:-} run_url
    run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID"
    printf '\n<sub>qasesync plan of %s · [workflow run](%s)</sub>\n' "${sha:0:7}" "$run_url" >>"$body"
  fi
  output comment-file "$body"
  output has-changes "$changes"
  output exit-code "$code"

  if [ "${INPUT_ANNOTATIONS:-true}" = true ]; then
    # Workflow commands on stdout become annotations on the YAML lines of the pull request;
    # any other line (none is expected) is shown as text.
    safe annotations <"$work/plan.github"
  fi
}

run_apply() {
  # The record of what apply writes back lets the next step write it again into a newer head.
  local rc=0 record="$work/written.json"
  output record-file "$record"
  qasesync apply "$tree" --yes --record "$record" ${extra[@]+"${extra[@]}"} 2>&1 |
    tee "$work/apply.out" | logged || rc=${PIPESTATUS[0]}
  {
    if [ "$rc" = 0 ]; then echo "### qasesync apply"; else echo "### qasesync apply failed (exit $rc)"; fi
    echo
    fenced text "$work/apply.out"
  } | summary
  output exit-code "$rc"
}

# One line on the log as an error; pull's outputs say it failed.
pull_failed() {
  echo "::error title=qasesync::$(escaped "$1")"
  output has-changes false
  output exit-code 1
}

run_pull() {
  local branch=${INPUT_PULL_BRANCH:-qasesync/pull} current rc=0 files="$work/pulled.files"
  current=$(git symbolic-ref --quiet --short HEAD || true)
  if [ -z "${QASE_TOKEN:-}" ]; then
    pull_failed "pull needs a Qase token: pass the QASE_TOKEN secret as token"
    return
  fi
  if [ "$current" = "$branch" ]; then
    pull_failed "pull runs on the default branch, not on $branch, which it writes"
    return
  fi

  # What git sees as changed under the tree before pull and after it: the difference is
  # what pull wrote (pullfiles.py says why its report is not parsed for this).
  if ! python3 "$GITHUB_ACTION_PATH/pullfiles.py" snapshot "$tree" >"$work/before.json"; then
    pull_failed "$tree is not in a git checkout, which pull needs to commit to"
    return
  fi
  qasesync pull "$tree" ${extra[@]+"${extra[@]}"} >"$work/pull.out" 2>"$work/pull.err" || rc=$?
  logged <"$work/pull.out"
  logged <"$work/pull.err" >&2
  if [ "$rc" != 0 ]; then
    { echo "### qasesync pull failed (exit $rc)"; echo; fenced text "$work/pull.err"; } | summary
    echo "::error title=qasesync pull::pull failed with exit code $rc (see the log)"
    output has-changes false
    output exit-code "$rc"
    return
  fi
  if ! python3 "$GITHUB_ACTION_PATH/pullfiles.py" written "$tree" "$work/before.json" >"$files"; then
    pull_failed "could not tell which files pull wrote (see the log)"
    return
  fi
  { echo "### qasesync pull"; echo; fenced text "$work/pull.out"; } | summary
  if [ -s "$files" ]; then output has-changes true; else output has-changes false; fi
  output pull-files "$files"
  output report-file "$work/pull.out"
  output exit-code 0
}

case $command in
  validate) run_validate ;;
  plan) run_plan ;;
  apply) run_apply ;;
  pull) run_pull ;;
  *)
    echo "::error title=qasesync::command must be validate, plan, apply or pull, not $(escaped "$command")"
    output exit-code 1
    ;;
esac

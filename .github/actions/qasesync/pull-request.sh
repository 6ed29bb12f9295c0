#!/usr/bin/env bash
# Opens or updates the one pull request "Changes made in Qase" with what `qasesync pull` wrote,
# from the branch of the action's `pull-branch` input; closes it when nothing is left to pull.
#
# The commit is built in a temporary index: HEAD plus exactly the files pull wrote (the list
# pullfiles.py made), so nothing else in the checkout, staged or not, can reach it, and the
# checkout is left as it is. The branch is regenerated from HEAD, the default branch's head,
# on every run and force-pushed, unless it already holds the same change on the same parent
# (then nothing is pushed). Authored by github-actions[bot]. No [skip ci]: the pull request's
# checks should run (a push made with the workflow's GITHUB_TOKEN starts none anyway).
#
# When pull wrote nothing, an open pull request from the branch is stale (Qase matches the
# default branch: merging it would undo what is live), so it is closed with a comment saying so.
set -euo pipefail

output() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }
summary() { cat >>"$GITHUB_STEP_SUMMARY"; }
# shellcheck source=/dev/null
. "$GITHUB_ACTION_PATH/safe.sh" # safe, logged, escaped, fenced

if [ "${INPUT_COMMAND:-}" != pull ]; then exit 0; fi
if [ "${EXIT_CODE:-1}" != 0 ]; then
  echo "qasesync: pull failed; the pull request is left as it is"
  exit 0
fi

branch=${INPUT_PULL_BRANCH:-qasesync/pull}
base=$(git symbolic-ref --quiet --short HEAD || true)
base=${base:-${GITHUB_REF_NAME:?cannot tell which branch the pull request is for}}
export PULL_BRANCH=$branch BASE_BRANCH=$base
work=$(mktemp -d "${RUNNER_TEMP:-/tmp}/qasesync-pr.XXXXXX")
parent=$(git rev-parse HEAD)
bot=(-c user.name="github-actions[bot]"
  -c user.email="41898282+github-actions[bot]@users.noreply.github.com")
run_link=""
if [ -n "${GITHUB_RUN_ID:-}" ]; then
  run_link=" · [workflow run](${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID)"
fi
# pullfiles.py names the files relative to the repository's top.
cd "$(git rev-parse --show-toplevel)"

close_stale() {
  local result number url
  printf "Nothing is left to pull: Qase matches \`%s\` (%s), so these changes are no longer live and this pull request is closed.%s\n" \
    "$base" "${parent:0:7}" "$run_link" >"$work/close.md"
  if ! result=$(python3 "$GITHUB_ACTION_PATH/pullrequest.py" close "$work/close.md"); then
    echo "::warning title=qasesync::could not close the stale pull request from $(escaped "$branch") (see the log)"
    return
  fi
  if [ "$result" = none ]; then return; fi
  read -r _ number url <<<"$result"
  echo "qasesync: closed the stale pull request #$number ($url)"
  printf "\nNothing to pull: closed the stale pull request [#%s](%s) from \`%s\`.\n" \
    "$number" "$url" "$branch" | summary
}

if [ "${HAS_CHANGES:-}" != true ]; then
  close_stale
  exit 0
fi

# HEAD plus the files pull wrote, and nothing else.
GIT_INDEX_FILE="$work/index" git read-tree HEAD
GIT_INDEX_FILE="$work/index" git --literal-pathspecs add \
  --pathspec-from-file="${PULL_FILES:?}" --pathspec-file-nul
tree=$(GIT_INDEX_FILE="$work/index" git write-tree)
commit=$(git "${bot[@]}" commit-tree -p HEAD -m "qasesync: pull changes made in Qase" "$tree")
git diff --no-color --no-ext-diff --no-textconv HEAD "$commit" >"$work/pull.diff"

# Whether the branch already holds this change on this parent (a run with nothing new).
same_as_branch() {
  local depth=() remote="refs/remotes/origin/$branch"
  if [ "$(git rev-parse --is-shallow-repository)" = true ]; then depth=(--depth=1); fi
  git fetch --quiet --no-tags ${depth[@]+"${depth[@]}"} origin \
    "+refs/heads/$branch:$remote" 2>/dev/null || return 1
  [ "$(git rev-parse "$remote^{tree}")" = "$tree" ] &&
    [ "$(git cat-file commit "$remote" | sed -n '/^$/q; s/^parent //p')" = "$parent" ]
}
if same_as_branch; then
  echo "qasesync: $branch already holds these changes on ${parent:0:7}; nothing pushed"
else
  if ! git push --quiet --force origin "$commit:refs/heads/$branch"; then
    echo "::error title=qasesync::could not push the pulled changes to $(escaped "$branch") (the job needs contents: write)"
    exit 1
  fi
  echo "qasesync: pushed the pulled changes to $branch ($(git rev-parse --short "$commit"))"
fi


# The description: pull's report and the diff of the commit, cut to fit (GitHub takes 65,536
# characters); the job summary gets more of it.
head -c 60000 "$work/pull.diff" >"$work/pull.diff.head"
{
  printf "Edits made in the Qase web app, brought into the YAML by \`qasesync pull\`: merge to keep\n"
  printf "them in the tree. The branch \`%s\` is regenerated from \`%s\` on every run; commits\n" \
    "$branch" "$base"
  printf 'pushed to it are replaced.\n\n'
  fenced text "${REPORT_FILE:?}"
  echo
  fenced diff "$work/pull.diff.head"
  if ! cmp -s "$work/pull.diff" "$work/pull.diff.head"; then
    echo
    echo "The diff is cut here; the whole diff is in the branch's commit."
  fi
  printf '\n<sub>qasesync pull of %s%s</sub>\n' "${parent:0:7}" "$run_link"
} >"$work/body.md"
head -c 900000 "$work/pull.diff" >"$work/summary.diff"
{ echo; fenced diff "$work/summary.diff"; } | summary

if ! result=$(python3 "$GITHUB_ACTION_PATH/pullrequest.py" upsert "$work/body.md"); then
  echo "::error title=qasesync::the pulled changes are on the branch $(escaped "$branch"), but the pull request could not be opened or updated (see the log). The workflow's token may open pull requests only when Settings → Actions → General → Workflow permissions allows GitHub Actions to create them; or pass another token as github-token."
  exit 1
fi
read -r action number url <<<"$result"
echo "qasesync: $action pull request #$number ($url)"
printf "\n%s the pull request [#%s](%s) from \`%s\`.\n" \
  "$([ "$action" = created ] && echo Opened || echo Updated)" "$number" "$url" "$branch" | summary
output pull-request "$number"

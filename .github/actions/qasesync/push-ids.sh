#!/usr/bin/env bash
# Commits the ids and hashes that `qasesync apply` wrote back into the tree, and pushes them.
#
# Runs also after apply failed part-way: what was created must get its id into git, or the
# next apply has to find it again by its title. The commit is authored by github-actions[bot]
# and says [skip ci]; a push made with the workflow's GITHUB_TOKEN starts no workflow anyway,
# [skip ci] covers a checkout made with a personal or app token. Rebases onto whatever reached
# the branch meanwhile, and retries the push a few times.
set -euo pipefail

output() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }

if [ "${INPUT_COMMAND:-}" != apply ] || [ "${INPUT_PUSH_IDS:-true}" != true ]; then exit 0; fi
tree=${INPUT_TREE:-cases}

# Write-back edits files, and creates a suite.yaml for a new suite that had none.
# (Ignored files stay out: git add skips them.)
if [ -z "$(git status --porcelain -- "$tree")" ]; then
  echo "qasesync: no written-back ids to commit"
  output committed false
  exit 0
fi

branch=$(git symbolic-ref --quiet --short HEAD || true)
branch=${branch:-${GITHUB_REF_NAME:?cannot tell which branch to push to}}
bot=(-c user.name="github-actions[bot]"
  -c user.email="41898282+github-actions[bot]@users.noreply.github.com")
git add -- "$tree"
git "${bot[@]}" commit --quiet -m "qasesync: write back ids of created Qase entities [skip ci]" -- "$tree"

for attempt in 1 2 3; do
  if git "${bot[@]}" pull --quiet --rebase origin "$branch" && git push --quiet origin "HEAD:$branch"; then
    echo "qasesync: pushed written-back ids to $branch ($(git rev-parse --short HEAD))"
    output committed true
    exit 0
  fi
  git rebase --abort >/dev/null 2>&1 || true
  echo "qasesync: push attempt $attempt failed; retrying"
  sleep $((attempt * 2))
done
echo "::error title=qasesync::could not push the written-back ids to $branch"
output committed false
exit 1

#!/usr/bin/env bash
# Commits the ids and hashes that `qasesync apply` wrote back into the tree, and pushes them.
#
# Runs also after apply failed part-way: what was created must get its id into git, or the
# next apply cannot tell it from a new one once its title changed, and creates it again.
# Apply saved a record of what it wrote back (`--record`, outside the tree, RECORD_FILE): the
# commit holds exactly the files the record names (the YAML files that received ids, the
# suite.yaml files it made, qasesync.base.jsonl), nothing else of the checkout. The commit is
# authored by github-actions[bot] and says [skip ci]; a push made with the workflow's
# GITHUB_TOKEN starts no workflow anyway, [skip ci] covers a checkout made with a personal or
# app token.
#
# The commit is rebased onto whatever reached the branch meanwhile. When it does not rebase (a
# commit there edited the same lines: retitled, moved or deleted a created case), the checkout
# is reset to the branch's head and `qasesync writeback` writes the recorded ids and base
# records into that tree again, finding each entity there by its place and title; the commit
# then holds the files it wrote. A push that loses a race starts over from the new head, up to
# five times in all. The step fails only when no push succeeds, when writeback fails, or when
# some id finds no place (writeback exits 1): then the others are pushed, an error names each
# one left out, and the job summary lists them beside the write-back as apply made it. Whenever
# it fails, the ids are kept: the record (and the write-back as a patch) is handed to the next
# step of the action as an artifact of the run (outputs record-artifact, record-path), and the
# log and the job summary say how to finish by hand with `qasesync writeback`.
set -euo pipefail

output() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }
summary() { cat >>"$GITHUB_STEP_SUMMARY"; }
# shellcheck source=/dev/null
. "$GITHUB_ACTION_PATH/safe.sh" # safe, logged, escaped, fenced
fail() {
  echo "::error title=qasesync::$(escaped "$1")"
  keep_record
  output committed false
  exit 1
}

if [ "${INPUT_COMMAND:-}" != apply ] || [ "${INPUT_PUSH_IDS:-true}" != true ]; then exit 0; fi
tree=${INPUT_TREE:-cases}
record=${RECORD_FILE:-}
branch=
work=$(mktemp -d "${RUNNER_TEMP:-/tmp}/qasesync-ids.XXXXXX")
message="qasesync: write back ids of created Qase entities [skip ci]"
bot=(-c user.name="github-actions[bot]"
  -c user.email="41898282+github-actions[bot]@users.noreply.github.com")

# The record (and the write-back as apply made it, once committed) into a folder that the
# action's next step uploads as an artifact of the run; the log and the summary say how to
# finish by hand. Once per run; nothing when there is no record.
kept=false
keep_record() {
  if [ "$kept" = true ] || [ -z "$record" ] || [ ! -s "$record" ]; then return 0; fi
  kept=true
  local keep="$work/kept" name="qasesync-writeback-${GITHUB_RUN_ATTEMPT:-1}-${work##*.}"
  local where=${branch:-the branch apply ran on}
  mkdir -p "$keep"
  cp "$record" "$keep/qasesync-writeback.json"
  if [ -s "$work/ids.patch" ]; then cp "$work/ids.patch" "$keep/ids.patch"; fi
  output record-artifact "$name"
  output record-path "$keep"
  echo "qasesync: the ids apply wrote back are kept in the artifact $name of this run (qasesync-writeback.json). To finish by hand: download it, then in a checkout of $where run \`qasesync writeback qasesync-writeback.json $tree\`, commit the files it names and push."
  {
    echo
    echo "### qasesync: the written-back ids are kept"
    echo
    echo "The record of what apply wrote back is the artifact \`$name\` of this workflow run"
    echo "(\`qasesync-writeback.json\`, beside the write-back as a patch). To finish by hand, download"
    echo "it, and in an up-to-date checkout of \`$where\`:"
    echo
    echo "qasesync writeback qasesync-writeback.json $tree" >"$work/by-hand.sh"
    fenced sh "$work/by-hand.sh"
    echo
    echo "then commit the files it names and push. It finds each entity by its place and title"
    echo "in the tree as it is then; any id it cannot place is listed, to add by hand."
  } | summary
}


# The write-back as apply made it, in the job summary.
summary_patch() {
  head -c 500000 "$work/ids.patch" >"$work/ids.patch.head"
  {
    echo
    echo "<details><summary>The write-back as apply made it, on $read_at (a patch)</summary>"
    echo
    fenced diff "$work/ids.patch.head"
    echo "</details>"
  } | summary
}

# Stages and commits the files that the record $1 names; false when nothing changed.
commit_recorded() {
  local paths=() path
  python3 "$GITHUB_ACTION_PATH/recorded.py" files "$1" "$tree" >"$work/files" ||
    fail "cannot read the write-back record $1"
  while IFS= read -r -d '' path; do paths+=("$path"); done <"$work/files"
  if [ ${#paths[@]} = 0 ]; then return 1; fi
  git --literal-pathspecs add -- "${paths[@]}" || fail "cannot stage the written-back ids"
  if git --literal-pathspecs diff --cached --quiet -- "${paths[@]}"; then return 1; fi
  git --literal-pathspecs "${bot[@]}" commit --quiet -m "$message" -- "${paths[@]}" ||
    fail "cannot commit the written-back ids"
}

if [ -z "$record" ] || [ ! -s "$record" ]; then
  if [ -n "$(git status --porcelain --untracked-files=no -- "$tree")" ]; then
    fail "apply left no record of what it wrote back, so nothing was committed: commit the ids in $tree by hand"
  fi
  echo "qasesync: no written-back ids to commit"
  output committed false
  exit 0
fi

if ! commit_recorded "$record"; then
  echo "qasesync: no written-back ids to commit"
  output committed false
  exit 0
fi
# The write-back as apply made it, on the tree it read: for a person, if an id finds no place.
git format-patch -1 --stdout HEAD >"$work/ids.patch"
read_at=$(git rev-parse --short HEAD^)

branch=$(git symbolic-ref --quiet --short HEAD || true)
branch=${branch:-${GITHUB_REF_NAME:-}}
if [ -z "$branch" ]; then fail "cannot tell which branch to push the written-back ids to"; fi
upstream="refs/remotes/origin/$branch"

# The branch's head, with the recorded ids written into it again. The record is outside the
# tree, so the reset cannot take it.
left_out=false
write_again() {
  local rc=0
  git reset --quiet --hard "$upstream"
  rm -f "$work/again.json"
  qasesync writeback "$record" "$tree" --record "$work/again.json" \
    >"$work/again.out" 2>"$work/again.err" || rc=$?
  logged <"$work/again.out"
  logged <"$work/again.err" >&2
  case $rc in
    0) left_out=false ;;
    1) left_out=true ;;
    *)
      summary_patch
      fail "qasesync writeback failed (exit $rc), so the ids are not in $branch; they are kept (see the job summary)"
      ;;
  esac
  commit_recorded "$work/again.json" || true
}

pushed=false attempts=5
for attempt in $(seq "$attempts"); do
  if git fetch --quiet origin "+refs/heads/$branch:$upstream"; then
    if ! git "${bot[@]}" rebase --quiet --autostash "$upstream" >"$work/rebase.out" 2>&1; then
      git rebase --abort >/dev/null 2>&1 || true
      echo "qasesync: the written-back ids do not rebase onto $branch ($(git rev-parse --short "$upstream")); writing them into it again"
      write_again
    fi
    if [ "$(git rev-parse HEAD)" = "$(git rev-parse "$upstream")" ]; then
      pushed=nothing
      break
    fi
    if git push --quiet origin "HEAD:$branch"; then
      pushed=true
      break
    fi
  fi
  if [ "$attempt" = "$attempts" ]; then
    echo "qasesync: push attempt $attempt failed; giving up"
  else
    echo "qasesync: push attempt $attempt failed; retrying"
    sleep $((attempt * 2))
  fi
done

case $pushed in
  true)
    echo "qasesync: pushed written-back ids to $branch ($(git rev-parse --short HEAD))"
    output committed true
    ;;
  nothing)
    echo "qasesync: nothing left to push to $branch"
    output committed false
    ;;
  *)
    {
      echo "### qasesync: written-back ids not pushed"
      echo
      echo "$attempts pushes to \`$branch\` failed, each after writing the ids into its newest head."
    } | summary
    summary_patch
    fail "could not push the written-back ids to $branch in $attempts attempts; they are kept (see the job summary)"
    ;;
esac
if [ "$left_out" = true ]; then
  safe errors qasesync <"$work/again.err"
  {
    echo "### qasesync: written-back ids without a place in \`$branch\`"
    echo
    echo "Apply created these in Qase and wrote their ids into the tree it read ($read_at), but"
    echo "\`$branch\` changed meanwhile, and they fit nowhere in its tree now; the others, if any,"
    echo "were written into it again and pushed. Add each id by hand to its entity, or the next"
    echo "apply creates that entity again:"
    echo
    fenced text "$work/again.err"
  } | summary
  summary_patch
  keep_record
  exit 1
fi

# shellcheck shell=bash
# Shell functions the action's scripts source: text from a pull request or from Qase shown
# safely in the log and in markdown (safe.py, by qasesync's own rules).

safe() { python3 "$GITHUB_ACTION_PATH/safe.py" "$@"; }

# Standard input to the log, each line a data line: no workflow command, controls escaped.
logged() { safe log; }

# The runner's escaping of a workflow command's message (%, CR, LF): for any value in one.
escaped() {
  local text=${1//%/%25}
  text=${text//$'\r'/%0D}
  printf '%s' "${text//$'\n'/%0A}"
}

# The file $2 as a fenced block of language $1 that no line of it can close: the fence is
# longer than any run of backticks or tildes in it.
fenced() { safe fence "$1" "$2"; }

"""`qasesync completion bash`: a bash completion script made from the parser itself, so it
never lists a command or option the parser does not have (zsh runs it with bashcompinit)."""

from __future__ import annotations

import argparse
import shlex
from typing import TextIO

from qasesync.cli.common import EXIT_OK
from qasesync.cli.parser import build_parser, commands

_SCRIPT = """\
# qasesync completion for bash (zsh: autoload -U bashcompinit && bashcompinit first)
_qasesync() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local command="" word words options
  for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
    case "$word" in -*) ;; *) command="$word"; break ;; esac
  done
  case "$command" in
{options}
    *) words="{top}"; COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
  esac
  case "$command $prev" in
{choices}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _qasesync qasesync
"""


def bash_script(parser: argparse.ArgumentParser) -> str:
    """The completion script for ``parser``'s commands, options and choices."""
    top = [*commands(parser), *_options(parser)]
    options, choices = [], []
    for name, command in commands(parser).items():
        options.append(f'    {name}) options="{" ".join(_options(command))}" ;;')
        for action in command._actions:
            if action.option_strings and action.choices:
                words = " ".join(str(choice) for choice in action.choices)
                for flag in action.option_strings:
                    choices.append(
                        f"    {shlex.quote(f'{name} {flag}')})"
                        f' COMPREPLY=($(compgen -W "{words}" -- "$cur")); return ;;'
                    )
    return _SCRIPT.format(options="\n".join(options), choices="\n".join(choices), top=" ".join(top))


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [
        flag
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction)
        for flag in action.option_strings
        if flag.startswith("--")
    ]


def cmd_completion(args: argparse.Namespace, out: TextIO) -> int:
    """Print the completion script of ``args.shell``."""
    out.write(bash_script(build_parser()))
    return EXIT_OK

"""safetext: untrusted text made safe for the terminal, workflow commands and markdown."""

from __future__ import annotations

import json
import re

import pytest

from qasesync.safetext import (
    escape_data,
    escape_property,
    json_text,
    markdown_code,
    markdown_html,
    markdown_inline,
    markdown_url,
    plain,
    redact,
    redact_forms,
    secret_forms,
    terminal,
    terminal_lines,
    workflow_command,
    workflow_line,
    workflow_text,
)

HOSTILE = "a\n::error::x\r\x1b[31mred\x1b[0m\t\x9b2J\u202egnp.exe\u2028b\x00"


# --- terminal ------------------------------------------------------------------------------


def test_terminal_shows_control_characters_escaped() -> None:
    assert terminal(HOSTILE) == (
        "a\\n::error::x\\r\\x1b[31mred\\x1b[0m\\t\\x9b2J\\u202egnp.exe\\u2028b\\x00"
    )


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u200f"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u2028", "\u2029", "\v", "\f", "\x1c"],
)
def test_every_unsafe_character_becomes_printable_ascii(char: str) -> None:
    shown = terminal(f"x{char}y")
    assert shown.isascii() and shown.isprintable()
    assert len(shown.splitlines()) == 1


def test_terminal_leaves_ordinary_text_alone() -> None:
    text = "Sign in — «café» 東京 ✅ C:\\path \\n"
    assert terminal(text) == text


def test_terminal_lines_keeps_newlines_only() -> None:
    assert terminal_lines("one\r\ntwo\x1b\n\nthree") == "one\\r\ntwo\\x1b\n\nthree"


# --- workflow commands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("::error::x", "\\x3a:error::x"),
        ("  \t::stop-commands::tok", "  \t\\x3a:stop-commands::tok"),
        ("\u3000\xa0::warning::x", "\u3000\xa0\\x3a:warning::x"),
        ("see ##[error]x and ##[warning]y", "see ##\\x5berror]x and ##\\x5bwarning]y"),
        ("a :: b", "a :: b"),
        (":x::", ":x::"),
        ("", ""),
    ],
)
def test_a_data_line_can_start_no_workflow_command(line: str, shown: str) -> None:
    assert workflow_line(line) == shown


def test_workflow_text_guards_every_line() -> None:
    assert workflow_text("ok\n::error::x\n ::add-mask::y") == (
        "ok\n\\x3a:error::x\n \\x3a:add-mask::y"
    )


def test_the_runners_escaping_of_messages_and_properties() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_a_command_is_one_line_with_escaped_message_and_properties() -> None:
    line = workflow_command(
        "error", "bad\n::error::x \x1b[2J 100%", file="a,b:c.yaml", line=3, col=None
    )
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3::bad%0A::error::x \\x1b[2J 100%25"
    assert "\n" not in line


def test_a_command_without_properties() -> None:
    assert workflow_command("notice", "done\r") == "::notice::done%0D"


def test_a_property_cannot_hold_a_control_character() -> None:
    assert workflow_command("error", "m", title="t\x1b\n") == "::error title=t\\x1b\\n::m"


# --- markdown -------------------------------------------------------------------------------


def test_markdown_inline_neutralises_html_and_markdown() -> None:
    assert markdown_inline("</details> <img src=x onerror=y> **b** @team #7") == (
        "&lt;/details&gt; &lt;img src=x onerror=y&gt; \\*\\*b\\*\\* @&#8203;team \\#&#8203;7"
    )


def test_markdown_inline_is_one_line_without_controls() -> None:
    shown = markdown_inline("a\n\n# head\r\n~~~~~\n\x1b[1m")
    assert "\n" not in shown and "\x1b" not in shown
    assert shown == "a \\#&#8203; head \\~\\~\\~\\~\\~ \\\\x1b\\[1m"


def test_markdown_html_escapes_for_an_html_element() -> None:
    assert markdown_html("auth</summary><img src=x>\n#1 @me") == (
        "auth&lt;/summary&gt;&lt;img src=x&gt; #&#8203;1 @&#8203;me"
    )


def _closes(fence: str, line: str) -> bool:
    """Whether ``line`` closes a fenced block opened by ``fence`` (CommonMark §4.5)."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = re.match(r"(`+|~+)\s*$", stripped)
    if run is None:
        return False
    return run.group(1)[0] == fence[0] and len(run.group(1)) >= len(fence)


@pytest.mark.parametrize(
    "text",
    ["plain", "~~~~~\n# forged", "```\n~~~\n``````````", "  ~~~~~~~~  ", "`~`~~~`", ""],
)
def test_no_line_of_the_text_closes_its_code_fence(text: str) -> None:
    block = markdown_code(text, "text").split("\n")
    fence = block[0].removesuffix("text")
    assert set(fence) == {"~"} and len(fence) >= 3
    assert block[-1] == fence
    assert not any(_closes(fence, line) for line in block[1:-1])


def test_markdown_code_keeps_lines_and_escapes_controls() -> None:
    assert markdown_code("a\r\nb\x1b[0m\rc") == "~~~\na\nb\\x1b[0m\\rc\n~~~"


# --- secrets --------------------------------------------------------------------------------


def test_redact_replaces_every_form_of_the_secret() -> None:
    secret = 'tok/en"9'
    text = f'{secret} and tok%2Fen%229 and "tok/en\\"9"'
    assert redact(text, secret) == '*** and *** and "***"'


def test_redact_with_no_secret_changes_nothing() -> None:
    assert redact("text", "") == "text"


def test_plain_tells_text_that_terminal_leaves_alone() -> None:
    assert plain("Sign in — «café» \\n") and not plain("a\x1bb") and not plain("\u202e")


def test_a_link_target_cannot_end_the_link() -> None:
    url = 'https://app.qase.io/shared-step/P/ab) ![x](https://evil.example/i.png "t")'
    assert markdown_url(url) == (
        "https://app.qase.io/shared-step/P/ab%29%20![x]%28https://evil.example/i.png%20%22t%22%29"
    )


def test_json_text_is_the_same_json_with_nothing_unsafe_left() -> None:
    value = {"a": "x\x9b\u202e ##[error]y\n", "b": ["\u2028"]}
    text = json_text(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert "##[" not in text and plain(text.replace("\n", ""))


def test_a_secret_can_be_redacted_from_many_texts_with_its_forms_worked_out_once() -> None:
    forms = secret_forms("s/cret")
    assert forms == ("s%2Fcret", "s/cret")
    assert [redact_forms(t, forms) for t in ("a s/cret", "none", "s%2Fcret")] == [
        "a ***",
        "none",
        "***",
    ]
    assert secret_forms("") == ()

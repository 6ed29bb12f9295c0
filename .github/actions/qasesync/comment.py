#!/usr/bin/env python3
"""Create or update the one pull-request comment that carries the qasesync plan.

Usage: comment.py BODY_FILE

The comment is the first one on the pull request whose body starts with the hidden marker
`<!-- qasesync-plan -->` and whose author's login is the token's own identity: every push
updates it in place (PATCH) instead of adding a comment; when there is none yet, one is
created (POST). A marked comment that anyone else wrote (a reviewer quoting the plan, another
bot, another app) is never touched. The token's identity is what GET /user answers (a
personal token); an app installation token gets 403 there, and the GraphQL `viewer` answers
instead (`github-actions[bot]` for the workflow's GITHUB_TOKEN, `<app>[bot]` for an app's
token); when neither answers, it is `github-actions[bot]`, whose name the workflow's token
comments under. Standard library and qasesync's safetext rules (by safe.py): an error GitHub
answers is shown as one line of text, the token redacted.

Environment: GITHUB_API_URL (default https://api.github.com), GITHUB_GRAPHQL_URL (default:
the API URL's /graphql), GITHUB_REPOSITORY (owner/name), PR_NUMBER, GITHUB_TOKEN. The token
goes into the Authorization header only; no message prints it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# safe.py sits beside this script, which Python puts first on sys.path.
from safe import redact, terminal, workflow_line

MARKER = "<!-- qasesync-plan -->"
#: Who comments with the workflow's GITHUB_TOKEN.
WORKFLOW_BOT = "github-actions[bot]"
# GitHub refuses comment bodies over 65,536 characters.
MAX_BODY = 65_000
TIMEOUT = 30


class GitHubError(Exception):
    pass


class GitHub:
    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        """One request; returns (decoded JSON, the URL of the next page or None)."""
        if not url.startswith(("http://", "https://")):
            url = self.api_url + url
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "qasesync-action")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                payload = json.loads(response.read() or b"null")
                return payload, next_link(response.headers.get("Link", ""))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:500]
            raise GitHubError(f"{method} {url}: HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise GitHubError(f"{method} {url}: {error}") from None

    def comments(self, repo: str, number: str) -> list[dict[str, Any]]:
        """Every comment of the pull request, following the Link header page by page."""
        url: str | None = f"/repos/{repo}/issues/{number}/comments?per_page=100"
        found: list[dict[str, Any]] = []
        while url:
            page, url = self.request("GET", url)
            found.extend(page)
        return found

    def login(self) -> str:
        """The login the token's comments are authored by (see the module's docstring)."""
        return self.user_login() or self.viewer_login() or WORKFLOW_BOT

    def user_login(self) -> str | None:
        """The token's user (a personal token); None when GET /user is refused (an app's)."""
        try:
            user, _ = self.request("GET", "/user")
        except GitHubError:
            return None
        return login_of(user)

    def viewer_login(self) -> str | None:
        """The GraphQL viewer: an app installation token's bot, as the REST API names the
        author of its comments (`<app>[bot]`: GraphQL may leave the suffix out); None when
        GraphQL does not answer."""
        url = os.environ.get("GITHUB_GRAPHQL_URL") or f"{self.api_url}/graphql"
        try:
            answer, _ = self.request("POST", url, {"query": "query { viewer { login } }"})
        except GitHubError:
            return None
        data = answer.get("data") if isinstance(answer, dict) else None
        login = login_of((data or {}).get("viewer"))
        if login is None or login.endswith("[bot]"):
            return login
        return f"{login}[bot]"


def login_of(user: Any) -> str | None:
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) and login else None


def written_by(comment: dict[str, Any], login: str) -> bool:
    """Whether ``login`` (the token's identity) wrote ``comment``."""
    return login_of(comment.get("user")) == login


def shown(text: str, token: str) -> str:
    """``text`` (an error, with what GitHub answered) as one line of the log: the token
    redacted, controls escaped, no workflow command."""
    return workflow_line(terminal(redact(text, token)))


def next_link(header: str) -> str | None:
    for part in header.split(","):
        match = re.search(r'<([^>]+)>\s*;\s*rel="next"', part)
        if match:
            return match.group(1)
    return None


def fit(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    note = "\n\n…the plan is cut here; the whole plan is in the job summary of the workflow run.\n"
    return body[: MAX_BODY - len(note)] + note


def upsert(github: GitHub, repo: str, number: str, body: str) -> tuple[str, int]:
    """Update the marked comment or create it; returns ("updated"|"created", comment id)."""
    body = fit(body if body.startswith(MARKER) else f"{MARKER}\n{body}")
    marked = [
        comment
        for comment in github.comments(repo, number)
        if (comment.get("body") or "").lstrip().startswith(MARKER)
    ]
    login = github.login() if marked else ""  # no request when there is nothing to match
    for comment in marked:
        if written_by(comment, login):
            github.request(
                "PATCH", f"/repos/{repo}/issues/comments/{comment['id']}", {"body": body}
            )
            return "updated", int(comment["id"])
    created, _ = github.request("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
    return "created", int(created["id"])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: comment.py BODY_FILE", file=sys.stderr)
        return 2
    repo = os.environ.get("GITHUB_REPOSITORY", "")
    number = os.environ.get("PR_NUMBER", "")
    if not repo or not number.isdigit():
        print("comment.py: GITHUB_REPOSITORY and PR_NUMBER must be set", file=sys.stderr)
        return 1
    github = GitHub(
        os.environ.get("GITHUB_API_URL") or "https://api.github.com",
        os.environ.get("GITHUB_TOKEN", ""),
    )
    body = Path(argv[0]).read_text(encoding="utf-8")
    try:
        action, comment_id = upsert(github, repo, number, body)
    except GitHubError as error:
        print(shown(f"comment.py: {error}", github.token), file=sys.stderr)
        return 1
    print(f"qasesync: {action} plan comment {comment_id} on #{number}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

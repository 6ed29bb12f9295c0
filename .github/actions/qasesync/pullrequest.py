#!/usr/bin/env python3
"""Open, update or close the one pull request that carries what `qasesync pull` brought in.

Usage: pullrequest.py upsert BODY_FILE    prints "created|updated NUMBER URL"
       pullrequest.py close MESSAGE_FILE  prints "closed NUMBER URL", or "none"

The pull request is the open one whose head is PULL_BRANCH in this repository, found
through the REST API (GET /repos/{repo}/pulls?head=owner:branch, every page), as
comment.py finds the plan comment: every run updates its title and body (PATCH) instead of
opening another; when there is none, one is opened against BASE_BRANCH (POST). `close`
comments on the open one with MESSAGE_FILE and closes it: its changes are no longer live.

Environment: GITHUB_API_URL (default https://api.github.com), GITHUB_REPOSITORY (owner/name),
GITHUB_TOKEN, PULL_BRANCH, BASE_BRANCH. The token goes into the Authorization header only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# comment.py sits beside this script, which Python puts first on sys.path.
from comment import GitHub, GitHubError, shown

TITLE = "Changes made in Qase"
# GitHub refuses pull-request bodies over 65,536 characters.
MAX_BODY = 65_000
CUT_NOTE = (
    "\n\n…the description is cut here; the whole diff is in the branch's commit and in the "
    "job summary of the workflow run.\n"
)


def fit(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    return body[: MAX_BODY - len(CUT_NOTE)] + CUT_NOTE


def find_open(github: GitHub, repo: str, branch: str) -> dict[str, Any] | None:
    """The open pull request from ``branch`` of ``repo`` itself (not of a fork)."""
    owner = repo.split("/", 1)[0]
    query = urlencode({"state": "open", "head": f"{owner}:{branch}", "per_page": 100})
    url: str | None = f"/repos/{repo}/pulls?{query}"
    while url:
        page, url = github.request("GET", url)
        for pull in page:
            head = pull.get("head") or {}
            if head.get("ref") == branch and (head.get("repo") or {}).get("full_name") == repo:
                return dict(pull)
    return None


def upsert(github: GitHub, repo: str, branch: str, base: str, body: str) -> tuple[str, Any]:
    """Update the open pull request from ``branch`` or open one; returns the action taken
    ("updated"|"created") and the pull request."""
    body = fit(body)
    found = find_open(github, repo, branch)
    if found is not None:
        update = {"title": TITLE, "body": body}
        pull, _ = github.request("PATCH", f"/repos/{repo}/pulls/{found['number']}", update)
        return "updated", pull
    create = {"title": TITLE, "head": branch, "base": base, "body": body}
    pull, _ = github.request("POST", f"/repos/{repo}/pulls", create)
    return "created", pull


def close(github: GitHub, repo: str, branch: str, message: str) -> Any:
    """Say why on the open pull request from ``branch``, and close it; None when none is open."""
    found = find_open(github, repo, branch)
    if found is None:
        return None
    number = found["number"]
    github.request("POST", f"/repos/{repo}/issues/{number}/comments", {"body": message})
    pull, _ = github.request("PATCH", f"/repos/{repo}/pulls/{number}", {"state": "closed"})
    return pull


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("upsert", "close"):
        print("usage: pullrequest.py upsert BODY_FILE | close MESSAGE_FILE", file=sys.stderr)
        return 2
    repo = os.environ.get("GITHUB_REPOSITORY", "")
    branch = os.environ.get("PULL_BRANCH", "")
    base = os.environ.get("BASE_BRANCH", "")
    if not repo or not branch or not base:
        print(
            "pullrequest.py: GITHUB_REPOSITORY, PULL_BRANCH, BASE_BRANCH must be set",
            file=sys.stderr,
        )
        return 1
    github = GitHub(
        os.environ.get("GITHUB_API_URL") or "https://api.github.com",
        os.environ.get("GITHUB_TOKEN", ""),
    )
    text = Path(argv[1]).read_text(encoding="utf-8", errors="replace")
    try:
        if argv[0] == "upsert":
            action, pull = upsert(github, repo, branch, base, text)
        else:
            action, pull = "closed", close(github, repo, branch, text)
    except GitHubError as error:
        print(shown(f"pullrequest.py: {error}", github.token), file=sys.stderr)
        return 1
    print("none" if pull is None else f"{action} {pull['number']} {pull.get('html_url', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

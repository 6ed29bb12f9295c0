"""The composite GitHub Action, the workflows and the pre-commit hook.

The action's `run:` steps are executed here with bash, the way the runner executes them:
each `${{ }}` expression of a step's `env:` is resolved from the test's inputs, the outputs
of earlier steps and a small `github` context; GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are
temporary files; the pull-request comment and pull's pull request go to a local fake of the
GitHub REST API. `validate`, `plan`, `apply` and `pull` run for real (against the Qase API
emulator on a socket);
a stand-in script on PATH plays `qasesync` where a test needs an outcome the emulator does
not give at will (a plan cut for length, an apply failing part-way) or records the calls.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

REPO = Path(__file__).resolve().parents[1]
ACTION_DIR = REPO / ".github" / "actions" / "qasesync"
WORKFLOWS = sorted([*REPO.glob(".github/workflows/*.yml"), *REPO.glob("examples/workflows/*.yml")])
MARKER = "<!-- qasesync-plan -->"
GITHUB_TOKEN = "ghs_fake_token_for_tests"
QASE_TOKEN = "qase-secret-token-never-printed"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
ALWAYS = "${{ !cancelled() }}"
INSTALL_STEP = "Install qasesync"


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


ACTION: dict[str, Any] = load_yaml(ACTION_DIR / "action.yml")


# --- a fake of the GitHub REST API: issue comments and pull requests ------------------------


BOT = {"login": "github-actions[bot]", "type": "Bot"}
SOMEONE = {"login": "someone", "type": "User"}


@dataclass
class FakeGitHub:
    """``viewer``: the token's user as GET /user answers it (a personal token); None for an
    app installation token (the workflow's own, by default), which GET /user refuses.
    ``app``: that token's bot as the GraphQL viewer answers it; None when GraphQL answers
    with an error (the comments are then the workflow bot's)."""

    page_size: int = 2
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    viewer: dict[str, str] | None = None
    app: dict[str, str] | None = field(default_factory=lambda: dict(BOT))
    #: How GraphQL ends the app's login: `[bot]` as REST does, or "" (the app's slug).
    graphql_suffix: str = "[bot]"
    pulls: list[dict[str, Any]] = field(default_factory=list)
    #: The bare origin the pull requests' branches must exist in, as GitHub checks.
    origin: Path | None = None
    #: Answer POST /pulls as GitHub does when Actions may not create pull requests.
    refuse_pull_requests: bool = False

    def add(self, body: str, user: dict[str, str] = SOMEONE) -> dict[str, Any]:
        comment = {"id": 1000 + len(self.comments), "body": body, "user": user}
        self.comments.append(comment)
        return comment

    @property
    def author(self) -> dict[str, str]:
        return self.viewer or self.app or BOT

    def open_pull(self, head: str, base: str, title: str, body: str) -> dict[str, Any]:
        number = 100 + len(self.pulls)
        pull = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "head": {"ref": head, "repo": {"full_name": "octo/shop"}},
            "base": {"ref": base},
            "html_url": f"https://github.com/octo/shop/pull/{number}",
            "user": self.author,
        }
        self.pulls.append(pull)
        return pull

    def branch_exists(self, name: str) -> bool:
        if self.origin is None:
            return True
        ref = ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{name}"]
        return subprocess.run(ref, cwd=self.origin, capture_output=True).returncode == 0


def _handler(state: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    list_path = re.compile(r"^/repos/octo/shop/issues/(\d+)/comments$")
    one_path = re.compile(r"^/repos/octo/shop/issues/comments/(\d+)$")
    pulls_path = "/repos/octo/shop/pulls"
    one_pull_path = re.compile(r"^/repos/octo/shop/pulls/(\d+)$")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            state.requests.append((self.command, self.path))
            if self.headers.get("Authorization") == f"Bearer {GITHUB_TOKEN}":
                return True
            self._reply(401, {"message": "Bad credentials"})
            return False

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            body: dict[str, Any] = json.loads(self.rfile.read(length))
            return body

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if not self._authorized():
                return
            if url.path == "/user" and state.viewer is None:
                return self._reply(403, {"message": "Resource not accessible by integration"})
            if url.path == "/user":
                return self._reply(200, state.viewer)
            if url.path == pulls_path:
                return self._list_pulls(parse_qs(url.query))
            if not list_path.match(url.path):
                return self._reply(404, {"message": "Not Found"})
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            start = (page - 1) * state.page_size
            headers = {}
            if start + state.page_size < len(state.comments):
                headers["Link"] = f'<{state.url}{url.path}?page={page + 1}>; rel="next"'
            self._reply(200, state.comments[start : start + state.page_size], headers)

        def _list_pulls(self, query: dict[str, list[str]]) -> None:
            # As GitHub filters: by state, and by head as "owner:branch".
            owner, _, branch = query["head"][0].partition(":")
            found = [
                pull
                for pull in state.pulls
                if pull["state"] == query.get("state", ["open"])[0]
                and owner == "octo"
                and pull["head"]["ref"] == branch
            ]
            self._reply(200, found)

        def _create_pull(self) -> None:
            body = self._body()
            if state.refuse_pull_requests:
                message = "GitHub Actions is not permitted to create or approve pull requests."
                return self._reply(403, {"message": message})
            if not state.branch_exists(body["head"]):
                return self._reply(422, {"message": "Validation Failed", "field": "head"})
            pull = state.open_pull(body["head"], body["base"], body["title"], body["body"])
            self._reply(201, pull)

        def _graphql(self) -> None:
            assert self._body() == {"query": "query { viewer { login } }"}
            if state.app is None:
                return self._reply(200, {"errors": [{"message": "Resource not accessible"}]})
            login = state.app["login"].removesuffix("[bot]") + state.graphql_suffix
            self._reply(200, {"data": {"viewer": {"login": login}}})

        def do_POST(self) -> None:
            if not self._authorized():
                return
            if self.path == pulls_path:
                return self._create_pull()
            if self.path == "/graphql":
                return self._graphql()
            if list_path.match(self.path):
                self._reply(201, state.add(self._body()["body"], state.author))

        def _update_pull(self, number: int) -> None:
            for pull in state.pulls:
                if pull["number"] == number:
                    pull.update(self._body())
                    return self._reply(200, pull)
            self._reply(404, {"message": "Not Found"})

        def do_PATCH(self) -> None:
            if not self._authorized():
                return
            pull_match = one_pull_path.match(self.path)
            if pull_match:
                return self._update_pull(int(pull_match.group(1)))
            match = one_path.match(self.path)
            if not match:
                return
            for comment in state.comments:
                if comment["id"] == int(match.group(1)) and comment["user"] != state.author:
                    return self._reply(403, {"message": "Resource not accessible by integration"})
                if comment["id"] == int(match.group(1)):
                    comment["body"] = self._body()["body"]
                    return self._reply(200, comment)
            self._reply(404, {"message": "Not Found"})

    return Handler


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    state = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- a stand-in for `qasesync plan` / `qasesync apply` ---------------------------------------

FAKE_QASESYNC = """\
#!{python}
# Stand-in for qasesync plan/apply/pull: behaviour from FAKE_* variables; every call logged.
# FAKE_TEXT: text (hostile, in the tests that set it) that each command prints as well.
import json, os, sys
args = sys.argv[1:]
extra = os.environ.get("FAKE_TEXT", "")
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
command = args[0]
if command == "plan":
    if os.environ.get("QASE_TOKEN") != "{token}":
        sys.exit("error: authentication failed")
    code = int(os.environ.get("FAKE_PLAN_EXIT", "2"))
    assert args[args.index("--format") + 1] == "github", args
    if code == 1:
        print("::error file=cases/smoke.yaml,line=4,col=15::unknown severity `showstopper`")
        sys.stderr.write(extra)
        sys.exit("error: unknown severity `showstopper` (cases/smoke.yaml:4:15)")
    with open(args[args.index("--out") + 1], "w") as saved:
        saved.write('{"format_version": 1}')
    print("::notice file=cases/smoke.yaml,line=4::+ create case")
    sys.exit(code if "--detailed-exitcode" in args else 0)
if command == "show":
    if not os.path.isfile(args[1]):
        sys.exit("error: not a saved plan")
    if "text" in args:
        print("+ case: every one of the 3,000 new cases" + extra)
    else:
        print("{marker}")
        print("## qasesync plan: SHOP")
        print("Plan: 1 to create, 0 to update, 0 to deprecate, 0 to delete.")
        if os.environ.get("FAKE_PLAN_CUT"):
            print("**The plan is cut here: 12 more section(s) did not fit.**")
    sys.exit(0)
if command == "apply":
    target = os.environ.get("FAKE_APPLY_FILE")
    files = []
    if target:
        with open(target, "a") as f:
            f.write("    id: 101\\n")
        files.append(os.path.relpath(target, args[1]))
    if "--record" in args and not os.environ.get("FAKE_NO_RECORD"):
        with open(args[args.index("--record") + 1], "w") as record:
            empty = {"written": [], "base": []}
            json.dump({"qasesync_writeback": 1, "project": "SHOP", "files": files, **empty}, record)
    print("Apply: 1 created" + extra)
    sys.exit(int(os.environ.get("FAKE_APPLY_EXIT", "0")))
if command == "writeback":
    print("error: a crash" + extra, file=sys.stderr)
    sys.exit(int(os.environ.get("FAKE_WRITEBACK_EXIT", "3")))
if command == "pull":
    # Appends FAKE_PULL_TEXT to each file of the tree named in FAKE_PULL_FILES.
    for name in filter(None, os.environ.get("FAKE_PULL_FILES", "").split(",")):
        with open(os.path.join(args[1], name), "a") as f:
            f.write(os.environ.get("FAKE_PULL_TEXT", "# pulled\\n"))
    print("~ case #1 'Home page' (smoke.yaml): title" + extra)
    print("Pulled 1 change(s) from SHOP into 1 file(s).")
    sys.exit(0)
sys.exit("unexpected command " + command)
"""


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "qasesync"
    script.write_text(
        FAKE_QASESYNC.replace("{python}", sys.executable)
        .replace("{token}", QASE_TOKEN)
        .replace("{marker}", MARKER),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return folder


# --- running the action's steps like the runner does ---------------------------------------


@dataclass
class Run:
    outputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]]
    results: list[tuple[str, int]]
    stdout: str
    summary: str

    @property
    def failed(self) -> bool:
        return any(code != 0 for _, code in self.results)


def parse_outputs(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_action(
    tmp_path: Path,
    inputs: dict[str, str],
    *,
    path: list[Path] | None = None,
    github_context: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run the `run:` steps of action.yml with bash, as the runner would, and collect."""
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(inputs) - set(defaults)
    assert not unknown, f"not inputs of the action: {unknown}"
    values = {**defaults, **inputs}
    context = {"github.token": GITHUB_TOKEN, **(github_context or {})}
    step_outputs: dict[str, dict[str, str]] = {}

    def resolve(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("inputs."):
                return values[expr.removeprefix("inputs.")]
            if expr.startswith("steps."):
                step_id, _, name = expr.removeprefix("steps.").split(".", 2)
                return step_outputs.get(step_id, {}).get(name, "")
            if expr.startswith("github."):
                return context.get(expr, "")
            raise AssertionError(f"the test cannot evaluate ${{{{ {expr} }}}}")

        return EXPRESSION.sub(one, text)

    values = {name: resolve(value) for name, value in values.items()}
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = tmp_path / "summary.md"
    summary.touch()
    cwd = cwd or tmp_path
    search_path = [*(path or []), Path(sys.executable).parent, Path("/usr/bin"), Path("/bin")]
    base_env = {
        "PATH": os.pathsep.join(str(p) for p in search_path),
        "HOME": str(tmp_path),
        # The qasesync of this checkout, whatever the environment has installed.
        "PYTHONPATH": str(REPO),
        "GITHUB_ACTION_PATH": str(ACTION_DIR),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(cwd),
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_SHA": "0123456789abcdef",
        "RUNNER_TEMP": str(temp),
        "GIT_CONFIG_NOSYSTEM": "1",
        **(env or {}),
    }
    results: list[tuple[str, int]] = []
    stdout = []
    for index, step in enumerate(ACTION["runs"]["steps"]):
        # `uses:` steps are the runner's; the install step has its own tests below (here it
        # would pip-install this checkout over the test environment's editable install).
        if "uses" in step or step.get("name") == INSTALL_STEP:
            continue
        condition = step.get("if")
        assert condition in (None, ALWAYS), f"the test cannot evaluate if: {condition}"
        if condition is None and any(code for _, code in results):
            continue
        output_file = tmp_path / f"output-{index}"
        output_file.write_text("", encoding="utf-8")
        script = tmp_path / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {name: resolve(str(value)) for name, value in step.get("env", {}).items()}
        workdir = cwd / resolve(step.get("working-directory", "."))
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workdir,
            env={**base_env, **step_env, "GITHUB_OUTPUT": str(output_file)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        stdout.append(done.stdout + done.stderr)
        results.append((step["name"], done.returncode))
        if "id" in step:
            step_outputs[step["id"]] = parse_outputs(output_file.read_text(encoding="utf-8"))
    outputs = {name: resolve(spec["value"]) for name, spec in ACTION["outputs"].items()}
    return Run(outputs, step_outputs, results, "".join(stdout), summary.read_text("utf-8"))


def plan_inputs(**extra: str) -> dict[str, str]:
    return {"command": "plan", "token": QASE_TOKEN, "python-version": "", **extra}


def pr_env(github: FakeGitHub, tmp_path: Path) -> dict[str, str]:
    return {"GITHUB_API_URL": github.url, "FAKE_LOG": str(tmp_path / "calls.log")}


PR = {"github.event.pull_request.number": "7"}


def qasesync_calls(tmp_path: Path) -> list[str]:
    """The stand-in's calls, the saved plan's temporary path as PLAN.json, and apply's
    record as RECORD.json."""
    text = (tmp_path / "calls.log").read_text(encoding="utf-8")
    text = re.sub(r"\S*/qasesync\.\w+/plan\.json", "PLAN.json", text)
    return re.sub(r"\S*/qasesync\.\w+/written\.json", "RECORD.json", text).splitlines()


# --- the action run locally ------------------------------------------------------------------


def test_plan_creates_one_comment_then_updates_it_in_place(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    github.add("LGTM")
    github.add("please add a case for the coupon")
    github.add("another unrelated comment")
    env = pr_env(github, tmp_path)

    first = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not first.failed, first.stdout
    assert len(github.comments) == 4
    created = github.comments[-1]
    assert created["body"].startswith(MARKER + "\n## qasesync plan: SHOP")
    assert ("POST", "/repos/octo/shop/issues/7/comments") in github.requests

    github.add("a reviewer comment after the first plan")
    second = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not second.failed, second.stdout
    assert len(github.comments) == 5
    assert [c["id"] for c in github.comments if c["body"].startswith(MARKER)] == [created["id"]]
    assert ("PATCH", f"/repos/octo/shop/issues/comments/{created['id']}") in github.requests
    # Three pages of two comments were listed to find the marker on the second page.
    listed = [path for method, path in github.requests if method == "GET" and path != "/user"]
    assert len(listed) == 2 + 3
    # Who the token is was asked once: when there was a marked comment to check.
    assert github.requests.count(("GET", "/user")) == 1


def test_a_comment_with_the_marker_written_by_someone_else_is_left_alone(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    quoted = github.add(f"{MARKER}\nquoting the plan: why two creates?")
    env = pr_env(github, tmp_path)
    for _ in range(2):
        run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
        assert not run.failed, run.stdout
        assert "could not update" not in run.stdout
    [_, ours] = github.comments
    assert quoted["body"] == f"{MARKER}\nquoting the plan: why two creates?"
    assert (ours["user"], ours["body"].startswith(MARKER + "\n## qasesync plan")) == (BOT, True)
    assert ("PATCH", f"/repos/octo/shop/issues/comments/{ours['id']}") in github.requests


def test_with_a_personal_token_the_comment_of_its_user_is_updated(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    github.viewer = {"login": "release-bot-user", "type": "User"}
    github.add(f"{MARKER}\nan old plan, posted with the workflow's token", BOT)
    mine = github.add(f"{MARKER}\nan old plan", github.viewer)
    env = pr_env(github, tmp_path)
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not run.failed, run.stdout
    assert len(github.comments) == 2
    assert mine["body"].startswith(MARKER + "\n## qasesync plan: SHOP")


OTHER_BOT = {"login": "dependabot[bot]", "type": "Bot"}


def test_a_marked_comment_of_another_bot_is_never_edited(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    # Any bot or app can post a comment that starts with the marker (a forged "approved"
    # plan, say): only the workflow's own bot's comment is the plan comment.
    forged = github.add(f"{MARKER}\n## ✅ Plan approved — safe to merge", OTHER_BOT)
    env = pr_env(github, tmp_path)
    for _ in range(2):
        run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
        assert not run.failed, run.stdout
        assert "could not update" not in run.stdout
    [_, ours] = github.comments
    assert forged["body"] == f"{MARKER}\n## ✅ Plan approved — safe to merge"
    assert ours["user"] == BOT and ours["body"].startswith(MARKER + "\n## qasesync plan")
    assert ("PATCH", f"/repos/octo/shop/issues/comments/{forged['id']}") not in github.requests
    assert ("PATCH", f"/repos/octo/shop/issues/comments/{ours['id']}") in github.requests


@pytest.mark.parametrize("suffix", ["[bot]", ""])
def test_with_an_app_token_the_comment_of_its_own_bot_is_updated(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path, suffix: str
) -> None:
    # GraphQL names the viewer with or without the `[bot]` that REST's comment author has.
    github.app = {"login": "qa-sync-app[bot]", "type": "Bot"}
    github.graphql_suffix = suffix
    theirs = github.add(f"{MARKER}\nan old plan, posted with the workflow's token", BOT)
    mine = github.add(f"{MARKER}\nan old plan", github.app)
    env = pr_env(github, tmp_path)
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not run.failed, run.stdout
    assert len(github.comments) == 2
    assert mine["body"].startswith(MARKER + "\n## qasesync plan: SHOP")
    assert theirs["body"] == f"{MARKER}\nan old plan, posted with the workflow's token"
    # Who the token is: GET /user refused it (an app's), the GraphQL viewer named it.
    assert ("GET", "/user") in github.requests and ("POST", "/graphql") in github.requests


def test_when_graphql_does_not_say_who_the_token_is_it_is_the_workflow_bot(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    github.app = None
    forged = github.add(f"{MARKER}\nnot ours", OTHER_BOT)
    ours = github.add(f"{MARKER}\nan old plan", BOT)
    env = pr_env(github, tmp_path)
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not run.failed, run.stdout
    assert len(github.comments) == 2
    assert forged["body"] == f"{MARKER}\nnot ours"
    assert ours["body"].startswith(MARKER + "\n## qasesync plan: SHOP")


def test_plan_with_changes_passes_and_fills_summary_outputs_and_annotations(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    run = run_action(
        tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=pr_env(github, tmp_path)
    )
    assert run.results[-1] == ("Conclude", 0)
    assert run.outputs["exit-code"] == "0"
    assert run.outputs["has-changes"] == "true"
    assert run.outputs["skipped"] == "false"
    assert run.summary.startswith(MARKER + "\n## qasesync plan: SHOP\n")
    assert "Plan: 1 to create" in run.summary
    assert "::notice file=cases/smoke.yaml,line=4::+ create case" in run.stdout
    # One read of the live project; the comment is rendered from the saved plan.
    assert qasesync_calls(tmp_path) == [
        "plan cases --format github --out PLAN.json --detailed-exitcode",
        "show PLAN.json --format markdown",
    ]


def test_annotations_can_be_turned_off(tmp_path: Path, github: FakeGitHub, fake_bin: Path) -> None:
    inputs = plan_inputs(annotations="false")
    run = run_action(
        tmp_path, inputs, path=[fake_bin], github_context=PR, env=pr_env(github, tmp_path)
    )
    assert not run.failed, run.stdout
    assert "::notice" not in run.stdout
    assert len(qasesync_calls(tmp_path)) == 2


def test_a_plan_cut_for_the_comment_is_whole_in_the_summary(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    env = {**pr_env(github, tmp_path), "FAKE_PLAN_CUT": "1"}
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not run.failed
    assert "every one of the 3,000 new cases" in run.summary
    assert "every one of the 3,000 new cases" not in github.comments[0]["body"]
    assert qasesync_calls(tmp_path) == [
        "plan cases --format github --out PLAN.json --detailed-exitcode",
        "show PLAN.json --format markdown",
        "show PLAN.json --format text",
        "show PLAN.json --full --format text",
    ]
    full = Path(run.step_outputs["run"]["full-plan"])
    assert (full / "plan.txt").read_text() == "+ case: every one of the 3,000 new cases\n"
    assert (full / "plan.json").read_text() == '{"format_version": 1}'


def test_plan_without_changes_reports_no_changes(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    env = {**pr_env(github, tmp_path), "FAKE_PLAN_EXIT": "0"}
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not run.failed
    assert run.outputs["has-changes"] == "false"


def test_plan_error_fails_the_check_and_says_so_in_the_comment(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    env = {**pr_env(github, tmp_path), "FAKE_PLAN_EXIT": "1"}
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert run.results[-1] == ("Conclude", 1)
    assert run.outputs["exit-code"] == "1"
    [comment] = github.comments
    assert comment["body"].startswith(f"{MARKER}\n### qasesync plan failed (exit 1)\n")
    assert "unknown severity `showstopper`" in comment["body"]
    assert "::error title=qasesync plan::plan failed with exit code 1" in run.stdout
    # The failed plan's own annotations, from the same and only call.
    assert "::error file=cases/smoke.yaml,line=4,col=15::unknown severity" in run.stdout
    assert qasesync_calls(tmp_path) == [
        "plan cases --format github --out PLAN.json --detailed-exitcode"
    ]


def test_plan_without_token_is_skipped_with_a_note_and_no_comment(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    run = run_action(
        tmp_path,
        plan_inputs(token=""),
        path=[fake_bin],
        github_context=PR,
        env=pr_env(github, tmp_path),
    )
    assert not run.failed
    assert run.outputs["skipped"] == "true"
    assert "### qasesync plan skipped" in run.summary
    assert "fork" in run.summary
    assert github.requests == []
    assert not (tmp_path / "calls.log").exists()


def test_the_qase_token_is_never_printed(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    run = run_action(
        tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=pr_env(github, tmp_path)
    )
    assert QASE_TOKEN not in run.stdout + run.summary + github.comments[0]["body"]


def test_a_comment_that_cannot_be_posted_is_a_warning_not_a_failure(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    run = run_action(
        tmp_path,
        plan_inputs(**{"github-token": "read-only"}),
        path=[fake_bin],
        github_context=PR,
        env=pr_env(github, tmp_path),
    )
    assert not run.failed
    assert "HTTP 401" in run.stdout
    assert "::warning title=qasesync::could not update the pull-request comment" in run.stdout
    assert github.comments == []


def test_plan_outside_a_pull_request_posts_no_comment(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], env=pr_env(github, tmp_path))
    assert not run.failed
    assert github.requests == []
    assert "Not a pull request" in run.stdout


def test_validate_with_the_real_command_on_the_example_tree(tmp_path: Path) -> None:
    run = run_action(
        tmp_path, {"command": "validate", "tree": str(REPO / "cases"), "python-version": ""}
    )
    assert not run.failed, run.stdout
    assert run.outputs["exit-code"] == "0"
    assert "— valid" in run.summary


def test_validate_problems_become_annotations_on_repository_paths(tmp_path: Path) -> None:
    tree = tmp_path / "qa" / "cases"
    shutil.copytree(REPO / "cases", tree)
    smoke = tree / "smoke.yaml"
    smoke.write_text(smoke.read_text(encoding="utf-8") + "  - title: ''\n", encoding="utf-8")
    run = run_action(
        tmp_path,
        {"command": "validate", "tree": "cases", "working-directory": "qa", "python-version": ""},
    )
    assert run.results[-1][1] == 1
    assert run.outputs["exit-code"] == "1"
    assert "::error file=qa/cases/smoke.yaml,line=" in run.stdout
    assert "problem(s) in cases:" in run.summary


# --- plan for real: qasesync against the Qase API emulator ----------------------------------


@pytest.fixture
def qase() -> Iterator[tuple[Any, str]]:
    """The Qase API emulator on a socket, and its URL."""
    from qasesync.emulator import Emulator, serve

    emulator = Emulator(token=QASE_TOKEN, projects=("SHOP",))
    with serve(emulator, host="127.0.0.1", port=0) as server:
        yield emulator, server.url


@pytest.fixture
def qase_url(qase: tuple[Any, str]) -> str:
    return qase[1]


def small_tree(root: Path) -> None:
    """The action's test tree (ci.yml plans it on a runner too): one suite, two cases."""
    shutil.copytree(ACTION_DIR / "testdata" / "cases", root / "cases")


def test_real_plan_against_the_emulator_comments_once_then_updates_in_place(
    tmp_path: Path, github: FakeGitHub, qase_url: str
) -> None:
    small_tree(tmp_path)
    github.add("LGTM")
    inputs = plan_inputs(**{"api-url": qase_url})
    env = {"GITHUB_API_URL": github.url}

    first = run_action(tmp_path, inputs, github_context=PR, env=env)
    assert not first.failed, first.stdout
    assert first.outputs == {
        "exit-code": "0",
        "has-changes": "true",
        "skipped": "false",
        "committed": "",
        "record-artifact": "",
        "pull-request": "",
    }
    assert first.summary.startswith(MARKER + "\n")
    assert "Plan: 3 to create, 0 to update, 0 to deprecate, 0 to delete" in first.summary
    assert "::notice file=cases/checkout/payments.yaml,line=2::" in first.stdout
    [_, comment] = github.comments
    assert comment["body"].startswith(MARKER + "\n")
    assert "Pay by voucher" in comment["body"]

    second = run_action(tmp_path, inputs, github_context=PR, env=env)
    assert not second.failed, second.stdout
    assert len(github.comments) == 2
    assert ("PATCH", f"/repos/octo/shop/issues/comments/{comment['id']}") in github.requests
    assert QASE_TOKEN not in first.stdout + second.stdout + first.summary + comment["body"]


def one_plan_requests(emulator: Any, url: str, tree: Path) -> int:
    """How many requests one `qasesync plan` of ``tree`` makes (reading the project once)."""
    before = len(emulator.log)
    env = {**os.environ, "QASE_TOKEN": QASE_TOKEN, "QASE_API_URL": url}
    subprocess.run(
        [sys.executable, "-m", "qasesync", "plan", str(tree)], env=env, capture_output=True
    )
    return len(emulator.log) - before


def test_real_plan_reads_the_live_project_once_per_run(
    tmp_path: Path, github: FakeGitHub, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    small_tree(tmp_path)
    one_read = one_plan_requests(emulator, url, tmp_path / "cases")
    before = len(emulator.log)
    inputs = plan_inputs(**{"api-url": url})
    run = run_action(tmp_path, inputs, github_context=PR, env={"GITHUB_API_URL": github.url})
    assert not run.failed, run.stdout
    assert len(emulator.log) - before == one_read


def test_real_plan_failing_after_the_read_annotates_the_yaml_line(
    tmp_path: Path, github: FakeGitHub, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    small_tree(tmp_path)
    with (tmp_path / "cases" / "checkout" / "payments.yaml").open("a", encoding="utf-8") as f:
        f.write("    custom_fields:\n      Nope: x\n")
    one_read = one_plan_requests(emulator, url, tmp_path / "cases")
    before = len(emulator.log)
    inputs = plan_inputs(**{"api-url": url})
    run = run_action(tmp_path, inputs, github_context=PR, env={"GITHUB_API_URL": github.url})
    assert run.results[-1] == ("Conclude", 1)
    assert (
        "::error file=cases/checkout/payments.yaml,line=4,col=5::custom field 'Nope' is unknown"
        in run.stdout
    )
    [comment] = github.comments
    assert "custom field 'Nope' is unknown to project SHOP" in comment["body"]
    # The project was read once: the annotations came from the same run.
    assert len(emulator.log) - before == one_read


def test_real_plan_with_a_wrong_token_fails_the_check_and_says_why(
    tmp_path: Path, github: FakeGitHub, qase_url: str
) -> None:
    small_tree(tmp_path)
    inputs = plan_inputs(token="wrong-token", **{"api-url": qase_url})
    run = run_action(tmp_path, inputs, github_context=PR, env={"GITHUB_API_URL": github.url})
    assert run.results[-1] == ("Conclude", 1)
    assert run.outputs["exit-code"] == "1"
    [comment] = github.comments
    assert comment["body"].startswith(f"{MARKER}\n### qasesync plan failed (exit 1)\n")
    assert "wrong-token" not in run.stdout + comment["body"]


# --- apply: the written-back ids are committed and pushed ---------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of a bare origin holding a cases tree, on branch main."""
    origin, seed, work = tmp_path / "origin.git", tmp_path / "seed", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(tmp_path, "clone", "--quiet", str(origin), str(seed))
    small_tree(seed)
    (seed / "cases" / "smoke.yaml").write_text("cases:\n  - title: Home page\n", "utf-8")
    (seed / "README.md").write_text("shop\n", encoding="utf-8")
    for name, value in (("user.name", "Dev"), ("user.email", "dev@example.com")):
        git(seed, "config", name, value)
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "cases")
    git(seed, "push", "--quiet", "origin", "HEAD:main")
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    return work


def apply_env(tmp_path: Path, clone: Path, **extra: str) -> dict[str, str]:
    return {
        "FAKE_LOG": str(tmp_path / "calls.log"),
        "FAKE_APPLY_FILE": str(clone / "cases" / "smoke.yaml"),
        "GITHUB_REF_NAME": "main",
        **extra,
    }


def apply_inputs() -> dict[str, str]:
    return {"command": "apply", "token": QASE_TOKEN, "python-version": ""}


def test_apply_commits_written_back_ids_as_the_bot_after_a_rebase(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    # Someone merges meanwhile: the push must rebase onto it.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(other))
    (other / "README.md").write_text("shop, again\n", encoding="utf-8")
    git(other, "-c", "user.name=Dev", "-c", "user.email=d@x", "commit", "-qam", "readme")
    git(other, "push", "--quiet", "origin", "HEAD:main")

    run = run_action(
        tmp_path, apply_inputs(), path=[fake_bin], env=apply_env(tmp_path, clone), cwd=clone
    )
    assert not run.failed, run.stdout
    assert run.outputs["committed"] == "true"
    log = git(tmp_path / "origin.git", "log", "--format=%an|%s", "main")
    assert log.splitlines() == [
        "github-actions[bot]|qasesync: write back ids of created Qase entities [skip ci]",
        "Dev|readme",
        "Dev|cases",
    ]
    assert "id: 101" in git(tmp_path / "origin.git", "show", "main:cases/smoke.yaml")
    assert "### qasesync apply" in run.summary
    assert qasesync_calls(tmp_path) == ["apply cases --yes --record RECORD.json"]


def test_real_apply_against_the_emulator_pushes_the_ids_and_the_next_plan_is_clean(
    tmp_path: Path, clone: Path, qase_url: str
) -> None:
    inputs = {**apply_inputs(), "api-url": qase_url}
    run = run_action(tmp_path, inputs, env={"GITHUB_REF_NAME": "main"}, cwd=clone)
    assert not run.failed, run.stdout
    assert run.outputs["committed"] == "true"
    origin = tmp_path / "origin.git"
    assert git(origin, "log", "-1", "--format=%an|%s", "main") == (
        "github-actions[bot]|qasesync: write back ids of created Qase entities [skip ci]"
    )
    # Write-back edited two files and created the new suite's suite.yaml; apply recorded
    # what it synced in the base record.
    changed = git(origin, "show", "--format=", "--name-status", "main").splitlines()
    assert sorted(changed) == [
        "A\tcases/checkout/suite.yaml",
        "A\tcases/qasesync.base.jsonl",
        "M\tcases/checkout/payments.yaml",
        "M\tcases/smoke.yaml",
    ]
    assert "Apply complete: 4 created" in run.summary

    plan = run_action(tmp_path, plan_inputs(**{"api-url": qase_url}), cwd=clone)
    assert not plan.failed, plan.stdout
    assert plan.outputs["has-changes"] == "false"


def test_apply_failing_part_way_still_pushes_the_ids_then_fails(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    env = apply_env(tmp_path, clone, FAKE_APPLY_EXIT="1")
    run = run_action(tmp_path, apply_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert run.results[-1] == ("Conclude", 1)
    assert run.outputs["committed"] == "true"
    assert "[skip ci]" in git(tmp_path / "origin.git", "log", "-1", "--format=%s", "main")
    assert "### qasesync apply failed (exit 1)" in run.summary


def test_extra_args_reach_apply_word_by_word(tmp_path: Path, clone: Path, fake_bin: Path) -> None:
    inputs = {**apply_inputs(), "args": "--allow-destroy  --no-write-back"}
    run = run_action(tmp_path, inputs, path=[fake_bin], env=apply_env(tmp_path, clone), cwd=clone)
    assert not run.failed, run.stdout
    assert qasesync_calls(tmp_path) == [
        "apply cases --yes --record RECORD.json --allow-destroy --no-write-back"
    ]


def test_apply_without_written_back_ids_makes_no_commit(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    env = apply_env(tmp_path, clone, FAKE_APPLY_FILE="")
    run = run_action(tmp_path, apply_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert not run.failed, run.stdout
    assert run.outputs["committed"] == "false"
    assert git(tmp_path / "origin.git", "log", "--format=%s", "main") == "cases"


# --- apply: ids written again into a head that changed meanwhile -----------------------------

PAYMENTS = "cases/checkout/payments.yaml"
BOT_COMMIT = "github-actions[bot]|qasesync: write back ids of created Qase entities [skip ci]"
CARD_ONLY = "cases:\n  - title: Pay by card\n    severity: major\n"


def land(tmp_path: Path, message: str, files: Mapping[str, str | None]) -> None:
    """A commit by someone else reaches origin's main: each file written (None: deleted)."""
    other = tmp_path / f"other-{len(list(tmp_path.glob('other-*')))}"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(other))
    for name, text in files.items():
        if text is None:
            git(other, "rm", "--quiet", name)
        else:
            (other / name).parent.mkdir(parents=True, exist_ok=True)
            (other / name).write_text(text, encoding="utf-8")
            git(other, "add", name)
    push_as_dev(other, message)


def real_apply(tmp_path: Path, clone: Path, url: str, **env: str) -> Run:
    inputs = {**apply_inputs(), "api-url": url}
    return run_action(tmp_path, inputs, env={"GITHUB_REF_NAME": "main", **env}, cwd=clone)


def main_file(tmp_path: Path, name: str) -> str:
    return git(tmp_path / "origin.git", "show", f"main:{name}") + "\n"


def pushed_files(tmp_path: Path) -> list[str]:
    return sorted(git(tmp_path / "origin.git", "show", "--format=", "--name-only", "main").split())


@pytest.mark.parametrize("depth", ["full", "shallow"])
def test_a_created_case_retitled_on_main_meanwhile_gets_its_id_and_is_not_created_twice(
    tmp_path: Path, clone: Path, qase: tuple[Any, str], depth: str
) -> None:
    emulator, url = qase
    earlier = []
    if depth == "shallow":  # as actions/checkout makes it by default: the head, no history
        land(tmp_path, "readme", {"README.md": "shop, again\n"})
        earlier = ["Dev|readme"]
        clone = tmp_path / "shallow"
        origin = f"file://{tmp_path / 'origin.git'}"
        git(tmp_path, "clone", "--quiet", "--depth=1", origin, str(clone))
        assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    retitled = f"{CARD_ONLY}  - title: Pay with a voucher\n"
    land(tmp_path, "retitle the voucher case", {PAYMENTS: retitled})

    run = real_apply(tmp_path, clone, url)

    assert not run.failed, run.stdout
    assert run.outputs["committed"] == "true"
    assert "do not rebase onto main" in run.stdout
    log = git(tmp_path / "origin.git", "log", "--format=%an|%s", "main").splitlines()
    assert log == [BOT_COMMIT, "Dev|retitle the voucher case", *earlier, "Dev|cases"]
    card, voucher = case_id(emulator, "Pay by card"), case_id(emulator, "Pay by voucher")
    assert main_file(tmp_path, PAYMENTS) == (
        f"cases:\n  - id: {card}\n    title: Pay by card\n    severity: major\n"
        f"  - id: {voucher}\n    title: Pay with a voucher\n"
    )
    assert pushed_files(tmp_path) == [
        "cases/checkout/payments.yaml",
        "cases/checkout/suite.yaml",
        "cases/qasesync.base.jsonl",
        "cases/smoke.yaml",
    ]

    # The next run on main: the retitle is an update of the case apply created, nothing more.
    plan = run_action(tmp_path, plan_inputs(**{"api-url": url}), cwd=fresh_clone(tmp_path, "next"))
    assert not plan.failed, plan.stdout
    assert "Plan: 0 to create, 1 to update, 0 to deprecate, 0 to delete" in plan.summary
    again = real_apply(tmp_path, fresh_clone(tmp_path, "next-apply"), url)
    assert not again.failed, again.stdout
    titles = sorted(c["title"] for c in emulator.store.cases("SHOP"))
    assert titles == ["Home page", "Pay by card", "Pay with a voucher"]


def test_a_created_case_moved_to_another_file_of_its_folder_gets_its_id_there(
    tmp_path: Path, clone: Path, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    moved = {
        PAYMENTS: CARD_ONLY,
        "cases/checkout/vouchers.yaml": "cases:\n  - title: Gift card\n  - title: Pay by voucher\n",
    }
    land(tmp_path, "vouchers in a file of their own", moved)

    run = real_apply(tmp_path, clone, url)

    assert not run.failed, run.stdout
    voucher = case_id(emulator, "Pay by voucher")
    assert main_file(tmp_path, "cases/checkout/vouchers.yaml") == (
        f"cases:\n  - title: Gift card\n  - id: {voucher}\n    title: Pay by voucher\n"
    )
    assert "moved from checkout/payments.yaml" in run.stdout
    assert "cases/checkout/vouchers.yaml" in pushed_files(tmp_path)


def test_a_created_case_deleted_on_main_meanwhile_fails_naming_its_id_the_others_pushed(
    tmp_path: Path, clone: Path, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    land(tmp_path, "no vouchers", {PAYMENTS: CARD_ONLY})

    run = real_apply(tmp_path, clone, url)

    assert ("Commit written-back ids", 1) in run.results
    voucher = case_id(emulator, "Pay by voucher")
    assert (
        f"::error title=qasesync::case 'Pay by voucher' (id: {voucher}), at "
        f"checkout/payments.yaml:4 (cases[1]) when apply wrote it: no case of this title in "
        "checkout/, and none retitled at cases[1] of checkout/payments.yaml\n"
    ) in run.stdout
    assert run.outputs["committed"] == "true"
    card = case_id(emulator, "Pay by card")
    assert f"id: {card}" in main_file(tmp_path, PAYMENTS)
    assert "### qasesync: written-back ids without a place in `main`" in run.summary
    assert f"case 'Pay by voucher' (id: {voucher})" in run.summary
    # The patch of the write-back as apply made it, on the tree it read.
    assert f"+  - id: {voucher}\n+    title: Pay by voucher\n" in run.summary


def git_that_loses_races(tmp_path: Path, *scripts: str) -> Path:
    """A folder first on PATH: a `git` that runs the n-th of ``scripts`` before its n-th push
    (another commit reaches origin just then), and is git otherwise; a `sleep` that returns
    at once (the waits between attempts are not what these tests are about)."""
    folder = tmp_path / "racing-bin"
    folder.mkdir()
    real = shutil.which("git")
    races = "".join(f"    {n}) {script} ;;\n" for n, script in enumerate(scripts, 1))
    wrapper = folder / "git"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        'if [ -z "${RACING:-}" ] && [ "${*: -1}" = "HEAD:main" ]; then\n'
        "  export RACING=1\n"  # the racer's own push is not one of the action's
        f'  echo x >>"{folder}/pushes"\n'
        f'  case $(($(wc -l <"{folder}/pushes"))) in\n{races}  esac\n'
        "fi\n"
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    (folder / "sleep").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    for script in (wrapper, folder / "sleep"):
        script.chmod(0o755)
    return folder


def test_a_push_that_loses_the_race_to_a_conflicting_commit_writes_the_ids_again(
    tmp_path: Path, clone: Path, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    other = fresh_clone(tmp_path, "racer")
    (other / PAYMENTS).write_text(
        "cases:\n  - title: Pay by card\n    severity: major\n  - title: Pay with vouchers\n",
        encoding="utf-8",
    )
    git(other, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-qam", "race")
    racing = git_that_loses_races(tmp_path, f'git -C "{other}" push --quiet origin HEAD:main')
    inputs = {**apply_inputs(), "api-url": url}
    run = run_action(tmp_path, inputs, path=[racing], env={"GITHUB_REF_NAME": "main"}, cwd=clone)

    assert not run.failed, run.stdout
    assert "push attempt 1 failed; retrying" in run.stdout
    log = git(tmp_path / "origin.git", "log", "--format=%an|%s", "main").splitlines()
    assert log == [BOT_COMMIT, "Dev|race", "Dev|cases"]
    voucher = case_id(emulator, "Pay by voucher")
    assert f"  - id: {voucher}\n    title: Pay with vouchers\n" in main_file(tmp_path, PAYMENTS)


def retitle_race(tmp_path: Path, n: int) -> str:
    """A command that lands, on origin's main, the n-th retitle of the voucher case: on the
    lines where the write-back puts its id, so that the action's commit does not rebase."""
    racer = tmp_path / "racer"
    if not racer.exists():
        fresh_clone(tmp_path, "racer")
    script = tmp_path / f"race-{n}.sh"
    script.write_text(
        f'cd "{racer}"\n'
        "git pull --quiet --ff-only origin main\n"
        f"printf '{CARD_ONLY}  - title: Pay with vouchers {n}\\n' >{PAYMENTS}\n"
        f"git -c user.name=Dev -c user.email=dev@example.com commit -qam 'race {n}'\n"
        "git push --quiet origin HEAD:main\n",
        encoding="utf-8",
    )
    return f'bash "{script}"'


def test_three_conflicting_races_in_a_row_and_the_ids_still_land_on_the_newest_head(
    tmp_path: Path, clone: Path, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    racing = git_that_loses_races(tmp_path, *(retitle_race(tmp_path, n) for n in (1, 2, 3)))
    inputs = {**apply_inputs(), "api-url": url}
    run = run_action(tmp_path, inputs, path=[racing], env={"GITHUB_REF_NAME": "main"}, cwd=clone)

    assert not run.failed, run.stdout
    assert run.outputs["committed"] == "true"
    assert [f"push attempt {n} failed; retrying" in run.stdout for n in (1, 2, 3, 4)] == [
        True,
        True,
        True,
        False,
    ]
    assert run.stdout.count("do not rebase onto main") == 3
    log = git(tmp_path / "origin.git", "log", "--format=%an|%s", "main").splitlines()
    assert log == [BOT_COMMIT, "Dev|race 3", "Dev|race 2", "Dev|race 1", "Dev|cases"]
    card, voucher = case_id(emulator, "Pay by card"), case_id(emulator, "Pay by voucher")
    assert main_file(tmp_path, PAYMENTS) == (
        f"cases:\n  - id: {card}\n    title: Pay by card\n    severity: major\n"
        f"  - id: {voucher}\n    title: Pay with vouchers 3\n"
    )
    assert run.outputs["record-artifact"] == ""


def test_ids_that_no_push_lands_are_kept_as_an_artifact_and_finish_by_hand_with_writeback(
    tmp_path: Path, clone: Path, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    races = [retitle_race(tmp_path, n) for n in range(1, 7)]
    racing = git_that_loses_races(tmp_path, *races)
    inputs = {**apply_inputs(), "api-url": url}
    env = {"GITHUB_REF_NAME": "main", "GITHUB_RUN_ATTEMPT": "2"}
    run = run_action(tmp_path, inputs, path=[racing], env=env, cwd=clone)

    assert ("Commit written-back ids", 1) in run.results
    assert "push attempt 4 failed; retrying" in run.stdout
    assert "push attempt 5 failed; giving up" in run.stdout  # bounded
    assert run.stdout.count("do not rebase onto main") == 4  # each time on the newest head
    assert (
        "::error title=qasesync::could not push the written-back ids to main in 5 attempts; "
        "they are kept (see the job summary)"
    ) in run.stdout
    assert run.outputs["committed"] == "false"
    # The action's next step uploads the kept folder as the artifact named in its output.
    name = run.outputs["record-artifact"]
    assert re.fullmatch(r"qasesync-writeback-2-\w+", name)
    kept = Path(run.step_outputs["push-ids"]["record-path"])
    assert sorted(p.name for p in kept.iterdir()) == ["ids.patch", "qasesync-writeback.json"]
    how = "run `qasesync writeback qasesync-writeback.json cases`, commit the files it names"
    assert f"kept in the artifact {name} of this run" in run.stdout and how in run.stdout
    assert f"artifact `{name}`" in run.summary
    assert "qasesync writeback qasesync-writeback.json cases\n" in run.summary
    voucher = case_id(emulator, "Pay by voucher")
    assert f"+  - id: {voucher}\n+    title: Pay by voucher\n" in run.summary  # the patch

    # Finishing by hand as the message says, in a checkout of main as it is now.
    later = fresh_clone(tmp_path, "by-hand")
    shutil.copy(kept / "qasesync-writeback.json", later / "qasesync-writeback.json")
    done = subprocess.run(
        [sys.executable, "-m", "qasesync", "writeback", "qasesync-writeback.json", "cases"],
        cwd=later,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"  - id: {voucher}\n    title: Pay with vouchers 5\n" in (
        (later / PAYMENTS).read_text(encoding="utf-8")
    )


def test_a_writeback_that_fails_keeps_the_record_and_says_how_to_finish(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    land(tmp_path, "retitle", {"cases/smoke.yaml": "cases:\n  - title: Home page, again\n"})
    env = apply_env(tmp_path, clone)
    run = run_action(tmp_path, apply_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert ("Commit written-back ids", 1) in run.results
    assert (
        "::error title=qasesync::qasesync writeback failed (exit 3), so the ids are not in main; "
        "they are kept (see the job summary)"
    ) in run.stdout
    kept = Path(run.step_outputs["push-ids"]["record-path"])
    record = json.loads((kept / "qasesync-writeback.json").read_text(encoding="utf-8"))
    assert record["files"] == ["smoke.yaml"]
    assert "+    id: 101" in (kept / "ids.patch").read_text(encoding="utf-8")
    assert run.outputs["record-artifact"].startswith("qasesync-writeback-1-")
    assert "in a checkout of main run `qasesync writeback qasesync-writeback.json cases`" in (
        run.stdout
    )
    assert git(tmp_path / "origin.git", "log", "--format=%s", "main").splitlines() == [
        "retitle",
        "cases",
    ]


def test_only_the_files_apply_recorded_are_committed(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    # An untracked leftover of an earlier step, and a tracked file an earlier step edited,
    # both in the tree: apply wrote neither.
    (clone / "cases" / "leftover.yaml").write_text("cases: []\n", encoding="utf-8")
    payments = clone / PAYMENTS
    payments.write_text(payments.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    run = run_action(
        tmp_path, apply_inputs(), path=[fake_bin], env=apply_env(tmp_path, clone), cwd=clone
    )
    assert not run.failed, run.stdout
    assert pushed_files(tmp_path) == ["cases/smoke.yaml"]
    assert git(clone, "diff", "--name-only") == PAYMENTS  # still edited, not committed
    assert git(clone, "ls-files", "--others", "--exclude-standard") == "cases/leftover.yaml"


def test_files_changed_without_a_record_are_not_committed_and_fail_the_step(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    (clone / "cases" / "smoke.yaml").write_text("cases:\n  - id: 7\n    title: Home page\n")
    inputs = {**apply_inputs(), "args": "--no-write-back"}
    env = apply_env(tmp_path, clone, FAKE_APPLY_FILE="", FAKE_NO_RECORD="1")
    run = run_action(tmp_path, inputs, path=[fake_bin], env=env, cwd=clone)
    assert ("Commit written-back ids", 1) in run.results
    assert "::error title=qasesync::apply left no record of what it wrote back" in run.stdout
    assert git(tmp_path / "origin.git", "log", "--format=%s", "main") == "cases"


# --- pull: one pull request of the changes made in Qase --------------------------------------

PULL_BRANCH = "qasesync/pull"
PULL_TITLE = "Changes made in Qase"
PULL_COMMIT = "github-actions[bot]|qasesync: pull changes made in Qase"


def pull_inputs(**extra: str) -> dict[str, str]:
    return {"command": "pull", "token": QASE_TOKEN, "python-version": "", **extra}


def push_as_dev(work: Path, message: str) -> None:
    git(work, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-qam", message)
    git(work, "push", "--quiet", "origin", "HEAD:main")


def fresh_clone(tmp_path: Path, name: str) -> Path:
    """Another checkout of main, as the next scheduled run makes."""
    work = tmp_path / name
    git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(work))
    return work


@pytest.fixture
def synced(tmp_path: Path, clone: Path, qase: tuple[Any, str], github: FakeGitHub) -> Any:
    """The emulator's project as main describes it: the tree applied, its ids pushed."""
    emulator, url = qase
    env = {**os.environ, "QASE_TOKEN": QASE_TOKEN, "QASE_API_URL": url}
    subprocess.run(
        [sys.executable, "-m", "qasesync", "apply", "cases", "--yes"],
        cwd=clone,
        env=env,
        check=True,
        capture_output=True,
    )
    git(clone, "add", "cases")
    push_as_dev(clone, "ids")
    github.origin = tmp_path / "origin.git"
    return emulator


def case_id(emulator: Any, title: str) -> int:
    found: int = next(c["id"] for c in emulator.store.cases("SHOP") if c["title"] == title)
    return found


def run_pull(tmp_path: Path, work: Path, github: FakeGitHub, url: str, **env: str) -> Run:
    inputs = pull_inputs(**{"api-url": url})
    return run_action(tmp_path, inputs, env={"GITHUB_API_URL": github.url, **env}, cwd=work)


def branch_files(origin: Path) -> list[str]:
    return git(origin, "show", "--format=", "--name-status", PULL_BRANCH).splitlines()


def test_real_pull_opens_one_pull_request_with_the_diff_and_commits_what_pull_wrote(
    tmp_path: Path, clone: Path, synced: Any, qase_url: str, github: FakeGitHub
) -> None:
    synced.store.patch_case("SHOP", case_id(synced, "Pay by card"), {"title": "Pay by credit card"})
    refunds = synced.store.create_suite("SHOP", {"title": "Refunds"})
    synced.store.create_case("SHOP", {"title": "Refund a card payment", "suite_id": refunds})
    # Leftovers of earlier steps that pull does not write: never committed.
    (clone / "cases" / "notes.txt").write_text("todo\n", encoding="utf-8")
    (clone / "README.md").write_text("shop, edited\n", encoding="utf-8")

    run = run_pull(tmp_path, clone, github, qase_url)
    assert not run.failed, run.stdout
    assert run.outputs["has-changes"] == "true"
    [pull] = github.pulls
    assert run.outputs["pull-request"] == str(pull["number"])
    assert (pull["title"], pull["head"]["ref"], pull["base"]["ref"]) == (
        PULL_TITLE,
        PULL_BRANCH,
        "main",
    )
    body = pull["body"]
    assert "~ case #1 'Pay by credit card' (checkout/payments.yaml): title\n" in body
    # (the apply before took suite id 2 for its lock: docs/design.md §12)
    assert f"+ suite #{refunds} 'Refunds' with 1 case(s) (refunds/, new folder)\n" in body
    assert "Pulled 2 change(s) from SHOP into 3 file(s).\n" in body
    assert "-    title: Pay by card\n+    title: Pay by credit card\n" in body
    assert "+++ b/cases/refunds/cases.yaml\n" in body

    origin = tmp_path / "origin.git"
    assert git(origin, "log", "-1", "--format=%an|%s", PULL_BRANCH) == PULL_COMMIT
    assert git(origin, "rev-parse", f"{PULL_BRANCH}^") == git(origin, "rev-parse", "main")
    # The YAML pull wrote, and the base record it moved (apply created it before).
    assert sorted(branch_files(origin)) == [
        "A\tcases/refunds/cases.yaml",
        "A\tcases/refunds/suite.yaml",
        "M\tcases/checkout/payments.yaml",
        "M\tcases/qasesync.base.jsonl",
    ]
    assert git(origin, "log", "-1", "--format=%s", "main") == "ids"
    assert f"Opened the pull request [#{pull['number']}]" in run.summary
    assert QASE_TOKEN not in run.stdout + run.summary + body


def test_a_second_pull_updates_the_same_pull_request_from_a_branch_made_anew(
    tmp_path: Path, clone: Path, synced: Any, qase_url: str, github: FakeGitHub
) -> None:
    synced.store.patch_case("SHOP", case_id(synced, "Pay by card"), {"title": "Pay by credit card"})
    first = run_pull(tmp_path, clone, github, qase_url)
    assert not first.failed, first.stdout
    [pull] = github.pulls

    # Meanwhile: another edit in the web app, and a merge to main.
    synced.store.patch_case("SHOP", case_id(synced, "Home page"), {"title": "Landing page"})
    other = fresh_clone(tmp_path, "other")
    (other / "README.md").write_text("shop, again\n", encoding="utf-8")
    push_as_dev(other, "readme")

    second = run_pull(tmp_path, fresh_clone(tmp_path, "next-run"), github, qase_url)
    assert not second.failed, second.stdout
    assert github.pulls == [pull]
    assert ("PATCH", f"/repos/octo/shop/pulls/{pull['number']}") in github.requests
    assert second.outputs["pull-request"] == str(pull["number"])
    assert "~ case #3 'Landing page' (smoke.yaml): title\n" in pull["body"]
    assert "+    title: Pay by credit card\n" in pull["body"]
    # One commit on top of the new head of main, holding both edits.
    origin = tmp_path / "origin.git"
    assert git(origin, "log", "--format=%an|%s", f"main..{PULL_BRANCH}") == PULL_COMMIT
    assert git(origin, "rev-parse", f"{PULL_BRANCH}^") == git(origin, "rev-parse", "main")
    assert sorted(branch_files(origin)) == [
        "M\tcases/checkout/payments.yaml",
        "M\tcases/qasesync.base.jsonl",
        "M\tcases/smoke.yaml",
    ]


def test_a_pull_with_nothing_new_pushes_nothing_and_only_refreshes_the_description(
    tmp_path: Path, clone: Path, synced: Any, qase_url: str, github: FakeGitHub
) -> None:
    synced.store.patch_case("SHOP", case_id(synced, "Pay by card"), {"title": "Pay by credit card"})
    assert not run_pull(tmp_path, clone, github, qase_url).failed
    origin = tmp_path / "origin.git"
    pushed = git(origin, "rev-parse", PULL_BRANCH)

    again = run_pull(tmp_path, fresh_clone(tmp_path, "next-run"), github, qase_url)
    assert not again.failed, again.stdout
    assert git(origin, "rev-parse", PULL_BRANCH) == pushed
    assert f"{PULL_BRANCH} already holds these changes" in again.stdout
    assert len(github.pulls) == 1


def test_real_pull_without_live_changes_opens_nothing_and_commits_nothing(
    tmp_path: Path, clone: Path, synced: Any, qase_url: str, github: FakeGitHub
) -> None:
    before = len(github.requests)
    run = run_pull(tmp_path, clone, github, qase_url)
    assert not run.failed, run.stdout
    assert run.outputs["has-changes"] == "false"
    assert run.outputs["pull-request"] == ""
    assert "Nothing to pull: the tree matches project SHOP." in run.summary
    assert github.pulls == []
    # Only the look for a stale pull request to close.
    assert [method for method, _ in github.requests[before:]] == ["GET"]
    assert git(tmp_path / "origin.git", "branch", "--list", PULL_BRANCH) == ""
    assert git(clone, "status", "--porcelain") == ""


def test_a_stale_pull_request_is_closed_when_nothing_is_left_to_pull(
    tmp_path: Path, clone: Path, synced: Any, qase_url: str, github: FakeGitHub
) -> None:
    card = case_id(synced, "Pay by card")
    synced.store.patch_case("SHOP", card, {"title": "Pay by credit card"})
    assert not run_pull(tmp_path, clone, github, qase_url).failed
    # The edit is undone in the web app: the pull request would now undo what is live.
    synced.store.patch_case("SHOP", card, {"title": "Pay by card"})

    run = run_pull(tmp_path, fresh_clone(tmp_path, "next-run"), github, qase_url)
    assert not run.failed, run.stdout
    [pull] = github.pulls
    assert pull["state"] == "closed"
    [comment] = github.comments
    assert comment["body"].startswith("Nothing is left to pull: Qase matches `main`")
    assert f"closed the stale pull request [#{pull['number']}]" in run.summary


@pytest.mark.parametrize("pull_writes_it", [True, False], ids=["written", "untouched"])
def test_only_the_files_pull_wrote_are_committed_and_the_base_record_when_it_changed(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub, pull_writes_it: bool
) -> None:
    github.origin = tmp_path / "origin.git"
    cases = clone / "cases"
    (cases / "qasesync.base.jsonl").write_text('{"case": 1}\n', encoding="utf-8")
    # Leftovers pull leaves alone: an untracked YAML file and an edited tracked one.
    (cases / "checkout" / "draft.yaml").write_text("cases: []\n", encoding="utf-8")
    with (cases / "checkout" / "payments.yaml").open("a", encoding="utf-8") as f:
        f.write("# edited by an earlier step\n")
    written = "smoke.yaml,qasesync.base.jsonl" if pull_writes_it else "smoke.yaml"
    env = {"FAKE_LOG": str(tmp_path / "calls.log"), "FAKE_PULL_FILES": written}
    run = run_action(
        tmp_path,
        pull_inputs(),
        path=[fake_bin],
        env={"GITHUB_API_URL": github.url, **env},
        cwd=clone,
    )
    assert not run.failed, run.stdout
    expected = ["A\tcases/qasesync.base.jsonl"] if pull_writes_it else []
    assert sorted(branch_files(tmp_path / "origin.git")) == [*expected, "M\tcases/smoke.yaml"]
    # The checkout is left as it was after pull: nothing staged, nothing reverted.
    assert git(clone, "diff", "--cached", "--name-only") == ""
    assert "# edited by an earlier step" in (cases / "checkout" / "payments.yaml").read_text(
        "utf-8"
    )


def test_pull_in_a_working_directory_commits_paths_of_the_repository(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub
) -> None:
    github.origin = tmp_path / "origin.git"
    env = {"FAKE_LOG": str(tmp_path / "calls.log"), "FAKE_PULL_FILES": "payments.yaml"}
    inputs = pull_inputs(tree=".", **{"working-directory": "cases/checkout"})
    run = run_action(
        tmp_path, inputs, path=[fake_bin], env={"GITHUB_API_URL": github.url, **env}, cwd=clone
    )
    assert not run.failed, run.stdout
    assert branch_files(tmp_path / "origin.git") == ["M\tcases/checkout/payments.yaml"]
    assert "+++ b/cases/checkout/payments.yaml" in github.pulls[0]["body"]


def test_a_diff_too_long_for_the_description_is_cut_and_whole_in_the_summary(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub
) -> None:
    lines = "".join(f"# pulled line {n:05}\n" for n in range(4000))
    env = {
        "FAKE_LOG": str(tmp_path / "calls.log"),
        "FAKE_PULL_FILES": "smoke.yaml",
        "FAKE_PULL_TEXT": lines,
        "GITHUB_API_URL": github.url,
    }
    run = run_action(tmp_path, pull_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert not run.failed, run.stdout
    [pull] = github.pulls
    assert len(pull["body"]) < 65_536
    assert "The diff is cut here; the whole diff is in the branch's commit." in pull["body"]
    assert "+# pulled line 03999\n" in run.summary


def test_a_token_that_may_not_open_pull_requests_fails_and_names_the_setting(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub
) -> None:
    github.refuse_pull_requests = True
    env = {"FAKE_LOG": str(tmp_path / "calls.log"), "FAKE_PULL_FILES": "smoke.yaml"}
    run = run_action(
        tmp_path,
        pull_inputs(),
        path=[fake_bin],
        env={"GITHUB_API_URL": github.url, **env},
        cwd=clone,
    )
    assert run.failed
    assert "HTTP 403" in run.stdout
    assert "allows GitHub Actions to create them" in run.stdout
    assert github.pulls == []


def test_pull_without_a_token_fails_before_reading_anything(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub
) -> None:
    env = {"FAKE_LOG": str(tmp_path / "calls.log"), "GITHUB_API_URL": github.url}
    run = run_action(tmp_path, pull_inputs(token=""), path=[fake_bin], env=env, cwd=clone)
    assert run.results[-1] == ("Conclude", 1)
    assert "::error title=qasesync::pull needs a Qase token" in run.stdout
    assert not (tmp_path / "calls.log").exists()
    assert github.requests == []


def test_pull_refuses_to_run_on_the_branch_it_writes(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub
) -> None:
    git(clone, "switch", "--quiet", "-c", PULL_BRANCH)
    env = {"FAKE_LOG": str(tmp_path / "calls.log"), "GITHUB_API_URL": github.url}
    run = run_action(tmp_path, pull_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert run.results[-1] == ("Conclude", 1)
    assert f"not on {PULL_BRANCH}, which it writes" in run.stdout
    assert github.requests == []


# --- the install step ------------------------------------------------------------------------


def install_call(tmp_path: Path, version: str) -> str:
    folder = tmp_path / "pipbin"
    folder.mkdir()
    log = tmp_path / "pip.log"
    fake = folder / "python3"
    fake.write_text(f'#!/bin/sh\necho "$@" > {log}\n', encoding="utf-8")
    fake.chmod(0o755)
    [step] = [s for s in ACTION["runs"]["steps"] if s.get("name") == INSTALL_STEP]
    env = {"PATH": f"{folder}:/usr/bin:/bin", "GITHUB_ACTION_PATH": str(ACTION_DIR)}
    subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]],
        env={**env, "INPUT_VERSION": version},
        check=True,
        capture_output=True,
    )
    return log.read_text(encoding="utf-8").strip()


def test_install_defaults_to_the_checkout_the_action_comes_from(tmp_path: Path) -> None:
    assert install_call(tmp_path, "") == (
        f"-m pip install --quiet --disable-pip-version-check {REPO}"
    )


def test_install_takes_a_pip_requirement(tmp_path: Path) -> None:
    assert install_call(tmp_path, "qasesync==0.1.0").endswith(" qasesync==0.1.0")


# --- structure of the action, the workflows and the hook -----------------------------------


def run_bodies(document: Any) -> Iterator[str]:
    steps = document.get("runs", {}).get("steps", [])
    for job in document.get("jobs", {}).values():
        steps = [*steps, *job.get("steps", [])]
    for step in steps:
        if "run" in step:
            yield step["run"]


def test_action_metadata_is_a_complete_composite_action() -> None:
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    for name, spec in ACTION["inputs"].items():
        assert spec.get("description"), name
    for name, spec in ACTION["outputs"].items():
        assert spec["value"].startswith("${{ steps."), name
    for step in ACTION["runs"]["steps"]:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
            script = re.fullmatch(r'bash "\$GITHUB_ACTION_PATH/([\w.-]+)"', step["run"].strip())
            is_script = script and (ACTION_DIR / script.group(1)).is_file()
            assert is_script or step["name"] == "Conclude", step["run"]
        else:
            assert PINNED.fullmatch(step["uses"]), step["uses"]


#: A third-party action pinned by the full commit SHA of a release: `owner/name[/path]@<sha>`.
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")
#: The examples' placeholder for qasesync's own action, which a user replaces (README).
PLACEHOLDER = re.compile(r"OWNER/qasesync/\.github/actions/qasesync@COMMIT")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")


def every_yaml_file() -> list[Path]:
    """Every YAML file of the repository that git knows of (tracked or new)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.yml", "*.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return [REPO / name for name in listed.stdout.splitlines() if (REPO / name).is_file()]


def uses_in(document: Any) -> Iterator[str]:
    """Every `uses:` of a workflow (steps, reusable-workflow jobs) or of action metadata."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "uses" and isinstance(value, str):
                yield value
            else:
                yield from uses_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from uses_in(item)


def test_every_third_party_action_is_pinned_by_commit_sha_with_its_tag_in_a_comment() -> None:
    # A tag can be moved to other code by whoever controls the action's repository; a commit
    # SHA cannot. The comment says which release the SHA is, for a person and for Dependabot.
    checked = []
    for path in every_yaml_file():
        try:
            text = path.read_text(encoding="utf-8")
            document = YAML(typ="safe").load(text)
        except (UnicodeDecodeError, YAMLError):
            continue  # test data that is broken on purpose: neither a workflow nor an action
        if not isinstance(document, dict) or not ({"jobs", "runs"} & set(document)):
            continue  # not a workflow, not an action
        lines = [m for m in map(USES_LINE.match, text.splitlines()) if m]
        # Each `uses:` the YAML holds is on a line of its own, where its comment can be read.
        assert sorted(m.group(1) for m in lines) == sorted(uses_in(document)), path
        for match in lines:
            uses, rest = match.group(1), match.group(2)
            where = f"{path.relative_to(REPO)}: {uses}"
            if uses.startswith("./"):
                continue  # this repository's own action, at the workflow's own commit
            assert PINNED.fullmatch(uses) or PLACEHOLDER.fullmatch(uses), where
            assert re.fullmatch(r"\s+# v\d+(\.\d+){0,2}", rest), f"{where}: no tag in a comment"
            checked.append(uses)
    assert len(checked) >= 8  # checkout, setup-python, setup-node and the examples' action


def test_dependabot_keeps_the_pins_of_the_workflows_and_of_the_action_current() -> None:
    config = load_yaml(REPO / ".github" / "dependabot.yml")
    [actions] = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert set(actions["directories"]) == {"/", "/.github/actions/qasesync"}


@pytest.mark.parametrize("path", [ACTION_DIR / "action.yml", *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_a_shell_script(path: Path) -> None:
    # Expressions are substituted into the script text before bash runs it: a pull request
    # title or an input could inject commands. They belong in `env:`.
    for body in run_bodies(load_yaml(path)):
        assert "${{" not in body, f"{path.name}: {body}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_give_the_action_only_inputs_it_has(path: Path) -> None:
    steps = [step for job in load_yaml(path)["jobs"].values() for step in job["steps"]]
    used = [s for s in steps if re.search(r"\.github/actions/qasesync(@|$)", s.get("uses", ""))]
    assert used or path.is_relative_to(REPO / ".github"), "an example must use the action"
    for step in used:
        assert set(step.get("with", {})) <= set(ACTION["inputs"]), step
        assert step["with"]["command"] in ("validate", "plan", "apply", "pull")


def workflow(name: str) -> Any:
    return load_yaml(REPO / "examples" / "workflows" / name)


def test_plan_workflow_runs_on_pull_request_with_minimal_permissions() -> None:
    plan = workflow("qasesync-plan.yml")
    assert set(plan["on"]) == {"pull_request"}
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    [job] = plan["jobs"].values()
    steps = job["steps"]
    commands = [s.get("with", {}).get("command") for s in steps]
    assert commands.index("validate") < commands.index("plan")
    fork_guard = "github.event.pull_request.head.repo.full_name == github.repository"
    [plan_step] = [s for s in steps if s.get("with", {}).get("command") == "plan"]
    assert fork_guard in plan_step["if"]
    assert plan_step["with"]["token"] == "${{ secrets.QASE_TOKEN }}"
    assert any(fork_guard.replace("==", "!=") in s.get("if", "") for s in steps)


def test_no_workflow_uses_pull_request_target() -> None:
    for path in WORKFLOWS:
        triggers = load_yaml(path)["on"]
        assert "pull_request_target" not in triggers and "workflow_run" not in triggers, path


def test_apply_workflow_runs_on_main_one_at_a_time() -> None:
    apply = workflow("qasesync-apply.yml")
    assert apply["on"]["push"]["branches"] == ["main"]
    assert "cases/**" in apply["on"]["push"]["paths"]
    assert apply["concurrency"] == {"group": "qasesync-apply", "cancel-in-progress": False}
    assert apply["permissions"] == {"contents": "write"}
    [job] = apply["jobs"].values()
    [step] = [s for s in job["steps"] if s.get("with", {}).get("command") == "apply"]
    assert step["with"]["token"] == "${{ secrets.QASE_TOKEN }}"


def test_pull_workflow_runs_on_schedule_and_dispatch_with_least_privilege() -> None:
    pull = workflow("qasesync-pull.yml")
    assert set(pull["on"]) == {"schedule", "workflow_dispatch"}
    assert [set(entry) for entry in pull["on"]["schedule"]] == [{"cron"}]
    assert pull["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert pull["concurrency"] == {"group": "qasesync-pull", "cancel-in-progress": False}
    [job] = pull["jobs"].values()
    assert "permissions" not in job
    [step] = [s for s in job["steps"] if s.get("with", {}).get("command") == "pull"]
    assert step["with"]["token"] == "${{ secrets.QASE_TOKEN }}"
    assert step["with"]["api-url"] == "${{ vars.QASE_API_URL }}"


@pytest.mark.parametrize(
    ("event", "ref", "default_branch", "code"),
    [
        ("workflow_dispatch", "refs/heads/main", "main", 0),
        ("workflow_dispatch", "refs/heads/feature", "main", 1),
        ("workflow_dispatch", "refs/tags/main", "main", 1),
        ("schedule", "refs/heads/main", "", 0),  # the schedule event names no repository
    ],
)
def test_pull_workflow_refuses_a_dispatch_on_any_ref_but_the_default_branch(
    event: str, ref: str, default_branch: str, code: int
) -> None:
    [job] = workflow("qasesync-pull.yml")["jobs"].values()
    guard = job["steps"][0]  # before the checkout and the pull
    assert guard["env"] == {
        "EVENT": "${{ github.event_name }}",
        "REF": "${{ github.ref }}",
        "DEFAULT_BRANCH": "${{ github.event.repository.default_branch }}",
    }
    env = {"PATH": "/usr/bin:/bin", "EVENT": event, "REF": ref, "DEFAULT_BRANCH": default_branch}
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", guard["run"]], env=env, capture_output=True, text=True
    )
    assert done.returncode == code, done.stdout


@pytest.mark.parametrize(
    ("event", "ref", "default_branch", "code"),
    [
        ("push", "refs/heads/main", "main", 0),
        ("workflow_dispatch", "refs/heads/main", "main", 0),
        ("workflow_dispatch", "refs/heads/trunk", "trunk", 0),
        ("workflow_dispatch", "refs/heads/feature", "main", 1),
        ("workflow_dispatch", "refs/tags/main", "main", 1),
        ("push", "refs/heads/main", "trunk", 1),  # the trigger's branch is not the default
        ("workflow_dispatch", "refs/heads/main", "", 1),  # no repository: never a guess
    ],
)
def test_apply_workflow_refuses_any_ref_but_the_default_branch_also_on_dispatch(
    event: str, ref: str, default_branch: str, code: int
) -> None:
    apply = workflow("qasesync-apply.yml")
    assert set(apply["on"]) == {"push", "workflow_dispatch"}
    [job] = apply["jobs"].values()
    guard = job["steps"][0]  # before the checkout and the apply
    assert guard["env"] == {
        "REF": "${{ github.ref }}",
        "DEFAULT_BRANCH": "${{ github.event.repository.default_branch }}",
    }
    env = {"PATH": "/usr/bin:/bin", "REF": ref, "DEFAULT_BRANCH": default_branch}
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", guard["run"]], env=env, capture_output=True, text=True
    )
    assert done.returncode == code, done.stdout
    if code:
        assert done.stdout == (
            f"::error title=qasesync apply::apply runs on the default branch "
            f"({default_branch or 'unknown'}) only, not on {ref}: run the workflow from the "
            "default branch\n"
        )


def test_ci_workflow_tests_on_push_and_pull_request_with_old_and_new_python() -> None:
    ci = load_yaml(REPO / ".github" / "workflows" / "ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    versions = ci["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert {"3.10", "3.12"} <= set(versions)
    assert "bash .ci/run" in [s.get("run") for s in ci["jobs"]["test"]["steps"]]


def test_pre_commit_hook_validates_the_tree_once_per_yaml_change() -> None:
    [hook] = load_yaml(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "qasesync-validate"
    assert hook["language"] == "python"
    assert hook["entry"] == "qasesync validate"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("cases/smoke.yaml") and files.search("cases/a/b.yml")
    assert not files.search("cases/notes.json")


# --- the helper scripts' pure parts ----------------------------------------------------------


def load_script(name: str) -> Any:
    if str(ACTION_DIR) not in sys.path:  # as when Python runs a script: its folder first
        sys.path.insert(0, str(ACTION_DIR))
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), ACTION_DIR / name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_body_over_githubs_limit_is_cut_with_a_pointer_to_the_summary() -> None:
    comment = load_script("comment.py")
    body = comment.fit(MARKER + "x" * 70_000)
    assert len(body) == comment.MAX_BODY
    assert body.startswith(MARKER)
    assert body.endswith("the whole plan is in the job summary of the workflow run.\n")
    assert comment.fit("short") == "short"


def test_next_page_is_taken_from_the_link_header() -> None:
    comment = load_script("comment.py")
    header = (
        '<https://api.github.com/x?page=1>; rel="prev", '
        '<https://api.github.com/x?page=3>; rel="next", '
        '<https://api.github.com/x?page=9>; rel="last"'
    )
    assert comment.next_link(header) == "https://api.github.com/x?page=3"
    assert comment.next_link('<https://api.github.com/x?page=1>; rel="prev"') is None
    assert comment.next_link("") is None


def test_a_pull_request_body_over_githubs_limit_is_cut_with_a_pointer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ACTION_DIR))  # pullrequest.py imports comment.py
    pullrequest = load_script("pullrequest.py")
    body = pullrequest.fit("x" * 70_000)
    assert len(body) == pullrequest.MAX_BODY
    assert body.endswith("job summary of the workflow run.\n")
    assert pullrequest.fit("short") == "short"


def test_pull_wrote_the_files_whose_state_changed_and_no_leftover() -> None:
    pullfiles = load_script("pullfiles.py")
    before = {"cases/left.yaml": "1", "cases/both.yaml": "2"}
    after = {"cases/left.yaml": "1", "cases/both.yaml": "3", "cases/new/cases.yaml": "4"}
    assert pullfiles.written(before, after) == ["cases/both.yaml", "cases/new/cases.yaml"]
    assert pullfiles.pulled_kind("cases/qasesync.base.jsonl", "cases")
    assert not pullfiles.pulled_kind("cases/sub/qasesync.base.jsonl", "cases")
    assert not pullfiles.pulled_kind("cases/notes.txt", "cases")
    assert pullfiles.pulled_kind("qasesync.base.jsonl", ".")


def test_the_files_of_a_record_are_those_that_exist_and_git_does_not_ignore(
    tmp_path: Path,
) -> None:
    git(tmp_path, "init", "--quiet")
    cases = tmp_path / "cases"
    cases.mkdir()
    (tmp_path / ".gitignore").write_text("*.tmp.yaml\n", encoding="utf-8")
    for name in ("a.yaml", "x.tmp.yaml", "kept.tmp.yaml"):
        (cases / name).write_text("cases: []\n", encoding="utf-8")
    git(tmp_path, "add", "--force", "cases/kept.tmp.yaml")  # tracked: never ignored
    record = tmp_path / "record.json"
    names = ["a.yaml", "gone.yaml", "x.tmp.yaml", "kept.tmp.yaml"]
    record.write_text(json.dumps({"files": names}), encoding="utf-8")
    script = [sys.executable, str(ACTION_DIR / "recorded.py"), "files", str(record), "cases"]
    done = subprocess.run(script, cwd=tmp_path, capture_output=True, check=True)
    assert done.stdout == b"cases/a.yaml\0cases/kept.tmp.yaml\0"
    record.write_text("", encoding="utf-8")
    assert subprocess.run(script, cwd=tmp_path, capture_output=True, check=True).stdout == b""


def test_validate_annotation_escapes_message_and_path() -> None:
    annotate = load_script("annotate.py")
    problem = {"file": "a,b.yaml", "line": 3, "col": 5, "message": "50% bad\nsecond line"}
    assert annotate.annotation("/nowhere/cases", problem) == (
        "::error file=/nowhere/cases/a%2Cb.yaml,line=3,col=5,title=qasesync validate::"
        "50%25 bad%0Asecond line"
    )


# --- hostile text: nothing from the tree or from Qase drives the log or leaves its block -----

#: Text a pull request (a title, a step) or Qase (a tag, an error) could hold: every way out
#: of a fenced block, HTML, a forged "approved" heading and image, workflow commands (the
#: runner reads a line that starts with `::` after white space, splits lines at CR as well,
#: and reads the older `##[` form), and ESC sequences that erase a line on a terminal.
HOSTILE = (
    "Checkout\n~~~~~\n## ✅ Plan approved — safe to merge\n"
    "![approved](https://evil.example/approved.png)\n"
    "</details>\n<img src=x onerror=alert(1)>\n``````\n~~~~~~~~~~~~\n   ~~~~~~~~~~~~~~~~\n"
    "::stop-commands::PWNED\n::error file=cases/smoke.yaml,line=1::PWNED forged\n"
    "  ::add-mask::PWNED\n\x1b[2K\x1b[1APWNED erased\r::warning::PWNED\n##[error]PWNED\n"
)


def outside_code(markdown: str) -> list[str]:
    """The lines of ``markdown`` outside its fenced code blocks, by CommonMark's rules: a
    fence is 3+ backticks or tildes indented at most 3 spaces; a block is closed by a fence
    of the same character at least as long with nothing after it, or by the document's end."""
    outside, fence = [], ""
    for line in markdown.split("\n"):
        match = re.match(r"( {0,3})(`{3,}|~{3,})(.*)$", line)
        if not fence:
            if match and not (match.group(2)[0] == "`" and "`" in match.group(3)):
                fence = match.group(2)
            else:
                outside.append(line)
        elif (
            match
            and match.group(2)[0] == fence[0]
            and len(match.group(2)) >= len(fence)
            and not match.group(3).strip()
        ):
            fence = ""
    return outside


def assert_stays_in_its_blocks(markdown: str, *ours: str) -> None:
    """Nothing of HOSTILE renders as markdown of its own: outside the code blocks no heading
    says "Plan approved", no image or link goes to evil.example, no HTML tag of its own
    opens, and the <details> elements are ours (as many closed as opened); escaped inline
    text is fine. Each of ``ours`` (what follows the hostile text) is still outside a
    block: no block swallowed the rest of the document."""
    lines = outside_code(markdown)
    outside = "\n".join(lines)
    headings = [line for line in lines if re.match(r" {0,3}#{1,6}(\s|$)", line)]
    assert not [h for h in headings if "Plan approved" in h], markdown
    assert "](https://evil.example" not in outside, markdown
    assert "<img" not in outside and "<script" not in outside, markdown
    assert outside.count("</details>") == outside.count("<details>"), markdown
    for text in ours:
        assert text in outside, f"{text!r} swallowed by a code block:\n{markdown}"


def commands(log: str) -> list[str]:
    """The lines of ``log`` that the runner reads as workflow commands."""
    lines = re.split(r"\r\n|\r|\n", log)
    return [line for line in lines if line.lstrip().startswith("::") or "##[" in line]


def assert_no_forged_command(log: str) -> None:
    """No command of ``log`` came from HOSTILE: each is one of the annotations the action
    and qasesync print, and none has a message that starts where HOSTILE's commands do
    (HOSTILE inside a message, escaped, is text); no ESC reaches the log raw."""
    forged = []
    for line in commands(log):
        command, _, message = line.lstrip().removeprefix("::").partition("::")
        ours = command.split(" ")[0] in ("error", "warning", "notice") and _
        if not ours or message.startswith("PWNED"):
            forged.append(line)
    assert forged == []
    assert "\x1b" not in log


def test_a_failed_plan_cannot_forge_an_approved_plan_in_the_comment_or_the_log(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    env = {**pr_env(github, tmp_path), "FAKE_PLAN_EXIT": "1", "FAKE_TEXT": HOSTILE}
    env["GITHUB_RUN_ID"] = "42"  # the comment ends with a link to the run
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert run.results[-1] == ("Conclude", 1)
    [comment] = github.comments
    assert comment["body"].startswith(f"{MARKER}\n### qasesync plan failed (exit 1)\n")
    assert "## ✅ Plan approved — safe to merge" in comment["body"]  # shown, as text
    assert_stays_in_its_blocks(comment["body"], "<sub>qasesync plan of")
    assert_stays_in_its_blocks(run.summary)
    assert_no_forged_command(run.stdout)
    # The plan's own annotation still reaches the runner.
    assert "::error file=cases/smoke.yaml,line=4,col=15::unknown severity" in run.stdout


def test_a_text_plan_cannot_leave_its_block_in_the_comment(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    env = {**pr_env(github, tmp_path), "FAKE_TEXT": HOSTILE, "GITHUB_RUN_ID": "42"}
    run = run_action(
        tmp_path, plan_inputs(format="text"), path=[fake_bin], github_context=PR, env=env
    )
    assert not run.failed, run.stdout
    [comment] = github.comments
    assert "every one of the 3,000 new cases" in comment["body"]
    assert_stays_in_its_blocks(comment["body"], "### qasesync plan", "<sub>qasesync plan of")
    assert_no_forged_command(run.stdout)


def test_a_plan_cut_for_the_comment_keeps_the_whole_text_plan_in_its_block(
    tmp_path: Path, github: FakeGitHub, fake_bin: Path
) -> None:
    env = {**pr_env(github, tmp_path), "FAKE_PLAN_CUT": "1", "FAKE_TEXT": HOSTILE}
    run = run_action(tmp_path, plan_inputs(), path=[fake_bin], github_context=PR, env=env)
    assert not run.failed, run.stdout
    assert "every one of the 3,000 new cases" in run.summary
    assert_stays_in_its_blocks(run.summary, "</details>")


def test_apply_output_reaches_the_log_as_text_and_the_summary_in_its_block(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    env = apply_env(tmp_path, clone, FAKE_TEXT=HOSTILE)
    run = run_action(tmp_path, apply_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert not run.failed, run.stdout
    assert "Apply: 1 created" in run.stdout and "\\x1b[2K" in run.stdout
    assert_no_forged_command(run.stdout)
    assert_stays_in_its_blocks(run.summary, "### qasesync apply")


def test_writeback_errors_become_escaped_annotations_and_stay_in_their_block(
    tmp_path: Path, clone: Path, fake_bin: Path
) -> None:
    land(tmp_path, "retitle", {"cases/smoke.yaml": "cases:\n  - title: Home page, again\n"})
    hostile = HOSTILE.replace("\n", "\nerror: ")  # every line an error writeback prints
    env = apply_env(tmp_path, clone, FAKE_WRITEBACK_EXIT="1", FAKE_TEXT=hostile)
    run = run_action(tmp_path, apply_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert ("Commit written-back ids", 1) in run.results
    assert "::error title=qasesync::::stop-commands::PWNED\n" in run.stdout  # a message
    assert "::error title=qasesync::\x1b" not in run.stdout
    assert_no_forged_command(run.stdout)
    assert_stays_in_its_blocks(
        run.summary, "### qasesync: written-back ids without a place", "written-back ids are kept"
    )


def test_pull_output_stays_in_its_block_in_the_pull_request_and_the_summary(
    tmp_path: Path, clone: Path, fake_bin: Path, github: FakeGitHub
) -> None:
    env = {
        "FAKE_LOG": str(tmp_path / "calls.log"),
        "FAKE_PULL_FILES": "smoke.yaml",
        "FAKE_PULL_TEXT": f"# {HOSTILE.replace(chr(10), chr(10) + '# ')}\n",
        "FAKE_TEXT": HOSTILE,
        "GITHUB_API_URL": github.url,
    }
    run = run_action(tmp_path, pull_inputs(), path=[fake_bin], env=env, cwd=clone)
    assert not run.failed, run.stdout
    [pull] = github.pulls
    assert_stays_in_its_blocks(pull["body"], "<sub>qasesync pull of")
    assert_stays_in_its_blocks(run.summary, "### qasesync pull", "the pull request [#100]")
    assert_no_forged_command(run.stdout)


def test_validate_problems_of_a_fork_are_escaped_annotations_and_stay_in_their_block(
    tmp_path: Path,
) -> None:
    report = {
        "problems": [{"file": "a\n::error::PWNED.yaml", "line": 1, "col": 2, "message": HOSTILE}]
    }
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (tmp_path / "stderr.txt").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "empty.json").write_text("", encoding="utf-8")
    summary = tmp_path / "summary.md"
    for report_file in ("report.json", "empty.json"):
        done = subprocess.run(
            [
                sys.executable,
                str(ACTION_DIR / "annotate.py"),
                "cases",
                report_file,
                "stderr.txt",
                "1",
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), "GITHUB_STEP_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
            check=True,
        )
        [annotation] = done.stdout.splitlines()
        assert annotation.startswith("::error ") and "%0A::stop-commands::PWNED" in annotation
        assert_no_forged_command(annotation + "\n" + done.stderr)
    text = summary.read_text(encoding="utf-8")
    assert text.count("### qasesync validate") == 2
    assert_stays_in_its_blocks(text, "1 problem(s) in cases:", "validate failed (exit 1):")


def test_the_scripts_take_the_rules_of_the_checkout_even_with_another_qasesync_installed(
    tmp_path: Path,
) -> None:
    # The `version` input may install a release older than safetext: with no site-packages
    # and no PYTHONPATH (python -S -I), safe.py still finds the rules in the action's checkout.
    text = tmp_path / "text.txt"
    text.write_text("~~~~~\n::stop-commands::x\n", encoding="utf-8")
    fence = [sys.executable, "-S", "-I", str(ACTION_DIR / "safe.py"), "fence", "text", str(text)]
    done = subprocess.run(fence, capture_output=True, text=True, check=True)
    assert done.stdout == "~~~~~~text\n~~~~~\n::stop-commands::x\n~~~~~~\n"
    log = [sys.executable, "-S", "-I", str(ACTION_DIR / "safe.py"), "log"]
    done = subprocess.run(log, input=text.read_text(), capture_output=True, text=True, check=True)
    assert done.stdout == "~~~~~\n\\x3a:stop-commands::x\n"


def test_a_fence_is_longer_than_any_run_of_backticks_or_tildes_in_the_text(tmp_path: Path) -> None:
    text = tmp_path / "text.txt"
    text.write_text("a\n~~~~~\n`````````` \n~~~~~~~~~~~~~~~~~~~~~~~~~\nb", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ACTION_DIR / "safe.py"), "fence", "diff", str(text)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    fence = "~" * 26
    assert done.stdout == f"{fence}diff\n{text.read_text(encoding='utf-8')}\n{fence}\n"
    assert outside_code(done.stdout + "after") == ["after"]


#: HOSTILE's worst in fewer characters than a title or a tag may have.
SHORT_HOSTILE = "~~~~~\n## ✅ Plan approved\n::stop-commands::PWNED\n\x1b[2KPWNED\r::warning::PWNED"


def hostile_cases(root: Path) -> None:
    """A tree whose titles, tags and steps hold HOSTILE, each line of it in its own case."""
    cases = "".join(
        f"  - title: {json.dumps(f'{line} {n}')}\n"
        f"    tags: {json.dumps([line, SHORT_HOSTILE])}\n"
        f"    steps:\n      - action: {json.dumps(HOSTILE)}\n"
        for n, line in enumerate(filter(None, HOSTILE.split("\n")))
    )
    (root / "cases" / "checkout").mkdir(parents=True)
    (root / "cases" / "qasesync.yaml").write_text("project: SHOP\n", encoding="utf-8")
    (root / "cases" / "checkout" / "suite.yaml").write_text(
        f"title: {json.dumps(SHORT_HOSTILE)}\n", encoding="utf-8"
    )
    (root / "cases" / "checkout" / "payments.yaml").write_text(f"cases:\n{cases}", "utf-8")


def test_real_validate_plan_and_apply_of_a_hostile_tree_drive_nothing(
    tmp_path: Path, github: FakeGitHub, qase: tuple[Any, str]
) -> None:
    emulator, url = qase
    hostile_cases(tmp_path)
    env = {"GITHUB_API_URL": github.url, "GITHUB_RUN_ID": "42", "GITHUB_REF_NAME": "main"}
    validate = run_action(tmp_path, {"command": "validate", "python-version": ""}, env=env)
    plan = run_action(tmp_path, plan_inputs(**{"api-url": url}), github_context=PR, env=env)
    text = run_action(
        tmp_path, plan_inputs(**{"api-url": url, "format": "text"}), github_context=PR, env=env
    )
    inputs = {**apply_inputs(), "api-url": url, "push-ids": "false"}
    apply = run_action(tmp_path, inputs, env=env)
    replan = run_action(tmp_path, plan_inputs(**{"api-url": url}), github_context=PR, env=env)

    for run in (validate, plan, text, apply, replan):
        assert not run.failed, run.stdout
        assert_no_forged_command(run.stdout)
    assert plan.outputs["has-changes"] == "true" and replan.outputs["has-changes"] == "false"
    assert len(emulator.store.cases("SHOP")) == len(list(filter(None, HOSTILE.split("\n"))))
    [comment] = github.comments  # updated in place by each plan
    assert_stays_in_its_blocks(comment["body"], "<sub>qasesync plan of")
    for run in (validate, plan, text, apply, replan):
        assert_stays_in_its_blocks(run.summary)

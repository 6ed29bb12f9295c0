"""The tree writer: names, document layout, and writing to disk."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qasesync.errors import ConfigError
from qasesync.model import (
    AUTOMATION_VALUES,
    ENUM_FIELDS,
    PRUNE_MODES,
    Case,
    MaxDestroy,
    Settings,
    SharedStep,
    Step,
    Suite,
    Tree,
)
from qasesync.tree.load import load_tree
from qasesync.tree.write import (
    SLUG_MAX,
    prepare,
    render_tree,
    slugify,
    suite_folders,
    unique_names,
    without_defaults,
    write_tree,
)

REPO = Path(__file__).resolve().parents[1]

#: What write_tree copies into the tree's `.schemas/`, sorted.
SCHEMA_COPIES = [
    "cases.schema.json",
    "catalog.json",
    "qasesync.schema.json",
    "shared-steps.schema.json",
    "suite.schema.json",
]


def _tree(**kwargs: Any) -> Tree:
    return Tree(settings=Settings(project="SHOP"), **kwargs)


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Authentication", "authentication"),
        ("SSO / SAML 2.0", "sso-saml-2-0"),
        ("  --Checkout--  ", "checkout"),
        ("Café Überweisung", "cafe-uberweisung"),
        ("Авторизация", "suite"),
        ("CON", "con-suite"),
        ("nul", "nul-suite"),
        ("Com1", "com1-suite"),
        ("Console", "console"),
        ("shared_steps", "shared-steps"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_without_a_trailing_dash() -> None:
    slug = slugify("a" * 59 + " b" * 20)
    assert len(slug) <= SLUG_MAX
    assert slug == "a" * 59


def test_unique_names_number_repeated_siblings() -> None:
    assert unique_names(["Login", "login", "LOGIN!", "Logout"]) == [
        "login",
        "login-2",
        "login-3",
        "logout",
    ]


def test_unique_names_keep_suffixed_names_within_the_limit() -> None:
    names = unique_names(["x" * 80, "x" * 80])
    assert names == ["x" * 60, "x" * 58 + "-2"]


def test_suite_folders_are_nested_paths() -> None:
    tree = _tree(
        suites=(
            Suite(key="#1", title="Checkout", id=1),
            Suite(key="#2", title="Payments", id=2, parent="#1"),
            Suite(key="#3", title="Cards", id=3, parent="#2"),
        )
    )
    assert suite_folders(tree) == {
        "#1": "checkout",
        "#2": "checkout/payments",
        "#3": "checkout/payments/cards",
    }


def test_suite_folders_are_stable_when_live_order_changes() -> None:
    first = Suite(key="#7", title="Login", id=7)
    second = Suite(key="#9", title="Login", id=9)
    assert suite_folders(_tree(suites=(second, first))) == {"#7": "login", "#9": "login-2"}
    assert suite_folders(_tree(suites=(first, second))) == {"#7": "login", "#9": "login-2"}


def test_suite_folders_refuse_a_parent_cycle() -> None:
    suites = (Suite(key="a", title="A", parent="b"), Suite(key="b", title="B", parent="a"))
    with pytest.raises(ValueError, match="cycle"):
        suite_folders(_tree(suites=suites))


def test_prepare_derives_shared_step_keys_from_titles_and_follows_references() -> None:
    tree = _tree(
        shared_steps=(
            SharedStep(key="h1", hash="h1", title="Sign in", steps=(Step(action="a"),)),
            SharedStep(key="sign-in", title="Other", steps=(Step(action="b"),)),
        ),
        cases=(Case(title="c", steps=(Step(action="x", steps=(Step(shared="h1"),)),)),),
    )
    prepared = prepare(tree)
    assert [s.key for s in prepared.shared_steps] == ["sign-in-2", "sign-in"]
    assert prepared.cases[0].steps[0].steps[0].shared == "sign-in-2"


# --- documents --------------------------------------------------------------------------


def test_a_full_case_is_written_in_the_documented_order() -> None:
    case = Case(
        id=101,
        title="Login redirects to the dashboard",
        suite="#1",
        description="A registered user\nlands on the dashboard.\n",
        preconditions="The user is registered",
        severity="major",
        priority="high",
        type="functional",
        behavior="positive",
        layer="e2e",
        status="actual",
        automation="manual",
        flaky=False,
        milestone_id=3,
        tags=("auth", "smoke"),
        external_issues=("ENG-123",),
        custom_fields={"Owner": "alice", "Components": ("web", "api"), "Reviewed": True},
        parameters={"browser": ("chrome", "firefox")},
        steps=(
            Step(action="Open /login", expected_result="The form is shown", data="x"),
            Step(shared="sign-in"),
            Step(action="Open the menu", steps=(Step(action="Click Settings"),)),
        ),
    )
    tree = _tree(suites=(Suite(key="#1", title="Auth", id=1),), cases=(case,))
    assert render_tree(tree)[PurePosixPath("auth/cases.yaml")] == (
        "# yaml-language-server: $schema=../.schemas/cases.schema.json\n"
        "cases:\n"
        "  - id: 101\n"
        "    title: Login redirects to the dashboard\n"
        "    description: |\n"
        "      A registered user\n"
        "      lands on the dashboard.\n"
        "    preconditions: The user is registered\n"
        "    severity: major\n"
        "    priority: high\n"
        "    type: functional\n"
        "    behavior: positive\n"
        "    layer: e2e\n"
        "    status: actual\n"
        "    automation: manual\n"
        "    flaky: false\n"
        "    milestone_id: 3\n"
        "    tags: [auth, smoke]\n"
        "    external_issues: [ENG-123]\n"
        "    custom_fields:\n"
        "      Owner: alice\n"
        "      Components: [web, api]\n"
        "      Reviewed: true\n"
        "    parameters:\n"
        "      browser: [chrome, firefox]\n"
        "    steps:\n"
        "      - action: Open /login\n"
        "        expected_result: The form is shown\n"
        "        data: x\n"
        "      - shared: sign-in\n"
        "      - action: Open the menu\n"
        "        steps:\n"
        "          - action: Click Settings\n"
    )


def test_a_bare_case_at_the_root_is_only_its_title() -> None:
    files = render_tree(_tree(cases=(Case(title="Home page loads"),)))
    assert files[PurePosixPath("cases.yaml")] == (
        "# yaml-language-server: $schema=.schemas/cases.schema.json\n"
        "cases:\n"
        "  - title: Home page loads\n"
    )


def test_gherkin_is_a_block() -> None:
    files = render_tree(_tree(cases=(Case(title="g", gherkin="Given a\nThen b"),)))
    assert files[PurePosixPath("cases.yaml")].endswith(
        "    gherkin: |-\n      Given a\n      Then b\n"
    )


def test_text_that_would_read_as_another_type_is_quoted() -> None:
    case = Case(title="true", description="1.0", tags=("null", "+.5", "3-D Secure"))
    text = render_tree(_tree(cases=(case,)))[PurePosixPath("cases.yaml")]
    assert "title: 'true'\n" in text
    assert "description: '1.0'\n" in text
    assert "tags: ['null', '+.5', 3-D Secure]\n" in text


def test_long_lists_are_blocks() -> None:
    case = Case(title="t", tags=tuple(f"tag-number-{n}" for n in range(8)))
    text = render_tree(_tree(cases=(case,)))[PurePosixPath("cases.yaml")]
    assert "    tags:\n      - tag-number-0\n" in text


def test_settings_hold_the_project_and_only_what_differs() -> None:
    settings = Settings(
        project="SHOP",
        prune="delete",
        scope=("auth", "checkout/payments"),
        max_destroy=MaxDestroy(12.5),
        write_back=False,
        ignore_fields=frozenset({"description", "automation"}),
        options={"severity": ("showstopper",), "layer": ()},
    )
    files = render_tree(Tree(settings=settings))
    assert files == {
        PurePosixPath("qasesync.yaml"): (
            "# yaml-language-server: $schema=.schemas/qasesync.schema.json\n"
            "project: SHOP\n"
            "prune: delete\n"
            "scope: [auth, checkout/payments]\n"
            "max_destroy: 12.5%\n"
            "write_back: false\n"
            "ignore_fields: [automation, description]\n"
            "options:\n"
            "  severity: [showstopper]\n"
        )
    }


def test_default_settings_are_the_project_alone() -> None:
    files = render_tree(_tree())
    assert files[PurePosixPath("qasesync.yaml")].splitlines()[1:] == ["project: SHOP"]


def test_a_count_limit_is_a_number() -> None:
    tree = Tree(settings=Settings(project="SHOP", max_destroy=MaxDestroy(5, percent=False)))
    assert "max_destroy: 5\n" in render_tree(tree)[PurePosixPath("qasesync.yaml")]


def test_suite_and_shared_steps_documents() -> None:
    tree = _tree(
        suites=(Suite(key="s", title="Login", id=12, preconditions="An account exists"),),
        shared_steps=(
            SharedStep(key="k", hash="0223", title="Sign in", steps=(Step(action="Open"),)),
        ),
    )
    files = render_tree(tree, schemas="https://example.test/schemas")
    assert files[PurePosixPath("login/suite.yaml")] == (
        "# yaml-language-server: $schema=https://example.test/schemas/suite.schema.json\n"
        "id: 12\n"
        "title: Login\n"
        "preconditions: An account exists\n"
    )
    assert files[PurePosixPath("shared_steps.yaml")] == (
        "# yaml-language-server: $schema=https://example.test/schemas/shared-steps.schema.json\n"
        "shared_steps:\n"
        "  - key: k\n"
        "    hash: '0223'\n"
        "    title: Sign in\n"
        "    steps:\n"
        "      - action: Open\n"
    )


# --- disk -------------------------------------------------------------------------------


def test_write_tree_writes_every_file(tmp_path: Path) -> None:
    tree = _tree(
        suites=(Suite(key="a", title="A"), Suite(key="b", title="B", parent="a")),
        cases=(Case(title="one", suite="b"),),
    )
    written = write_tree(tree, tmp_path / "out")
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    schemas = [f".schemas/{name}" for name in SCHEMA_COPIES]
    assert names == [*schemas, "a/b/cases.yaml", "a/b/suite.yaml", "a/suite.yaml", "qasesync.yaml"]


def test_write_tree_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not empty; use --force"):
        write_tree(_tree(), tmp_path)


def test_write_tree_with_force_replaces_stale_yaml_only(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "cases.yaml").write_text("cases: []\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("", encoding="utf-8")
    (tmp_path / "README.md").write_text("keep", encoding="utf-8")
    write_tree(_tree(), tmp_path, force=True)
    remaining = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    schemas = [".schemas", *(f".schemas/{name}" for name in SCHEMA_COPIES)]
    assert remaining == [".git", ".git/x.yaml", *schemas, "README.md", "qasesync.yaml"]


# --- round trip through the loader ------------------------------------------------------

_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12
).filter(str.strip)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=16)
_WORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Z")), min_size=1, max_size=12
)
_SLUG = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,8}", fullmatch=True)
_CUSTOM = st.one_of(
    _TEXT,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(_LINE, max_size=3, unique=True).map(tuple),
)


def _unique(title: str, taken: set[str]) -> str:
    while title.strip() in taken:  # validate, like Qase, compares titles trimmed
        title += " again"
    taken.add(title.strip())
    return title


@st.composite
def _settings(draw: st.DrawFn) -> Settings:
    percent = draw(st.booleans())
    limit = draw(st.integers(0, 100)) / (draw(st.sampled_from([1, 2, 4])) if percent else 1)
    return Settings(
        project=draw(st.from_regex(r"[A-Za-z]{2,10}", fullmatch=True)),
        prune=draw(st.sampled_from(PRUNE_MODES)),
        max_destroy=MaxDestroy(limit, percent=percent),
        external_issue_type=draw(st.sampled_from(["jira-cloud", "jira-server"])),
        write_back=draw(st.booleans()),
        ignore_fields=frozenset(draw(st.lists(st.sampled_from(["description", "tags"])))),
        options=draw(
            st.dictionaries(
                st.sampled_from(ENUM_FIELDS), st.lists(_SLUG, unique=True, max_size=2).map(tuple)
            )
        ),
    )


def _step_strategy(shared_keys: list[str]) -> st.SearchStrategy[Step]:
    leaf = st.builds(Step, action=_TEXT.filter(str.strip), expected_result=_TEXT, data=_TEXT)
    if shared_keys:
        leaf = leaf | st.builds(Step, shared=st.sampled_from(shared_keys))
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            Step, action=_LINE, steps=st.lists(inner, min_size=1, max_size=2).map(tuple)
        ),
        max_leaves=4,
    )


@st.composite
def _shared_steps(draw: st.DrawFn) -> tuple[SharedStep, ...]:
    keys = draw(st.lists(_WORD, unique=True, max_size=3))
    result = []
    for key in keys:
        live = draw(st.booleans())  # a live shared step: key == hash, renamed on disk
        result.append(
            SharedStep(
                key=key,
                hash=key if live else draw(st.none() | st.just(key + "-hash")),
                title=draw(_LINE),
                steps=tuple(draw(st.lists(_step_strategy([]), min_size=1, max_size=2))),
            )
        )
    return tuple(result)


@st.composite
def _suites(draw: st.DrawFn) -> tuple[Suite, ...]:
    suites: list[Suite] = []
    titles: dict[str | None, set[str]] = {}
    for index in range(draw(st.integers(0, 5))):
        parent = draw(st.none() | st.sampled_from([s.key for s in suites])) if suites else None
        title = _unique(draw(_LINE), titles.setdefault(parent, set()))
        with_id = draw(st.booleans())
        suites.append(
            Suite(
                key=f"s{index}",
                title=title,
                id=100 + index if with_id else None,
                parent=parent,
                description=draw(_TEXT),
                preconditions=draw(_TEXT),
            )
        )
    return tuple(suites)


@st.composite
def _case(draw: st.DrawFn, suite: str | None, shared_keys: list[str], settings: Settings) -> Case:
    def enum(name: str) -> str | None:
        return draw(st.none() | st.sampled_from(settings.allowed_options(name)))

    gherkin = draw(st.none() | _TEXT)
    enums: dict[str, Any] = {name: enum(name) for name in ENUM_FIELDS}
    return Case(
        title=draw(_LINE),
        suite=suite,
        description=draw(_TEXT),
        preconditions=draw(_TEXT),
        postconditions=draw(_TEXT),
        **enums,
        automation=draw(st.none() | st.sampled_from(AUTOMATION_VALUES)),
        flaky=draw(st.none() | st.booleans()),
        milestone_id=draw(st.none() | st.integers(1, 10**6)),
        tags=tuple(draw(st.lists(_LINE, unique=True, max_size=3))),
        external_issues=tuple(draw(st.lists(_WORD, unique=True, max_size=2))),
        custom_fields=draw(st.dictionaries(_LINE, _CUSTOM, max_size=3)),
        parameters=draw(
            st.dictionaries(_LINE, st.lists(_TEXT, min_size=1, max_size=3).map(tuple), max_size=2)
        ),
        steps=()
        if gherkin is not None
        else tuple(draw(st.lists(_step_strategy(shared_keys), max_size=3))),
        gherkin=gherkin,
    )


@st.composite
def _trees(draw: st.DrawFn) -> Tree:
    settings = draw(_settings())
    shared = draw(_shared_steps())
    suites = draw(_suites())
    homes = [None, *(s.key for s in suites)]
    cases = []
    titles: dict[str | None, set[str]] = {}
    for number in range(draw(st.integers(0, 6))):
        suite = draw(st.sampled_from(homes))
        case = draw(_case(suite, [s.key for s in shared], settings))
        if draw(st.booleans()):
            case = replace(case, id=1000 + number)
        else:
            case = replace(case, title=_unique(case.title, titles.setdefault(suite, set())))
        cases.append(case)
    return Tree(settings=settings, suites=suites, cases=tuple(cases), shared_steps=shared)


def _canonical(tree: Tree) -> Tree:
    """Suites by folder, cases by suite (file order kept): the order is not the point."""
    return replace(
        tree,
        suites=tuple(sorted(tree.suites, key=lambda s: s.key)),
        cases=tuple(sorted(tree.cases, key=lambda c: c.suite or "")),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_trees())
def test_a_written_tree_loads_back_equal(tree: Tree) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_tree(tree, Path(folder) / "tree")
        loaded = load_tree(Path(folder) / "tree")
    assert _canonical(loaded) == _canonical(prepare(tree))


def test_the_example_tree_round_trips(tmp_path: Path) -> None:
    tree = load_tree(REPO / "cases")
    write_tree(tree, tmp_path / "copy")
    assert _canonical(load_tree(tmp_path / "copy")) == _canonical(prepare(tree))


def test_without_defaults_leaves_out_what_the_workspace_defaults_to() -> None:
    live = Case(
        title="t",
        severity="normal",
        priority="high",
        type="other",
        behavior="undefined",
        layer="unknown",
        status="actual",
        automation="manual",
        flaky=False,
    )
    defaults = {
        "severity": "normal",
        "priority": "undefined",
        "type": "other",
        "behavior": "undefined",
        "layer": "unknown",
        "status": "actual",
    }
    (case,) = without_defaults(_tree(cases=(live,)), defaults).cases
    assert case == Case(title="t", priority="high")
    automated = replace(live, automation="automated", flaky=True, severity="major")
    (case,) = without_defaults(_tree(cases=(automated,)), defaults).cases
    assert (case.automation, case.flaky, case.severity) == ("automated", True, "major")


@pytest.mark.parametrize(
    "text",
    ["\t×\n", "\tb\nc", "a\r\nb", "bell\x07", "line\u2028sep", " lead\ntrail ", "0?", "- x", "#no"],
)
def test_awkward_text_reads_back_exactly(tmp_path: Path, text: str) -> None:
    case = Case(title="t", preconditions=text, tags=(text,), custom_fields={text: text})
    write_tree(_tree(cases=(case,)), tmp_path / "t")
    assert load_tree(tmp_path / "t").cases == (case,)

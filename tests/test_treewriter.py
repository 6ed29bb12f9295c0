"""The tree writer: names, document layout, and writing to disk."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from qasesync.errors import ConfigError
from qasesync.model import Case, MaxDestroy, Settings, SharedStep, Step, Suite, Tree
from qasesync.treewriter import (
    SLUG_MAX,
    prepare,
    render_tree,
    slugify,
    suite_folders,
    unique_names,
    write_tree,
)


def _tree(**kwargs: object) -> Tree:
    return Tree(settings=Settings(project="SHOP"), **kwargs)  # type: ignore[arg-type]


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


def test_a_full_case_is_written_in_the_contract_order() -> None:
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
        "# yaml-language-server: $schema=../../schemas/cases.schema.json\n"
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
        "# yaml-language-server: $schema=../schemas/cases.schema.json\n"
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
            "# yaml-language-server: $schema=../schemas/qasesync.schema.json\n"
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
    assert names == ["a/b/cases.yaml", "a/b/suite.yaml", "a/suite.yaml", "qasesync.yaml"]


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
    assert remaining == [".git", ".git/x.yaml", "README.md", "qasesync.yaml"]

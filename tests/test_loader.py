"""Valid trees load into exactly the model expected."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from qasesync.errors import ConfigError, ValidationError
from qasesync.model import (
    DEFAULT_MAX_DESTROY,
    Case,
    Location,
    MaxDestroy,
    Settings,
    SharedStep,
    Step,
    Suite,
)
from qasesync.tree.load import load_tree

DATA = Path(__file__).parent / "data"
FULL = DATA / "valid-full"


def problems_of(root: Path) -> list[str]:
    """The problems `load_tree` raises for ``root``, as printed."""
    with pytest.raises(ValidationError) as raised:
        load_tree(root)
    return [str(p) for p in raised.value.problems]


def test_settings_hold_every_field() -> None:
    settings = load_tree(FULL).settings
    assert settings == Settings(
        project="DEMO",
        prune="delete",
        scope=("auth",),
        max_destroy=MaxDestroy(10, percent=False),
        external_issue_type="jira-server",
        write_back=False,
        ignore_fields=frozenset({"description"}),
        options={"severity": ("showstopper",)},
    )
    assert settings.location == Location("qasesync.yaml", 2, 1, ())


def test_minimal_settings_take_the_defaults() -> None:
    tree = load_tree(DATA / "valid-minimal")
    assert tree.settings == Settings(project="DEMO")
    assert (tree.suites, tree.cases, tree.shared_steps) == ((), (), ())


def test_max_destroy_percentage(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\nmax_destroy: 12.5%\n")
    settings = load_tree(tmp_path).settings
    assert settings is not None
    assert settings.max_destroy == MaxDestroy(12.5, percent=True)
    assert settings.max_destroy.location == Location("qasesync.yaml", 2, 14, ("max_destroy",))


def test_max_destroy_set_is_explicit_and_left_out_is_the_default(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\nmax_destroy: 25%\n")
    settings = load_tree(tmp_path).settings
    assert settings is not None and settings.max_destroy.explicit
    assert settings.max_destroy != DEFAULT_MAX_DESTROY  # the same figure, but it always applies
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    settings = load_tree(tmp_path).settings
    assert settings is not None and settings.max_destroy is DEFAULT_MAX_DESTROY
    assert not DEFAULT_MAX_DESTROY.explicit and DEFAULT_MAX_DESTROY.location is None


def test_suites_from_folders_with_suite_yaml_fields() -> None:
    suites = load_tree(FULL).suites
    assert suites == (
        Suite(
            "auth",
            "Authentication",
            id=12,
            description="Everything about signing in",
            preconditions="A user account exists",
        ),
        Suite("auth/sso", "sso", parent="auth"),
    )
    assert [s.location for s in suites] == [
        Location("auth/suite.yaml", 1, 1, ()),
        Location("auth/sso/suite.yaml", 0, 0, ()),
    ]


def test_shared_steps_from_both_places() -> None:
    shared = load_tree(FULL).shared_steps
    assert shared == (
        SharedStep(
            "sign-in",
            "Sign in as admin",
            hash="0223905c291bada23e6049d415385982af92d758",
            steps=(
                Step("Open /login", "The login form is shown"),
                Step("Sign in as admin@example.com"),
            ),
        ),
        SharedStep(
            "sign-out",
            "Sign out",
            steps=(Step("Open the account menu", data="menu", steps=(Step("Click Sign out"),)),),
        ),
    )
    assert [s.location for s in shared] == [
        Location("shared_steps.yaml", 2, 5, ("shared_steps", 0)),
        Location("shared_steps/more.yaml", 2, 5, ("shared_steps", 0)),
    ]


def test_case_with_every_field() -> None:
    case = load_tree(FULL).cases[0]
    assert case == Case(
        title="Login redirects to the dashboard",
        id=101,
        suite="auth",
        description="A registered user who signs in lands on the dashboard.\n",
        preconditions="The user is registered",
        postconditions="The session cookie is set",
        severity="showstopper",
        priority="high",
        type="functional",
        behavior="positive",
        layer="e2e",
        status="actual",
        automation="to-be-automated",
        flaky=False,
        milestone_id=3,
        tags=("auth", "smoke"),
        external_issues=("ENG-123",),
        custom_fields={
            "Owner": "alice",
            "Components": ("web", "api"),
            "Reviewed": True,
            "Points": 3,
        },
        parameters={"browser": ("chrome", "firefox"), "size": ("1", "2")},
        steps=(
            Step("Open /login", "The login form is shown", ""),
            Step(shared="sign-in"),
            Step(
                "Open the account menu",
                "The menu lists Settings",
                steps=(Step("Click Settings", "The settings page opens"),),
            ),
        ),
    )
    assert case.location == Location("auth/login.yaml", 2, 5, ("cases", 0))


def test_gherkin_case_and_omitted_fields() -> None:
    case = load_tree(FULL).cases[1]
    assert case == Case(
        title="Login form is described in Gherkin",
        suite="auth",
        gherkin="Given a registered user\nWhen they sign in\nThen the dashboard is shown\n",
    )
    assert (case.severity, case.status, case.automation, case.flaky) == (None, None, None, None)
    assert case.location == Location("auth/login.yaml", 37, 5, ("cases", 1))


def test_yml_files_count_and_empty_text_is_empty_string() -> None:
    case = load_tree(FULL).cases[2]
    assert case == Case(title="SAML sign-in", suite="auth/sso", steps=(Step(shared="sign-out"),))
    assert case.location == Location("auth/sso/saml.yml", 2, 5, ("cases", 0))


def test_hidden_files_and_folders_and_other_files_are_ignored() -> None:
    tree = load_tree(FULL)
    assert [c.title for c in tree.cases if c.title == "Hidden"] == []
    assert [s.key for s in tree.suites] == ["auth", "auth/sso"]


def test_cases_at_the_root_have_no_suite(tmp_path: Path) -> None:
    shutil.copytree(DATA / "valid-minimal", tmp_path / "t")
    (tmp_path / "t" / "smoke.yaml").write_text("cases:\n  - title: Home loads\n")
    assert load_tree(tmp_path / "t").cases == (Case(title="Home loads"),)


def test_digests_hold_the_sha256_of_every_file_read() -> None:
    digests: dict[str, str] = {}
    load_tree(FULL, digests=digests)
    assert sorted(digests) == [
        "auth/login.yaml",
        "auth/sso/saml.yml",
        "auth/suite.yaml",
        "qasesync.yaml",
        "shared_steps.yaml",
        "shared_steps/more.yaml",
    ]
    expected = hashlib.sha256((FULL / "auth/login.yaml").read_bytes()).hexdigest()
    assert digests["auth/login.yaml"] == expected


def test_empty_suite_yaml_means_defaults(tmp_path: Path) -> None:
    shutil.copytree(DATA / "valid-minimal", tmp_path / "t")
    (tmp_path / "t" / "cart").mkdir()
    (tmp_path / "t" / "cart" / "suite.yaml").write_text("# fields to come\n")
    assert load_tree(tmp_path / "t").suites == (Suite("cart", "cart"),)


def test_a_folder_without_yaml_is_no_suite(tmp_path: Path) -> None:
    shutil.copytree(DATA / "valid-minimal", tmp_path / "t")
    (tmp_path / "t" / "images").mkdir()
    (tmp_path / "t" / "images" / "logo.png").write_bytes(b"\x89PNG")
    assert load_tree(tmp_path / "t").suites == ()


def test_a_folder_with_yaml_only_deeper_is_a_suite(tmp_path: Path) -> None:
    shutil.copytree(DATA / "valid-minimal", tmp_path / "t")
    (tmp_path / "t" / "a" / "b").mkdir(parents=True)
    (tmp_path / "t" / "a" / "b" / "c.yaml").write_text("cases: []\n")
    assert load_tree(tmp_path / "t").suites == (Suite("a", "a"), Suite("a/b", "b", parent="a"))


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_bytes("\ufeffproject: DEMO\n".encode())
    assert load_tree(tmp_path).settings == Settings(project="DEMO")


def test_problems_of_every_file_come_at_once_sorted(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    (tmp_path / "b.yaml").write_text("cases:\n  - title: B\n    layer: e3e\n")
    (tmp_path / "a.yaml").write_text("cases:\n  - title: A\n    status: actuall\n")
    assert problems_of(tmp_path) == [
        "a.yaml:3:13: `status`: unknown option `actuall` (did you mean `actual`?)",
        "b.yaml:3:12: `layer`: unknown option `e3e` (did you mean `e2e`?)",
    ]


def test_one_bad_case_does_not_hide_the_next(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    text = "cases:\n  - title: A\n    tags: x\n  - title: B\n    priority: hihg\n"
    (tmp_path / "a.yaml").write_text(text)
    assert problems_of(tmp_path) == [
        "a.yaml:3:11: `tags` must be a list",
        "a.yaml:5:15: `priority`: unknown option `hihg` (did you mean `high`?)",
    ]


def test_a_schema_error_in_a_case_does_not_hide_the_rules_on_its_other_keys(
    tmp_path: Path,
) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    text = (
        "cases:\n  - title: A\n    tags: x\n    severity: majr\n    steps:\n"
        "      - shared: nowhere\n  - titl: B\n    gherkin: x\n    steps: [{action: y}]\n"
    )
    (tmp_path / "a.yaml").write_text(text)
    assert problems_of(tmp_path) == [
        "a.yaml:3:11: `tags` must be a list",
        "a.yaml:4:15: `severity`: unknown option `majr` (did you mean `major`?)",
        "a.yaml:6:17: unknown shared step `nowhere`",
        "a.yaml:7:5: missing required key `title`",
        "a.yaml:7:5: unknown key `titl` (did you mean `title`?)",
        "a.yaml:8:14: a case has `steps` or `gherkin`, not both",
    ]


def test_titles_that_differ_only_in_surrounding_spaces_are_one_title(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "suite.yaml").write_text("title: ' Shop '\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "suite.yaml").write_text("title: Shop\n")
    (tmp_path / "a.yaml").write_text("cases:\n  - title: Login\n  - title: ' Login '\n")
    assert problems_of(tmp_path) == [
        "a.yaml:3:12: two cases without `id` in the tree root are titled ` Login `"
        " (first at a.yaml:2:12); they could not be told apart on a rerun",
        "shop/suite.yaml:1:8: two suites under one parent are titled `Shop`"
        " (first at auth/suite.yaml:1:8)",
    ]


def test_an_unknown_key_beside_cases_does_not_hide_the_cases(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    text = "defaults:\n  severity: major\ncases:\n  - title: A\n    severity: majr\n"
    (tmp_path / "a.yaml").write_text(text)
    shared = "shared_step:\nshared_steps:\n  - key: k\n    title: K\n    steps: [{action: ''}]\n"
    (tmp_path / "shared_steps.yaml").write_text(shared)
    assert problems_of(tmp_path) == [
        "a.yaml:1:1: unknown key `defaults`",
        "a.yaml:5:15: `severity`: unknown option `majr` (did you mean `major`?)",
        "shared_steps.yaml:1:1: unknown key `shared_step` (did you mean `shared_steps`?)",
        "shared_steps.yaml:5:13: a step needs a non-empty `action`",
    ]


def test_unknown_enum_with_nothing_close_lists_the_known_options(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\noptions:\n  layer: [ui]\n")
    (tmp_path / "a.yaml").write_text("cases:\n  - title: A\n    layer: zzz\n")
    assert problems_of(tmp_path)[0] == (
        "a.yaml:3:12: `layer`: unknown option `zzz` (known: unknown, e2e, api, unit, ui;"
        " add it under `options` in qasesync.yaml)"
    )


def test_a_missing_tree_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no cases tree there"):
        load_tree(tmp_path / "nope")


def test_enum_names_are_not_checked_while_settings_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\nprune: sometimes\n")
    (tmp_path / "a.yaml").write_text("cases:\n  - title: A\n    severity: showstopper\n")
    assert problems_of(tmp_path) == [
        "qasesync.yaml:2:8: `prune`: unknown value `sometimes` (one of: deprecate, delete, off)"
    ]


def test_type_problems_name_the_item_and_every_type_allowed(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    text = (
        "cases:\n  - title: A\n    description: [1]\n    tags: [a, 3]\n"
        "    custom_fields:\n      Owner: ~\n  - just text\n"
    )
    (tmp_path / "a.yaml").write_text(text)
    assert problems_of(tmp_path) == [
        "a.yaml:3:18: `description` must be a text or empty",
        "a.yaml:4:15: `tags[1]` must be a text",
        "a.yaml:6:14: `Owner` must be a text, a number, true or false, or a list",
        "a.yaml:7:5: `cases[1]` must be a mapping",
    ]


def test_settings_with_a_schema_error_deep_inside_are_not_used(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\noptions:\n  severity: 5\n")
    assert problems_of(tmp_path) == ["qasesync.yaml:3:13: `severity` must be a list"]


def test_a_shared_step_with_a_schema_error_is_still_a_known_key(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    shared = "shared_steps:\n  - key: sign-in\n    title: Sign in\n    steps: []\n"
    (tmp_path / "shared_steps.yaml").write_text(shared)
    (tmp_path / "a.yaml").write_text("cases:\n  - title: A\n    steps:\n      - shared: sign-in\n")
    assert problems_of(tmp_path) == ["shared_steps.yaml:4:12: `steps` needs at least 1 item(s)"]


def test_a_workspace_shared_step_is_referenced_by_its_hash(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    steps = "    steps:\n      - workspace_shared: abc123\n      - action: Go\n"
    (tmp_path / "a.yaml").write_text("cases:\n  - title: A\n" + steps)
    [case] = load_tree(tmp_path).cases
    assert case.steps == (Step(workspace="abc123"), Step("Go"))


def test_a_workspace_shared_reference_stands_alone_and_only_in_cases(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    steps = "    steps:\n      - workspace_shared: abc123\n        action: Go\n"
    (tmp_path / "a.yaml").write_text("cases:\n  - title: A\n" + steps)
    shared = "shared_steps:\n  - key: k\n    title: K\n    steps:\n      - workspace_shared: x\n"
    (tmp_path / "shared_steps.yaml").write_text(shared)
    assert problems_of(tmp_path) == [
        "a.yaml:5:9: a `workspace_shared` step has no other keys (found `action`)",
        "shared_steps.yaml:5:27: a shared step cannot use another shared step",
    ]

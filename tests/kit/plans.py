"""Hand-built desired trees and live projects for the planner, plan and render tests.

`desired()` and `live()` describe the same project: planning one against the other
shows no change. Tests change one side with `dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qasesync.model import (
    DEFAULT_SLUGS,
    Case,
    CustomField,
    Live,
    Location,
    Settings,
    SharedStep,
    Step,
    Suite,
    Tree,
    Workspace,
)

HASH = "0223905c291bada23e6049d415385982af92d758"
SIGN_IN = (
    Step("Open /login", "The login form is shown"),
    Step("Sign in as admin@example.com", "The dashboard is shown"),
)


def loc(file: str, line: int, path: tuple[str | int, ...] = ()) -> Location:
    return Location(file, line, 5 if path else 1, path)


def settings(**changes: Any) -> Settings:
    return replace(Settings(project="DEMO"), **changes)


def workspace() -> Workspace:
    return replace(
        Workspace.default(),
        custom_fields=(
            CustomField(1, "Owner", "string"),
            CustomField(2, "Components", "multiselect", options=("web", "api", "mobile")),
            CustomField(3, "Reviewed", "checkbox"),
        ),
    )


def desired_case(title: str, **fields: Any) -> Case:
    return Case(title=title, **fields)


def desired(**changes: Any) -> Tree:
    tree = Tree(
        settings=settings(),
        suites=(
            Suite(
                "authentication",
                "Authentication",
                id=1,
                location=loc("authentication/suite.yaml", 1),
            ),
            Suite(
                "authentication/sso",
                "SSO",
                id=2,
                parent="authentication",
                location=loc("authentication/sso/suite.yaml", 1),
            ),
        ),
        shared_steps=(
            SharedStep(
                "sign-in-as-admin",
                "Sign in as admin",
                hash=HASH,
                steps=SIGN_IN,
                location=loc("shared_steps.yaml", 2, ("shared_steps", 0)),
            ),
        ),
        cases=(
            Case(
                "Login redirects to the dashboard",
                id=101,
                suite="authentication",
                description="A registered user lands on the dashboard.\n",
                severity="major",
                priority="high",
                tags=("auth", "smoke"),
                custom_fields={"Owner": "alice", "Components": ("web", "api")},
                steps=(
                    Step(shared="sign-in-as-admin"),
                    Step(
                        "Open the account menu",
                        "The menu lists Settings",
                        steps=(Step("Click Settings", "The settings page opens"),),
                    ),
                ),
                location=loc("authentication/login.yaml", 2, ("cases", 0)),
            ),
            Case(
                "Logout ends the session",
                id=102,
                suite="authentication",
                steps=(Step("Click Log out", "The login page is shown"),),
                location=loc("authentication/login.yaml", 20, ("cases", 1)),
            ),
            Case(
                "SAML sign-in",
                id=103,
                suite="authentication/sso",
                type="functional",
                location=loc("authentication/sso/saml.yaml", 2, ("cases", 0)),
            ),
        ),
    )
    return replace(tree, **changes)


def live_case(title: str, **fields: Any) -> Case:
    """A live case: every enum filled in, as remote reads it."""
    values: dict[str, Any] = {**DEFAULT_SLUGS, "automation": "manual", "flaky": False}
    values.update(fields)
    return Case(title=title, updated_at="2026-11-01T10:00:00Z", **values)


def live_tree(**changes: Any) -> Tree:
    tree = Tree(
        settings=None,
        suites=(
            Suite("#1", "Authentication", id=1, updated_at="2026-11-01T09:00:00Z"),
            Suite("#2", "SSO", id=2, parent="#1"),
        ),
        shared_steps=(
            SharedStep(HASH, "Sign in as admin", hash=HASH, steps=SIGN_IN, used_by=(101,)),
        ),
        cases=(
            live_case(
                "Login redirects to the dashboard",
                id=101,
                suite="#1",
                description="A registered user lands on the dashboard.",
                severity="major",
                priority="high",
                tags=("smoke", "auth"),
                custom_fields={"Owner": "alice", "Components": ("api", "web")},
                steps=(
                    Step(shared=HASH),
                    Step(
                        "Open the account menu",
                        "The menu lists Settings",
                        steps=(Step("Click Settings", "The settings page opens"),),
                    ),
                ),
            ),
            live_case(
                "Logout ends the session",
                id=102,
                suite="#1",
                steps=(Step("Click Log out", "The login page is shown"),),
            ),
            live_case("SAML sign-in", id=103, suite="#2", type="functional"),
        ),
    )
    return replace(tree, **changes)


def live(**changes: Any) -> Live:
    return Live(live_tree(**changes), workspace())


def with_case(tree: Tree, index: int, **fields: Any) -> Tree:
    """The tree with one case changed."""
    cases = list(tree.cases)
    cases[index] = replace(cases[index], **fields)
    return replace(tree, cases=tuple(cases))


def mixed_desired() -> Tree:
    """Every kind of change at once (under ``prune: delete``): a suite and a shared step
    created, a shared step retitled, a case created with non-default automation, a case
    updated field by field, a case and a suite deleted, an automation warning."""
    tree = desired()
    checkout = Suite("checkout", "Checkout", location=loc("checkout/suite.yaml", 1))
    sign_out = SharedStep(
        "sign-out",
        "Sign out",
        steps=(Step("Click Log out"),),
        location=loc("shared_steps.yaml", 12, ("shared_steps", 1)),
    )
    shared = (replace(tree.shared_steps[0], title="Sign in as the admin"), sign_out)
    new = Case(
        "Pay with a card | <b>fast</b>",
        suite="checkout",
        automation="automated",
        steps=(Step("Pay", "Paid"), Step(shared="sign-out")),
        location=loc("checkout/cases.yaml", 2, ("cases", 0)),
    )
    tree = replace(
        tree, suites=(tree.suites[0], checkout), shared_steps=shared, cases=(*tree.cases[:2], new)
    )
    tree = with_case(
        tree,
        0,
        tags=("auth", "regression"),
        priority="low",
        steps=(
            Step(shared="sign-in-as-admin"),
            Step(
                "Open the account menu",
                "The menu lists Profile",
                steps=(Step("Click Settings", "The settings page opens"),),
            ),
        ),
    )
    return with_case(tree, 1, automation="automated")


def mixed_settings() -> Settings:
    return settings(prune="delete")

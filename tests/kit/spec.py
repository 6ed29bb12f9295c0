"""Validate JSON bodies against the official Qase OpenAPI 3.0 spec.

Reusable by any test that talks to the emulator or through the client::

    check_response(spec, "GET", "/case/DEMO/1", 200, body)   # or the template "/case/{code}/{id}"
    check_request(spec, "PATCH", "/case/DEMO/1", payload)

Paths may be full URLs, or paths with or without the ``/v1`` base path and a query.
Concrete paths are matched against the spec's templates, literal segments winning over
``{params}``.
Schemas are validated with ``OAS30Validator`` (``nullable`` honoured), ``$ref`` resolved
within the bundled spec. A failure raises ``AssertionError`` naming the operation and
every schema error.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_URI = "urn:qase-openapi-v1"
BASE_PATH = "/v1"
# Vendored with its licence and provenance: tests/spec/qase-openapi/README.md.
SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "qase-openapi" / "qase-api-v1.json"


@functools.cache
def load_spec() -> dict[str, Any]:
    """The official spec, read once per test process."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def match_template(spec: dict[str, Any], path: str) -> str:
    """The spec's path template for a concrete ``path`` (or ``path`` itself if a template)."""
    path = _strip(path)
    if path in spec["paths"]:
        return path
    best: tuple[int, str] | None = None
    for template in spec["paths"]:
        score = _score(template, path)
        if score is not None and (best is None or score > best[0]):
            best = (score, template)
    if best is None:
        raise AssertionError(f"no path of the spec matches {path}")
    return best[1]


def check_response(spec: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """Assert that ``body`` fits the spec's schema for ``method path`` answering ``status``."""
    template = match_template(spec, path)
    operation = _operation(spec, method, template)
    responses = operation["responses"]
    key = str(status) if str(status) in responses else "default"
    if key not in responses:
        raise AssertionError(f"{method} {template}: status {status} is not in the spec")
    schema = responses[key].get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    pointer = _pointer(
        "paths", template, method.lower(), "responses", key, "content", "application/json", "schema"
    )
    _validate(spec, pointer, body, f"{method} {template} -> {status}")


def check_answers(spec: dict[str, Any], records: Iterable[Any]) -> int:
    """Check every 2xx answer of an emulator's request log (``Emulator.log`` records:
    ``method``, ``path``, ``status``, ``answer``); return how many were checked."""
    answered = [r for r in records if 200 <= r.status < 300 and r.answer is not None]
    for record in answered:
        check_response(spec, record.method, record.path, record.status, record.answer)
    return len(answered)


def check_request(spec: dict[str, Any], method: str, path: str, body: Any) -> None:
    """Assert that a request ``body`` fits the spec's requestBody schema for ``method path``."""
    template = match_template(spec, path)
    operation = _operation(spec, method, template)
    request = operation.get("requestBody")
    if request is None:
        if body not in (None, b"", ""):
            raise AssertionError(f"{method} {template}: the spec takes no request body")
        return
    if body is None:
        if request.get("required"):
            raise AssertionError(f"{method} {template}: the spec requires a request body")
        return
    pointer = _pointer(
        "paths", template, method.lower(), "requestBody", "content", "application/json", "schema"
    )
    _validate(spec, pointer, body, f"request {method} {template}")


def _strip(path: str) -> str:
    """The path below the base: without scheme, host, query and ``/v1``."""
    path = urlsplit(path).path
    if path.startswith(BASE_PATH + "/"):
        path = path[len(BASE_PATH) :]
    return path.rstrip("/") or "/"


def _score(template: str, path: str) -> int | None:
    """How well ``template`` matches: number of literal segments, None for no match."""
    want = template.strip("/").split("/")
    have = path.strip("/").split("/")
    if len(want) != len(have):
        return None
    score = 0
    for pattern, segment in zip(want, have, strict=True):
        if pattern.startswith("{") and pattern.endswith("}"):
            continue
        if pattern != segment:
            return None
        score += 1
    return score


def _operation(spec: dict[str, Any], method: str, template: str) -> dict[str, Any]:
    item = spec["paths"][template]
    if method.lower() not in item:
        raise AssertionError(f"{method} {template} is not an operation of the spec")
    operation: dict[str, Any] = item[method.lower()]
    return operation


def _pointer(*parts: str) -> str:
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return "#/" + "/".join(escaped)


_REGISTRIES: dict[int, tuple[dict[str, Any], Registry[Any]]] = {}


def _registry(spec: dict[str, Any]) -> Registry[Any]:
    """One registry per spec object; the spec is kept alive so its id is never reused."""
    entry = _REGISTRIES.get(id(spec))
    if entry is None:
        resource = DRAFT4.create_resource(spec)
        entry = _REGISTRIES[id(spec)] = (spec, Registry().with_resource(SPEC_URI, resource))
    return entry[1]


def _validate(spec: dict[str, Any], pointer: str, body: Any, what: str) -> None:
    validator = OAS30Validator({"$ref": SPEC_URI + pointer}, registry=_registry(spec))
    errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"  {_where(e.absolute_path)}: {e.message}" for e in errors]
        raise AssertionError(f"{what} does not fit the spec:\n" + "\n".join(lines[:20]))


def _where(path: Any) -> str:
    return "/".join(str(part) for part in path) or "<root>"

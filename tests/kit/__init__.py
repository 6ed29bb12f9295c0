"""The test kit: helpers the test modules share (no tests here; fixtures stay in the
``conftest.py`` files). ``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml),
so a test imports ``from kit.spec import check_request``.

- ``kit.spec``: the vendored Qase OpenAPI spec; checks of request and answer bodies.
- ``kit.client``: the client tests' token and its leak check, fake time, a spec-checking
  transport that records what was sent.
- ``kit.apply``: the SHOP workspace (emulator, custom fields), trees (the example tree,
  generated ones), an in-process remote, ``qasesync`` in process, the emulator's writes.
- ``kit.emulator``: an in-process client of an emulator, the check of its request log,
  workspaces unlike the default one (shifted option ids, custom fields with defaults).
- ``kit.projects``: hypothesis strategies of small projects, and putting one into the
  emulator's store as the web app would (the export and pull fixpoints).
- ``kit.plans``: hand-built desired trees and live projects for the planner and renderer.
- ``kit.golden``: comparison with the golden files of ``tests/data/golden/``.
- ``kit.remote_json``: hand-written live Qase JSON: system and custom fields, cases, steps.
"""

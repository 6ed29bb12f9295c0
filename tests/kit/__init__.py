"""The test kit: helpers the test modules share (no tests here; fixtures stay in the
``conftest.py`` files). ``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml),
so a test imports ``from kit.spec import check_request``.

- ``kit.spec``: the vendored Qase OpenAPI spec; checks of request and answer bodies.
- ``kit.client``: the client tests' token and its leak check, fake time, a spec-checking
  transport that records what was sent.
- ``kit.apply``: the SHOP workspace (emulator, custom fields), trees (the example tree,
  generated ones), an in-process remote, ``qasesync`` in process, the emulator's writes.
- ``kit.emulator``: the emulator tests' in-process client and check of its request log.
- ``kit.plans``: hand-built desired trees and live projects for the planner and renderer.
- ``kit.remote_json``: hand-written live Qase JSON: system and custom fields, cases, steps.
"""

"""Deciding what to change: the tree and the live project (both as the model) → a `Plan`.

Pure: no HTTP, no files, no YAML text. Imports only `model`, `errors` and deepdiff.

    planner    plan(tree, live): match entities by identity, diff their fields, prune
    normalise  the comparable form of a field (text, steps, parameters, custom values)
    casediff   a case's managed fields, live against desired, as FieldDiffs
    attachments  each live step's files carried to the desired step that takes its place
    prune      what the tree no longer holds: deprecations, deletes and notes
    threeway   tree × base × live, field by field: classify, merge tags, update the base
    sync       the three-way view of each case, suite and shared step: drift, conflicts, records
    checks     the tree against the workspace (options, custom fields); live suite loops
    plan       the Plan value: Change, FieldDiff, phases, fingerprints, JSON
    planshape  a saved plan's JSON checked for shape before it is read back
    destroy    the destroy limit (max_destroy): what a plan takes from the live cases in scope
    rollup     large plans for a human: changes rolled up per kind and field, counted per suite
    render     a Plan as text and JSON, the words every format shares, and render(fmt)
    markdown   a Plan as the pull-request comment and job summary, within GitHub's limit
    annotations  a Plan and validation problems as GitHub workflow commands, capped per level
"""

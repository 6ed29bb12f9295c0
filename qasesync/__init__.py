"""qasesync: Qase.io test cases as code.

The pipeline, as the folders show it (docs/design.md draws it):

    model      frozen values both sides are read into: Tree, Suite, Case, Step, SharedStep, Live
    errors     the exception tree
    safetext   untrusted text made safe for each place it is shown (terminal, CI log, markdown)
    yamltext/  YAML as text: read with positions, edit in place keeping every other byte
    tree/      the git side: files → load → `Tree`; write a tree; write ids back
    qase/      the live side: the HTTP client, Qase JSON ⇄ the model, `Remote`
    plans/     pure: tree × live → `Plan`; rendering a plan
    apply/     a `Plan` executed through `Remote`, in phases; reconcile; the report
    adopt/     live → YAML: export, pull, import-csv
    cli/       the commands, the one error boundary, the only code that prints
    emulator/  a local Qase API for tests and the demo

Dependencies run one way: model and safetext import nothing of ours, errors only those
two; yamltext imports only errors; plans imports no HTTP, no files and no YAML text; cli
wires everything.
"""

__version__ = "0.1.0"

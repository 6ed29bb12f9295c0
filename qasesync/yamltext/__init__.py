"""YAML as text: read with positions, render values, edit in place keeping every other byte.

Knows nothing of cases, plans, Qase or the CLI; imports nothing of qasesync but `errors`.

    read     ruamel.yaml's C parser → plain values with line and column marks (the loader's reader)
    spans    where a node's text starts and ends, and the splices that change it
    render   small values as YAML text that reads back the same (quoted where misreadable)
    edit     the interface: assign keys, replace values, remove list items, in place
"""

"""Live → YAML: bringing an existing project, web-app edits or legacy cases into a tree.

export     the live project as a tree that plans clean
pull       web-app edits written into the YAML in place (the plan, the report, the write)
pulledits  the in-place edits of entities the tree holds
pulladd    entities the tree lacks, and cases moved live, added to its files
importcsv  a CSV of legacy cases (bulk or Qase's layout) as a tree
"""

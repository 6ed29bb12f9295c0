"""Live → YAML: bringing an existing project, web-app edits or legacy cases into a tree.

export     the live project as a tree that plans clean
pull       web-app edits written into the YAML in place: composes the parts below; the
           plan, the new file texts, the report, the diff, the write
pullstate  what pull read and the edits its parts have collected so far (`PullState`)
pulledits  the in-place edits of entities the tree holds (`Updates`)
pulladd    entities the tree lacks, and cases moved live, added to its files (`Additions`)
importcsv  a CSV of legacy cases (bulk or Qase's layout) as a tree
csvqase    Qase's own CSV (V1 and V2): suite rows and ids, numbered steps → cases
csvcells   one CSV cell → one model value, for both layouts
exportcsv  a `Tree` → Qase's own CSV, offline (export --format qase-csv)
"""

"""The git side: a cases tree on disk, read into a `Tree` and written back.

files      the files of a tree by role (settings, shared steps, suite.yaml, case files)
load       the loader: bytes → YAML → schema → rules → `Tree`, every problem as FILE:LINE:COL
schema     the four JSON Schemas and the fast check before jsonschema
rules      the checks a schema cannot say (options, references, duplicates across files)
typos      a "did you mean" only for a typo of exactly one option (validate, import-csv)
build      schema-valid plain values → the model's frozen values
parallel   a large tree read in two processes
write      a whole `Tree` written out as files (export, import-csv, pull's new files)
writeback  ids and hashes of created entities inserted into the YAML, all or nothing
idrecord   what an apply wrote back, saved (`apply --record`) to be written again
idplace    where a recorded id goes in the tree as it is now (moved, retitled items)
base       the record of the last sync, qasesync.base.jsonl (docs/design.md §11)
treelock   the local lock: one apply, pull or writeback at a time on a checkout (§12)
"""

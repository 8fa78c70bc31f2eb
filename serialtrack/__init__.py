"""serialtrack: a watch-folder service for serialized inventory.

Packages follow the pipeline (see docs/architecture.md): ``records`` (shared words), ``ingest`` (bytes ->
rows), ``kinds`` (one module per file kind, behind a registry), ``rules`` (checks kinds share), ``ledger``
(schema, plans, the store), ``exporters`` (workbooks) and ``service`` (wiring: pipeline, watcher, config,
CLI). Imports flow one way: service -> kinds -> {rules, ingest, ledger, exporters} -> records.
"""

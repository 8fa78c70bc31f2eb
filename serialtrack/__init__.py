"""serialtrack: a watch-folder service for serialized inventory.

Packages follow the pipeline (see STYLE.md): ``ingest`` (bytes -> records), ``rules`` (records -> issues,
pure), ``ledger`` (records, schema, plan, store), ``exporters`` (ledger -> workbooks) and ``service``
(wiring: pipeline, watcher, config, CLI). Imports flow one way: service -> the others; rules and
exporters read ledger records; ingest knows nothing of the database.
"""

__version__ = "0.1.0"

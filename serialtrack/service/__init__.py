"""service (WIRING): pipeline.process_file(), the watcher, the scheduler, config and the CLI.

Imports ingest, rules, ledger and exporters; nothing imports service.
"""

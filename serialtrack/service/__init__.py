"""service (WIRING): pipeline.process_file(), the watcher, the scheduler, config, home and the CLI.

May import every other package; nothing imports service.
"""

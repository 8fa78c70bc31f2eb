"""ingest (EDGE): bytes -> grids -> rows with provenance.

Path safety before a byte is read, safe open of xlsx/xlsm/csv, the header row, column maps (fields and
aliases), values, serial syntax, and generic line shapes (order lines, serial entries). The only package that
imports openpyxl, calamine or csv readers. May import ``serialtrack.records``; never the database, ``rules``,
``kinds`` or ``service``. Which kinds exist is given to it (``read_file(kinds=...)``) by the registry.
"""

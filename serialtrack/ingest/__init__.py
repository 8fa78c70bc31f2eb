"""ingest (EDGE): bytes -> records.

Opens xlsx/xlsm/csv safely, finds the header row, maps columns through aliases and vendor mappings, parses
serial syntax and knows each file's kind. The only package that imports openpyxl, calamine or csv readers.
May import ``serialtrack.records`` (shared frozen records); never the database.
"""

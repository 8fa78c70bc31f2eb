"""exporters (EDGE): ledger records and read grids -> workbooks. The only package that writes xlsx.

Every text cell that came from a file is written as a string and neutralised so it can never run as a
formula. May import ``serialtrack.ledger``; never ingest readers or the service.
"""

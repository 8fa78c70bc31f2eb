"""exporters (EDGE): ledger records and read grids -> workbooks. The only package that writes xlsx.

Every text cell that came from a file is written as a string cell so it can never run as a
formula. Text is written exactly as it came, in a quote-prefix (text) format; only CSV outputs
prefix a neutralising apostrophe. May import ``serialtrack.ledger``; never ingest readers or the service.
"""

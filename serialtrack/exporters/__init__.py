"""exporters (EDGE): rows and ledger records -> workbooks (and CSV). The only package that writes xlsx.

Every text cell that came from a file is written as a string cell, exactly as it came, in a quote-prefix
(text) format, so it can never run as a formula; only CSV outputs prefix a neutralising apostrophe. May import
``serialtrack.records`` and ``serialtrack.ledger`` (plan and view records); never ``ingest`` readers,
``kinds`` or ``service``.
"""

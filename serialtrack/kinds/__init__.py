"""kinds (DOMAIN): one module per file kind, each one class (see ``base.FileKind``): its field list, its typed
lines, the ledger view it asks for, its rules, its plan, the sheets of its posted workbook and its reversal.
``registry`` maps kind names to them; nothing outside the registry branches on a kind's name.

May import ``serialtrack.ingest``, ``serialtrack.rules``, ``serialtrack.ledger``, ``serialtrack.exporters`` and
``serialtrack.records``; never ``serialtrack.service``. Adding a kind is one module here plus its tests.
"""

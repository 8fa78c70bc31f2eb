"""The outcome of checking one file, shared by the per-kind handlers and the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from serialtrack.ingest.reader import Ingested
from serialtrack.ledger.plan import PostingPlan
from serialtrack.ledger.view import LedgerView
from serialtrack.records import Issue, Source


@dataclass
class Checked:
    """The outcome of checking one file: a plan when it may post, and every issue found."""

    plan: PostingPlan | None
    issues: list[Issue]
    view: LedgerView = field(default_factory=LedgerView)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(i.is_error for i in self.issues)


def no_rows(ingested: Ingested) -> list[Issue]:
    if ingested.rows:
        return []
    where = ingested.tables[0] if ingested.tables else None
    source = Source(ingested.file, where.sheet, where.header_row) if where else Source(ingested.file)
    return [Issue("no-rows", "the header row was found but no data rows are under it; nothing to post", source)]

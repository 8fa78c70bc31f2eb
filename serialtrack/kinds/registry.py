"""The registry: kind name -> kind. Detection, the pipeline, ``reverse`` and the posted workbook find a kind
here; this is the one place that lists them. Adding a kind = its module + one line below."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from serialtrack.ingest.fields import Kind
from serialtrack.kinds.adjustments import Adjustments
from serialtrack.kinds.base import FileKind
from serialtrack.kinds.counts import Counts
from serialtrack.kinds.items import Items
from serialtrack.kinds.lookups import Lookups
from serialtrack.kinds.offices import Offices
from serialtrack.kinds.purchase_orders import PurchaseOrders
from serialtrack.kinds.receiving import Receiving
from serialtrack.kinds.returns import Returns
from serialtrack.kinds.sales_orders import SalesOrders
from serialtrack.kinds.shipping import Shipping
from serialtrack.kinds.transfers import Transfers
from serialtrack.kinds.vendor_returns import VendorReturns
from serialtrack.ledger.reverse_store import Undo
from serialtrack.records import KindName

KINDS: Mapping[KindName, FileKind] = MappingProxyType({
    k.name: k for k in (Items(), PurchaseOrders(), SalesOrders(), Receiving(), Shipping(), Returns(), Counts(),
                        Lookups(), Offices(), Transfers(), Adjustments(), VendorReturns())
})

#: Each kind's field list, as header detection wants it.
FIELD_SPECS: Mapping[KindName, Kind] = MappingProxyType({name: k.fields for name, k in KINDS.items()})

#: The kind names, which are also the inbox subfolders.
NAMES: tuple[KindName, ...] = tuple(KINDS)


def kind_named(name: str) -> FileKind:
    """The kind called ``name``; KeyError for a name no kind has."""
    return KINDS[KindName(name)]


def reversal_for(name: str | None) -> Undo | None:
    """How a batch of kind ``name`` is reversed (None: not reversible, or no such kind)."""
    if name is None or name not in KINDS:
        return None
    return KINDS[KindName(name)].reversal()

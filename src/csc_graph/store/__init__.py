"""Storage only: one Store interface (``base``), the embedded Oxigraph (``embedded``) and any
SPARQL 1.1 endpoint (``remote``). Data reaches a store through ``governance.gate``."""

from csc_graph.config import Settings
from csc_graph.store.base import Store


def open_store(settings: Settings) -> Store:
    """The embedded store, or the remote one when settings.store_url is set. Not loaded."""
    if settings.store_url:
        from csc_graph.store.remote import RemoteStore

        return RemoteStore(settings)
    from csc_graph.store.embedded import EmbeddedStore

    return EmbeddedStore(settings)


__all__ = ["Store", "open_store"]

"""The query process: ``python -m csc_graph.store.worker PARENT_PID IN_FD OUT_FD MEMORY_MB``.

It is started (never forked) by ``store.workers.WorkerPool``, so it inherits no descriptor
but its two pipe ends. Before it reads anything it ties its life to the parent, removes its
own access to the network and caps its memory (``store.sandbox``). Then it loads the data
it is sent (N-Quads bytes into memory, or an on-disk generation opened read-only, or none
for a process that only checks queries for the remote store), says ``ready``, and answers
one request at a time: the guard's parse, the evaluation and the encoding of the answer,
all under the request's deadline (an alarm kills the process if the parent could not).

Messages are JSON, never pickle: the parent must not run code a query process sends.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from csc_graph.errors import QueryRefused, QuerySyntaxError
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.sparql.guard import check_query
from csc_graph.store import sandbox
from csc_graph.store.terms import encode

STACK_BYTES = 64 * 1024 * 1024
"""The request thread's stack: enough for rdflib's recursive parser at the depth limit."""
RECURSION_LIMIT = 20_000
CACHED_TEXT = 20_000
"""Longest query text whose guard verdict is kept in the guard's cache."""


def _bytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "replace"))


def _size(encoded: tuple[str, ...] | None) -> int:
    return 0 if encoded is None else sum(_bytes(part) for part in encoded)


def _collect(result: Any, kind: str, max_rows: int, max_bytes: int) -> dict[str, Any]:
    """At most max_rows items and max_bytes of term text, encoded as strings."""
    if kind == "ask":
        return {"boolean": bool(result)}
    used = 0
    items: list[list[Any]] = []
    truncated: str | None = None
    variables = [] if kind == "graph" else [v.value for v in result.variables]
    for item in result:
        if len(items) == max_rows:
            truncated = "rows"
            break
        if kind == "graph":
            row: list[Any] = [encode(item.subject), encode(item.predicate), encode(item.object)]
        else:
            row = [None if term is None else encode(term) for term in item]
        used += sum(_size(term) for term in row)
        if used > max_bytes:
            truncated = "bytes"
            break
        items.append(row)
    return {"variables": variables, "items": items, "truncated": truncated}


def _query_kwargs(request: dict[str, Any], default: list[str], named: list[str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "query": request["text"],
        "base_iri": request["base_iri"],
        "prefixes": PREFIXES,
    }
    if default:
        kwargs["default_graph"] = [ox.NamedNode(u) for u in default]
    elif not named:
        kwargs["use_default_graph_as_union"] = True
    if named or default:  # a dataset names all its named graphs: none when it names none
        kwargs["named_graphs"] = [ox.NamedNode(u) for u in named]
    return kwargs


def answer(store: ox.Store | None, request: dict[str, Any]) -> dict[str, Any]:
    """One request: check it with the guard, then (for "query") evaluate and encode it."""
    text = request["text"]
    # The guard caches its verdicts; a long text is checked without keeping it in the cache.
    guard = check_query if len(text) <= CACHED_TEXT else check_query.__wrapped__
    try:
        checked = guard(text, request["base_iri"])
    except QueryRefused as exc:
        return {"status": "refused", "message": str(exc)}
    except QuerySyntaxError as exc:
        return {"status": "syntax", "message": str(exc)}
    default, named = list(request["default"]), list(request["named"])
    if not default and not named:  # the protocol's dataset overrides FROM / FROM NAMED
        default, named = list(checked.default_graphs), list(checked.named_graphs)
    reply: dict[str, Any] = {"status": "ok", "kind": checked.kind}
    if request["op"] == "check" or store is None:
        return {**reply, "default": default, "named": named}
    try:
        result = store.query(**_query_kwargs(request, default, named))
        reply.update(_collect(result, checked.kind, request["max_rows"], request["max_bytes"]))
    except SyntaxError as exc:
        return {"status": "syntax", "message": str(exc)}
    except MemoryError:
        return {"status": "memory", "message": "out of memory"}
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
    return reply


def _load(incoming: Connection) -> ox.Store | None:
    load = json.loads(incoming.recv_bytes())
    if load["mode"] == "memory":
        store = ox.Store()
        store.bulk_load(incoming.recv_bytes(), format=ox.RdfFormat.N_QUADS)
        return store
    if load["mode"] == "disk":
        return ox.Store.read_only(load["path"])
    return None


def serve(store: ox.Store | None, incoming: Connection, outgoing: Connection) -> None:
    """Answer requests until the parent closes the pipe."""
    while True:
        try:
            request = json.loads(incoming.recv_bytes())
        except EOFError:
            return
        signal.setitimer(signal.ITIMER_REAL, max(0.1, float(request["seconds"])) + 1)
        reply = answer(store, request)
        outgoing.send_bytes(json.dumps(reply).encode())
        signal.setitimer(signal.ITIMER_REAL, 0)
        if reply["status"] == "memory":
            return  # its heap may be in pieces: let the pool start a fresh one


def main(argv: list[str]) -> int:
    parent, in_fd, out_fd, memory_mb = (int(arg) for arg in argv)
    incoming = Connection(in_fd, writable=False)
    outgoing = Connection(out_fd, readable=False)
    try:
        sandbox.die_with_parent(parent)
        sandbox.deny_network()
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the alarm kills, even inside Rust
        sys.setrecursionlimit(RECURSION_LIMIT)
        threading.stack_size(STACK_BYTES)
        sandbox.limit_memory(memory_mb)
        store = _load(incoming)
    except Exception as exc:
        outgoing.send_bytes(json.dumps({"status": "failed", "message": str(exc)}).encode())
        return 3
    outgoing.send_bytes(json.dumps({"status": "ready"}).encode())
    thread = threading.Thread(target=serve, args=(store, incoming, outgoing), daemon=True)
    thread.start()
    thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

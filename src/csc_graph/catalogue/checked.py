"""Query files that passed the SPARQL guard, remembered on disk by content.

The guard parses with rdflib's pyparsing grammar: about 0.1 s a file, 3 s for the 32 files
of queries/ at every start-up and CLI command. A file whose exact text (and base IRI) passed
the guard of this exact version of the guard passes it again, so ``CheckedQueries`` keeps
SHA-256 digests of (guard source, base IRI, file text) that passed, in
``<cache_dir>/checked-queries.json``. A changed file, a changed base or a changed guard gives
a new digest and is checked again; a query still meets the guard when it runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from csc_graph.sparql import guard

_GUARD = hashlib.sha256(Path(guard.__file__).read_bytes()).hexdigest()


class CheckedQueries:
    """A set of digests of query texts that passed the guard, saved in one file."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.path = cache_dir / "checked-queries.json" if cache_dir is not None else None
        self.digests: set[str] = set()
        self._added = False
        if self.path is not None:
            try:
                self.digests = set(json.loads(self.path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                self.digests = set()

    @staticmethod
    def digest(text: str, base_iri: str) -> str:
        return hashlib.sha256(f"{_GUARD}\0{base_iri}\0{text}".encode()).hexdigest()

    def __contains__(self, digest: str) -> bool:
        return digest in self.digests

    def add(self, digest: str) -> None:
        self._added = self._added or digest not in self.digests
        self.digests.add(digest)

    def save(self) -> None:
        """Write the digests if any were added; a folder that cannot be written is no error."""
        if self.path is None or not self._added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(sorted(self.digests), file)
            os.replace(temporary, self.path)
        except OSError:
            return

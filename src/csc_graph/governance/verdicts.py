"""The loading gate's verdicts, kept on disk by the content hash of every input file.

Validating takes seconds and every start-up and CLI command needs the verdict, while the
files rarely change. The key is a SHA-256 over the names and bytes of every file the
verdict depends on (the ontology, the law, the council's data, the shapes, the queries with
the QC checks, and the captured source texts the quotes check reads), the base IRI and the
SHACL engine; so a changed byte in any of them gives a new key, and a new key is always
validated. Only a passing verdict is written (a refusal is recomputed, so its report is
always fresh); it holds the counts and the report graph as N-Triples. The folder is the
``cache_dir`` setting (default ``.cache/`` under the root, git-ignored); deleting it is
always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from rdflib import Graph

from csc_graph.config import Settings
from csc_graph.governance.shacl import ValidationOutcome
from csc_graph.rdf.files import bind_prefixes, data_files, shape_files

FORMAT = 1
"""Bumped when what a verdict file holds, or what decides a verdict, changes."""


def input_files(settings: Settings) -> list[Path]:
    """Every file a verdict depends on, in a fixed order."""
    sources = [
        path
        for folder in (settings.law_dir, settings.council_dir)
        for path in sorted((folder / "sources").rglob("*"))
        if path.is_file()
    ]
    queries = sorted(settings.queries_dir.rglob("*.rq"))
    return [*data_files(settings), *shape_files(settings), *queries, *sources]


def inputs_hash(settings: Settings) -> str:
    """SHA-256 over every input file's path (under the root) and bytes, and the settings
    that change a verdict."""
    digest = hashlib.sha256(f"{FORMAT}\0{settings.base_iri}\0{settings.shacl_engine}\0".encode())
    root = settings.root.resolve()
    for path in input_files(settings):
        resolved = path.resolve()
        name = resolved.relative_to(root) if resolved.is_relative_to(root) else resolved
        digest.update(f"{name}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _path(settings: Settings, key: str) -> Path:
    return settings.verdict_cache_dir / "verdicts" / f"{key}.json"


def load(settings: Settings, key: str) -> ValidationOutcome | None:
    """The passing verdict stored for ``key``, or None (missing or unreadable)."""
    try:
        stored = json.loads(_path(settings, key).read_text(encoding="utf-8"))
        if stored.get("format") != FORMAT or stored.get("key") != key:
            return None
        report = bind_prefixes(Graph()).parse(data=stored["report"], format="nt")
        return ValidationOutcome(
            conforms=True,
            violation_count=0,
            warning_count=int(stored["warnings"]),
            info_count=int(stored["infos"]),
            report_graph=report,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(settings: Settings, key: str, outcome: ValidationOutcome) -> None:
    """Write a passing verdict for ``key`` (atomically); a folder that cannot be written is
    no error, only a slower next start."""
    if not outcome.conforms:
        return
    content = json.dumps(
        {
            "format": FORMAT,
            "key": key,
            "warnings": outcome.warning_count,
            "infos": outcome.info_count,
            "report": outcome.report_graph.serialize(format="nt"),
        }
    )
    target = _path(settings, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
        os.replace(temporary, target)
    except OSError:
        return

"""Synthetic councils: N fictional copies of the Lewisham graph, for measuring at scale.

Run: ``.venv/bin/python -m benchmarks.synthetic 100`` prints the root it wrote (under
``.cache/synthetic/``, git-ignored). Nothing is ever written into graph/.

Each copy is the Lewisham data with every name and IRI made fictional and numbered:
``<lewisham/...>`` becomes ``<fictionton-0007/...>``, "Lewisham" becomes "Fictionton 0007",
and the captured source texts are copied with the same words changed, so every quote is
still found in its source and the copy passes the loading gate (SHACL, QC checks, quotes)
exactly as Lewisham does. All copies sit in one council folder, ``graph/synthetic/``, one
file per copy and Lewisham file; the ontology, the law and the queries are copied as they
are. A root for a given scale is built once and reused while the source files are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

from csc_graph.config import PROJECT_ROOT, Settings

COUNCIL = "synthetic"


def fictional(index: int) -> tuple[str, str]:
    """The name and IRI segment of copy ``index``: ('Fictionton 0007', 'fictionton-0007')."""
    return f"Fictionton {index:04d}", f"fictionton-{index:04d}"


def rewrite(text: str, index: int) -> str:
    """Lewisham's text with its names, IRIs and source paths made fictional."""
    name, segment = fictional(index)
    text = text.replace("graph/lewisham/sources/", f"graph/{COUNCIL}/sources/{segment}/")
    return text.replace("Lewisham", name).replace("lewisham", segment)


def _sources_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        if path.is_file() and ".cache" not in path.parts:
            digest.update(str(path.relative_to(source)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def build(scale: int, out: Path | None = None, source: Path = PROJECT_ROOT) -> Settings:
    """A root holding ``scale`` fictional councils; the Settings that serve it."""
    if scale < 1:
        raise ValueError("scale is at least 1")
    inputs = [source / "ontology", source / "queries", source / "graph"]
    stamp = "-".join(_sources_hash(folder) for folder in inputs)
    root = out or source / ".cache" / "synthetic" / f"x{scale}"
    marker = root / ".built"
    if marker.is_file() and marker.read_text() == stamp:
        return Settings(root=root, council=COUNCIL)
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(source / "ontology", root / "ontology")
    shutil.copytree(source / "queries", root / "queries")
    shutil.copytree(source / "graph" / "law", root / "graph" / "law")
    council = root / "graph" / COUNCIL
    lewisham = source / "graph" / "lewisham"
    for index in range(1, scale + 1):
        _, segment = fictional(index)
        for path in sorted(lewisham.glob("*.ttl")):
            text = rewrite(path.read_text(encoding="utf-8"), index)
            (council / f"{segment}-{path.name}").parent.mkdir(parents=True, exist_ok=True)
            (council / f"{segment}-{path.name}").write_text(text, encoding="utf-8")
        for path in sorted((lewisham / "sources").iterdir()):
            target = council / "sources" / segment / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rewrite(path.read_text(encoding="utf-8"), index), encoding="utf-8")
    marker.write_text(stamp)
    return Settings(root=root, council=COUNCIL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", type=int, help="how many fictional copies of Lewisham")
    parser.add_argument("--out", type=Path, help="root to write (default .cache/synthetic/xN)")
    args = parser.parse_args()
    print(build(args.scale, args.out).root)


if __name__ == "__main__":
    main()

"""Onboarding a council: the folder with its first source and a starter file, and the quote
finder that gives the full sentence of a captured page to paste into a claim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

NAME = re.compile(r"[a-z][a-z0-9-]*")

SOURCES_TTL = """\
@prefix csc:    <https://w3id.org/csc-graph/ontology#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix {prefix}: <{name}/> .
@prefix schema: <http://schema.org/> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .

# The pages every {label} fact comes from. Each page's captured text is kept in sources/
# and every csc:quote is checked against it. Add one csc:Source per page.

{prefix}:source-{stem} a csc:Source ;
    dct:title {title} ;
    dct:description "TODO: what the page is and how old it is (say so when it is old)."@en ;
    dct:publisher {prefix}:council ;
    dct:language "en" ;
    schema:url <{url}> ;{captured}
    csc:capturedText "graph/{name}/sources/{stem}.txt" .
"""

COUNCIL_TTL = """\
@prefix concern: <https://w3id.org/csc-graph/concern/> .
@prefix csc:     <https://w3id.org/csc-graph/ontology#> .
@prefix cv:      <http://data.europa.eu/m8g/> .
@prefix dct:     <http://purl.org/dc/terms/> .
@prefix {prefix}: <{name}/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema:  <http://schema.org/> .

# {label}: the council. Write each unit's facts with their sentence beside them (find the
# sentence with `csc-graph quote "phrase" --council {name}`), for example:
#
# {prefix}:mash a csc:Team
#         {{| prov:wasDerivedFrom {prefix}:source-{stem} ; csc:evidence csc:Stated ;
#            csc:quote "The full sentence from the captured page." |}} ;
#     rdfs:label "Multi-Agency Safeguarding Hub (MASH)"@en ;
#     org:subOrganizationOf {prefix}:council
#         {{| prov:wasDerivedFrom {prefix}:source-{stem} ; csc:evidence csc:Inferred ;
#            csc:inferenceReason "Why the page implies it." ;
#            csc:quote "The sentence it is inferred from." |}} .
#
# Then `CSC_GRAPH_COUNCIL={name} csc-graph validate` says what is missing, file and line.

{prefix}:council a csc:Council ;
    rdfs:label {label_literal} ;
    dct:description "TODO: one sentence on the council, from its pages."@en .
"""


class OnboardingError(ValueError):
    """A name, page or folder that cannot be used; the message says which and why."""


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@en'


def new_council(
    root: Path,
    name: str,
    page: Path,
    url: str,
    *,
    label: str | None = None,
    title: str | None = None,
    captured_on: str | None = None,
) -> list[Path]:
    """Create graph/NAME/ under ``root``: the page's captured text after a capture note,
    sources.ttl with its csc:Source and council.ttl with the council. Returns the files."""
    if not NAME.fullmatch(name) or name == "law":
        raise OnboardingError(f"{name!r} is not a council folder name (a-z, 0-9 and -)")
    folder = root / "graph" / name
    if folder.exists():
        raise OnboardingError(f"{folder} already exists; choose another name or edit it")
    if not page.is_file():
        raise OnboardingError(f"{page} is not a file: save the page's text first")
    if not re.match(r"https?://\S+$", url):
        raise OnboardingError(f"{url!r} is not a web address (http:// or https://)")
    text = page.read_text(encoding="utf-8")
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), name)
    label = label or f"{name.replace('-', ' ').title()} Council"
    stem = re.sub(r"[^a-z0-9-]+", "-", page.stem.lower()).strip("-") or "page"
    prefix = re.sub(r"[^a-z]", "", name)[:4] or "c"
    when = captured_on or "not known"
    note = (
        f"[Capture note, not part of the page: {url}\n"
        f"as the stored copy gives it. Date of the stored copy: {when}.]\n\n"
    )
    (folder / "sources").mkdir(parents=True)
    capture = folder / "sources" / f"{stem}.txt"
    capture.write_text(note + text, encoding="utf-8")
    captured = f'\n    csc:capturedOn "{captured_on}"^^xsd:date ;' if captured_on else ""
    values = {
        "prefix": prefix,
        "name": name,
        "stem": stem,
        "url": url,
        "label": label,
        "label_literal": _literal(label),
        "title": _literal(title or first_line[:200]),
        "captured": captured,
    }
    sources = folder / "sources.ttl"
    sources.write_text(SOURCES_TTL.format(**values), encoding="utf-8")
    council = folder / "council.ttl"
    council.write_text(COUNCIL_TTL.format(**values), encoding="utf-8")
    return [capture, sources, council]


# ---------------------------------------------------------------- the quote finder


@dataclass(frozen=True)
class FoundSentence:
    file: Path
    sentence: str


def page_text(capture: Path) -> str:
    """A captured page without its bracketed capture note."""
    text = capture.read_text(encoding="utf-8")
    if text.startswith("[Capture note"):
        text = text[text.find("]") + 1 :]
    return text


def sentences(text: str) -> list[str]:
    """The text's sentences: split at line breaks and after . ! or ? before a capital,
    whitespace collapsed (as the quotes check compares)."""
    found = []
    for line in re.split(r"\n\s*\n|\n(?=\s*[•*\-–]|\s*[A-Z])", text):  # noqa: RUF001
        flat = re.sub(r"\s+", " ", line).strip(" •*")
        found += [part.strip() for part in re.split(r"(?<=[.!?])\s+(?=[A-Z‘'\"“(])", flat)]  # noqa: RUF001
    return [sentence for sentence in found if sentence]


def find_sentences(root: Path, council: str, phrase: str) -> list[FoundSentence]:
    """Every sentence of the council's captured pages holding ``phrase`` (case and runs of
    whitespace ignored), in file order."""
    wanted = re.sub(r"\s+", " ", phrase).strip().lower()
    found = []
    for capture in sorted((root / "graph" / council / "sources").glob("*.txt")):
        for sentence in sentences(page_text(capture)):
            if wanted in sentence.lower():
                found.append(FoundSentence(capture, sentence))
    return found

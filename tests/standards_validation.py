"""Offline validators for the exports, against the official standards files.

- Open Referral UK / HSDS 3.0 JSON schemas from ``../shared/standards/{oruk/schema,hsds}``,
  loaded into a ``referencing`` Draft 2020-12 registry as that folder's README describes (no
  retrieval, so an unknown ``$ref`` fails instead of being fetched). ``strict=True`` also sets
  ``additionalProperties: false`` on every object schema, as upstream checks its examples, so
  a field the profile does not define is an error too.
- CPSV-AP 3.2.0 SHACL shapes from ``../shared/standards/cpsv-ap/shacl``, run with pySHACL.
- The schema.org vocabulary (release 30.0, ``tests/data/standards/schemaorg``): types and
  properties must exist and properties must fit their ``domainIncludes``/``rangeIncludes``.

CI keeps ``shared/standards`` beside the repo. When it is missing, a test that needs it
fails with a message naming the missing path rather than skipping: a skip would report a
green run in which no export was checked against its standard.
"""

import copy
import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import pyshacl
import pytest
from jsonschema import Draft202012Validator
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards"
SCHEMAORG_FILE = Path(__file__).parent / "data/standards/schemaorg/schemaorg-current-http.ttl.gz"

SCHEMA_FOLDERS = {
    "oruk": (
        ("oruk", "schema"),
        "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/",
    ),
    "hsds": (
        ("hsds",),
        "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/",
    ),
}
"""Each standard's schema folder under STANDARDS, and the URL its files are published at."""

S = Namespace("http://schema.org/")


def standard_path(*parts: str) -> Path:
    """A file or folder of the official standards; the test fails, naming it, if missing."""
    path = STANDARDS.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"The official standards are missing: {path} is not there. CI keeps them in "
            "shared/standards beside the repo (see its README.md).",
            pytrace=False,
        )
    return path


def _closed(schema: Any) -> Any:
    """A copy with ``additionalProperties: false`` on every schema that lists properties."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
        closed["additionalProperties"] = False
    return closed


def _schema_files(folder: Path) -> list[Path]:
    skipped = {"examples", "profile"}
    return [
        path
        for path in sorted(folder.rglob("*.json"))
        if path.name != "openapi.json" and not skipped & set(path.relative_to(folder).parts)
    ]


@cache
def registry(standard: str, strict: bool) -> Registry:
    """Every object schema of ``oruk`` or ``hsds``, by relative path and by published URL."""
    parts, base_url = SCHEMA_FOLDERS[standard]
    folder = standard_path(*parts)
    pairs = []
    for path in _schema_files(folder):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(
            _closed(contents) if strict else contents, default_specification=DRAFT202012
        )
        relative = path.relative_to(folder).as_posix()
        pairs += [(relative, resource), (base_url + relative, resource)]
    return Registry().with_resources(pairs)


def page_schema(standard: str, item_schema: str) -> dict[str, Any]:
    """The API's ``Page`` schema (openapi.json components) with typed ``contents`` items."""
    parts, _ = SCHEMA_FOLDERS[standard]
    openapi = json.loads(standard_path(*parts, "openapi.json").read_text(encoding="utf-8"))
    page = copy.deepcopy(openapi["components"]["schemas"]["Page"])
    page["properties"]["contents"] = {"type": "array", "items": {"$ref": item_schema}}
    page["required"] = sorted(page["properties"])
    page["additionalProperties"] = False
    return page


def json_errors(
    instance: Any, schema: str | dict[str, Any], standard: str = "oruk", strict: bool = True
) -> list[str]:
    """Every error of ``instance`` against a schema file name (or a schema) of a standard."""
    root = {"$ref": schema} if isinstance(schema, str) else schema
    validator = Draft202012Validator(
        root,
        registry=registry(standard, strict),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


# -------------------------------------------------------------------------- CPSV-AP


@cache
def cpsv_shapes() -> Graph:
    shapes = standard_path("cpsv-ap", "shacl", "cpsv-ap-SHACL.ttl")
    return Graph().parse(shapes, format="turtle")


def cpsv_report(data: Graph) -> tuple[bool, str]:
    """pySHACL's verdict and text report for a graph against the CPSV-AP 3.2.0 shapes."""
    conforms, _, text = pyshacl.validate(data, shacl_graph=cpsv_shapes(), inference="none")
    return bool(conforms), str(text)


# -------------------------------------------------------------------------- schema.org


@cache
def schemaorg_vocabulary() -> Graph:
    with gzip.open(SCHEMAORG_FILE, "rb") as handle:
        return Graph().parse(data=handle.read(), format="turtle")


def _with_superclasses(vocabulary: Graph, types: set[URIRef]) -> set[URIRef]:
    found = set()
    for cls in types:
        found |= {c for c in vocabulary.transitive_objects(cls, RDFS.subClassOf)}
    return found


LITERAL_TYPES = {
    XSD.integer: S.Integer,
    XSD.decimal: S.Number,
    XSD.double: S.Number,
    XSD.boolean: S.Boolean,
    XSD.date: S.Date,
    XSD.dateTime: S.DateTime,
}
"""The schema.org data type of a literal by its datatype; anything else (strings) is Text."""


def _literal_fits(vocabulary: Graph, ranges: set[URIRef], value: Literal) -> bool:
    data_type = LITERAL_TYPES.get(value.datatype, S.Text) if value.datatype else S.Text
    return bool(_with_superclasses(vocabulary, {data_type}) & ranges)


def schemaorg_problems(data: Graph) -> list[str]:
    """Every use of a schema.org term that the vocabulary does not allow."""
    vocabulary = schemaorg_vocabulary()
    problems = []
    for cls in set(data.objects(None, RDF.type)):
        if (cls, RDF.type, RDFS.Class) not in vocabulary:
            problems.append(f"{cls} is not a schema.org type")
    for subject, predicate, value in data:
        if predicate == RDF.type:
            continue
        if (predicate, RDF.type, RDF.Property) not in vocabulary:
            problems.append(f"{predicate} is not a schema.org property")
            continue
        subject_types = _with_superclasses(vocabulary, set(data.objects(subject, RDF.type)))
        if not subject_types & set(vocabulary.objects(predicate, S.domainIncludes)):
            problems.append(f"{predicate} is not allowed on {subject}")
        ranges = set(vocabulary.objects(predicate, S.rangeIncludes))
        if isinstance(value, Literal):
            fits = _literal_fits(vocabulary, ranges, value)
        else:
            value_types = _with_superclasses(vocabulary, set(data.objects(value, RDF.type)))
            fits = bool(value_types & ranges) or (isinstance(value, URIRef) and S.URL in ranges)
        if not fits:
            problems.append(f"{predicate} of {subject} has a value outside its range: {value}")
    return problems

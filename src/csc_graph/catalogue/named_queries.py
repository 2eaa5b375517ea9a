"""The catalogue of named queries: queries/*.rq with YAML metadata in '#+' comment lines.

A query file is an API operation. Its header names it (summary, description, tags) and
declares typed parameters; the SPARQL below stays valid as it is, since the header is a
comment. Raw parameter text (from the CLI or a URL) is checked against the declared type
and turned into an rdflib term, which the store binds as a term: text never becomes query
syntax. Parameters are used in the query's outermost WHERE group (see sparql_values).

Header example::

    #+ summary: Services for a child of a given age
    #+ tags: [services, age]
    #+ params:
    #+   - name: age
    #+     type: integer
    #+     required: true
    #+     description: The child's age in whole years.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from csc_graph.catalogue.checked import CheckedQueries
from csc_graph.catalogue.header import header_text
from csc_graph.errors import StoreError
from csc_graph.rdf.namespaces import PREFIXES, sparql_prefixes
from csc_graph.sparql.guard import check_query
from csc_graph.sparql.results import GRAPH_FORMATS, SELECT_FORMATS
from csc_graph.sparql.values import iri_text
from csc_graph.store.base import QueryResult, Store

__all__ = [
    "GRAPH_FORMATS",
    "SELECT_FORMATS",
    "CatalogueError",
    "NamedQuery",
    "Param",
    "ParamError",
    "QueryHeaderError",
    "UnknownQueryError",
    "choice_labels",
    "load_catalogue",
    "load_named",
    "param_choices",
    "resolve_iris",
    "run_named",
]

PARAM_TYPES = ("iri", "string", "integer", "date", "enum")
_HEADER_KEYS = {"summary", "description", "tags", "params"}
_PARAM_KEYS = {"name", "type", "required", "default", "description", "values", "values_query"}
_LINE = "__line__"
_DEFAULT_BASE = "https://w3id.org/csc-graph/id/"


class CatalogueError(Exception):
    """A query file that cannot be used; the message names the file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.reason = path, line, message


class QueryHeaderError(CatalogueError):
    """The '#+' YAML header is missing, not YAML, or does not follow the schema."""


class ParamError(ValueError):
    """A parameter value was missing, unknown or of the wrong type; names the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"Parameter '{name}': {message}")
        self.param = name


class UnknownQueryError(KeyError):
    """No named query has this name."""


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool = False
    default: str | None = None
    description: str = ""
    values: tuple[str, ...] = ()
    values_query: str | None = None

    def convert(self, raw: str, base_iri: str, choices: Sequence[str] = ()) -> Node:
        """The typed term for one raw value; ParamError says why it does not fit."""
        converter = _CONVERTERS[self.type]
        try:
            return converter(self, raw.strip(), base_iri, choices or self.values)
        except ValueError as exc:
            raise ParamError(self.name, str(exc)) from None


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its metadata, its parameters and its SPARQL text."""

    name: str
    path: Path
    summary: str
    sparql: str
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = field(default_factory=tuple)

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise ParamError(name, f"unknown; {self.name} takes {self._param_names()}")

    def _param_names(self) -> str:
        return ", ".join(p.name for p in self.params) or "no parameters"

    def given(self, raw: Mapping[str, str]) -> dict[str, str]:
        """The raw text of each parameter that has a value, defaults filled in; an unknown
        name or a missing required parameter is a ParamError."""
        for name in raw:
            self.param(name)
        given: dict[str, str] = {}
        for param in self.params:
            value = raw.get(param.name, param.default)
            if value is None or value == "":
                if param.required:
                    raise ParamError(param.name, f"is required. {param.description}".strip())
                continue
            given[param.name] = value
        return given

    def bind(
        self,
        raw: Mapping[str, str],
        *,
        base_iri: str = _DEFAULT_BASE,
        choices: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, Node]:
        """Check raw parameter text and convert it to typed terms, defaults filled in.

        ``choices`` gives the allowed values of enum parameters whose values come from a
        query (see ``param_choices``); fixed lists come from the header.
        """
        allowed = choices or {}
        return {
            name: self.param(name).convert(value, base_iri, allowed.get(name, ()))
            for name, value in self.given(raw).items()
        }


# ---------------------------------------------------------------- converters


def _to_iri(param: Param, raw: str, base_iri: str, _choices: Sequence[str]) -> Node:
    """A full IRI, a prefixed name with a known prefix (csc:Service), or a path under the base."""
    prefix, _, local = raw.partition(":")
    if local and prefix in PREFIXES and not local.startswith("//"):
        iri = PREFIXES[prefix] + local
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", raw) or raw.startswith("urn:"):
        iri = raw
    else:
        iri = base_iri + raw.lstrip("/")
    iri_text(iri)  # raises ValueError for characters an IRI cannot hold
    ox.NamedNode(iri)  # and for anything else that is not an IRI (a C1 control character)
    return URIRef(iri)


def _to_integer(param: Param, raw: str, _base: str, _choices: Sequence[str]) -> Node:
    if not re.fullmatch(r"[+-]?\d{1,18}", raw):
        raise ValueError(f"{raw!r} is not a whole number")
    return Literal(int(raw), datatype=XSD.integer)


def _to_date(param: Param, raw: str, _base: str, _choices: Sequence[str]) -> Node:
    try:
        return Literal(date.fromisoformat(raw), datatype=XSD.date)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date in the form YYYY-MM-DD") from None


def _to_string(param: Param, raw: str, _base: str, _choices: Sequence[str]) -> Node:
    return Literal(raw)


def enum_choice(raw: str, choices: Sequence[str]) -> str | None:
    """The one allowed value that raw names, itself or by its last IRI path segment."""
    matches = [c for c in choices if raw in (c, _local_name(c))]
    return matches[0] if len(matches) == 1 else None


def _to_enum(param: Param, raw: str, base_iri: str, choices: Sequence[str]) -> Node:
    """One of the allowed values. IRI values may be given by their last path segment."""
    value = enum_choice(raw, choices)
    if value is None:
        shown = ", ".join(_local_name(c) for c in choices[:30]) or "(none loaded)"
        raise ValueError(f"{raw!r} is not one of: {shown}")
    return URIRef(value) if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) else Literal(value)


def _local_name(value: str) -> str:
    return re.split(r"[/#]", value.rstrip("/#"))[-1]


_CONVERTERS = {
    "iri": _to_iri,
    "integer": _to_integer,
    "date": _to_date,
    "string": _to_string,
    "enum": _to_enum,
}

# ---------------------------------------------------------------- reading files


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records, in each mapping, the line it starts on."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_with_line,
)


def _require(cond: bool, path: Path, line: int, message: str) -> None:
    if not cond:
        raise QueryHeaderError(path, line, message)


def _parse_param(item: Any, path: Path, first: int, names: set[str]) -> Param:
    line = first + (item.get(_LINE, 0) if isinstance(item, dict) else 0)
    _require(isinstance(item, dict), path, line, "each entry of 'params' must be a mapping")
    unknown = set(item) - _PARAM_KEYS - {_LINE}
    _require(not unknown, path, line, f"unknown param keys: {', '.join(sorted(unknown))}")
    name = item.get("name")
    _require(
        isinstance(name, str) and re.fullmatch(r"[A-Za-z_]\w*", name or "") is not None,
        path,
        line,
        "a param needs a 'name' that is a SPARQL variable name",
    )
    _require(name not in names, path, line, f"param '{name}' is declared twice")
    kind = item.get("type")
    _require(
        kind in PARAM_TYPES,
        path,
        line,
        f"param '{name}' has type {kind!r}; use one of {', '.join(PARAM_TYPES)}",
    )
    values, values_query = item.get("values"), item.get("values_query")
    if kind == "enum":
        _require(
            (values is None) != (values_query is None),
            path,
            line,
            f"enum param '{name}' needs exactly one of 'values' or 'values_query'",
        )
        _require(
            values is None or (isinstance(values, list) and bool(values)),
            path,
            line,
            f"'values' of '{name}' must be a non-empty list",
        )
    else:
        _require(
            values is None and values_query is None,
            path,
            line,
            f"only enum params take 'values' or 'values_query' ('{name}' is {kind})",
        )
    default = item.get("default")
    return Param(
        name=name,
        type=kind,
        required=bool(item.get("required", False)),
        default=None if default is None else str(default),
        description=str(item.get("description", "")),
        values=tuple(str(v) for v in values or ()),
        values_query=values_query,
    )


def parse_query_file(
    path: Path, base_iri: str = _DEFAULT_BASE, checked: CheckedQueries | None = None
) -> NamedQuery:
    """Read one .rq file; QueryHeaderError or CatalogueError name the file and line.
    ``checked`` skips the guard for a text that passed it before (and records a pass)."""
    text = path.read_text(encoding="utf-8")
    header, first = header_text(text)
    _require(bool(header.strip()), path, first, "no '#+' YAML header at the top of the file")
    try:
        meta = yaml.load(header, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first + (mark.line if mark else 0)
        raise QueryHeaderError(path, line, f"header is not valid YAML: {exc.problem}") from None
    _require(isinstance(meta, dict), path, first, "the header must be a YAML mapping")
    unknown = set(meta) - _HEADER_KEYS - {_LINE}
    _require(not unknown, path, first, f"unknown header keys: {', '.join(sorted(unknown))}")
    summary = meta.get("summary")
    _require(
        isinstance(summary, str) and bool(summary.strip()),
        path,
        first,
        "the header needs a 'summary' line",
    )
    tags = meta.get("tags") or []
    _require(isinstance(tags, list), path, first, "'tags' must be a list")
    raw_params = meta.get("params") or []
    _require(isinstance(raw_params, list), path, first, "'params' must be a list")
    params: list[Param] = []
    for item in raw_params:
        params.append(_parse_param(item, path, first, {p.name for p in params}))
    digest = CheckedQueries.digest(text, base_iri)
    if checked is None or digest not in checked:
        _check_body(path, text, params, base_iri)
        if checked is not None:
            checked.add(digest)
    return NamedQuery(
        name=path.stem,
        path=path,
        summary=summary.strip(),
        sparql=text,
        description=str(meta.get("description") or "").strip(),
        tags=tuple(str(t) for t in tags),
        params=tuple(params),
    )


_GUARD_LOCK = threading.Lock()
"""rdflib's parser (pyparsing) keeps state that concurrent first use corrupts; queries are
checked in the query processes, and the catalogue's own checks here take turns."""


def _check_body(path: Path, text: str, params: Sequence[Param], base_iri: str) -> None:
    """The SPARQL must pass the guard and use every declared parameter."""
    try:
        with _GUARD_LOCK:
            check_query(text, base_iri)
    except StoreError as exc:
        raise CatalogueError(path, 1, f"SPARQL: {exc}") from None
    for param in params:
        if not re.search(rf"[?$]{param.name}\b", text):
            raise QueryHeaderError(path, 1, f"param '{param.name}' is not used in the query")
        if param.values_query:
            try:
                with _GUARD_LOCK:
                    check_query(param.values_query, base_iri)
            except StoreError as exc:
                raise QueryHeaderError(path, 1, f"values_query of '{param.name}': {exc}") from None


def load_catalogue(
    directory: Path, base_iri: str = _DEFAULT_BASE, cache_dir: Path | None = None
) -> dict[str, NamedQuery]:
    """Every *.rq file in the directory (not its subfolders), by name, sorted. With
    ``cache_dir``, files whose text passed the guard before are not parsed again."""
    paths = sorted(directory.glob("*.rq"), key=lambda p: p.stem)
    checked = CheckedQueries(cache_dir) if cache_dir is not None else None
    catalogue = {p.stem: parse_query_file(p, base_iri, checked) for p in paths}
    if checked is not None:
        checked.save()
    return catalogue


def load_named(
    directory: Path, name: str, base_iri: str = _DEFAULT_BASE, cache_dir: Path | None = None
) -> dict[str, NamedQuery]:
    """Only the named query ``name`` (an empty catalogue when there is no such file): a
    command that runs one query checks one file, not all of them (each check parses)."""
    path = directory / f"{name}.rq"
    if not re.fullmatch(r"[\w.-]+", name) or name.startswith(".") or not path.is_file():
        return {}
    checked = CheckedQueries(cache_dir) if cache_dir is not None else None
    query = parse_query_file(path, base_iri, checked)
    if checked is not None:
        checked.save()
    return {name: query}


# ---------------------------------------------------------------- running


def param_choices(
    store: Store, query: NamedQuery, only: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Allowed values of each enum parameter (of those named in ``only``, when given): the
    fixed list, or what values_query returns (its first variable), in the query's order."""
    choices: dict[str, list[str]] = {}
    for param in query.params:
        if param.type != "enum" or (only is not None and param.name not in only):
            continue
        if param.values_query is None:
            choices[param.name] = list(param.values)
            continue
        result = store.query(param.values_query)
        first = result.variables[0]
        choices[param.name] = [str(row[first]) for row in result.rows if first in row]
    return choices


def run_named(
    store: Store,
    name: str,
    raw_params: Mapping[str, str],
    catalogue: Mapping[str, NamedQuery] | None = None,
) -> QueryResult:
    """Run a named query with raw parameter text; raises UnknownQueryError or ParamError."""
    catalogue = (
        catalogue
        if catalogue is not None
        else load_catalogue(store.settings.queries_dir, store.settings.base_iri)
    )
    if name not in catalogue:
        raise UnknownQueryError(name)
    query = catalogue[name]
    given = query.given(raw_params)  # choices are looked up only for enums given a value
    choices = param_choices(store, query, only=given)
    bindings = query.bind(given, base_iri=store.settings.base_iri, choices=choices)
    bindings = resolve_iris(store, query, given, bindings)
    return store.query(query.sparql, bindings=bindings)


_BARE_NAME = re.compile(r"[\w.~-]+")


def resolve_iris(
    store: Store, query: NamedQuery, given: Mapping[str, str], bindings: Mapping[str, Node]
) -> dict[str, Node]:
    """IRI parameters checked against the graph, so a name that misses never silently gives
    no rows: a bare name (``youth-justice``) that names nothing under the base is read as
    the one IRI under the base whose path ends with it (``lewisham/youth-justice``);
    otherwise an IRI the graph never mentions is a ParamError that says so."""
    resolved = dict(bindings)
    base = store.settings.base_iri
    for param in query.params:
        term = bindings.get(param.name)
        if param.type != "iri" or not isinstance(term, URIRef) or _mentioned(store, term):
            continue
        raw = given[param.name].strip()
        candidates = _iris_ending_with(store, base, raw) if _BARE_NAME.fullmatch(raw) else []
        if len(candidates) == 1:
            resolved[param.name] = URIRef(candidates[0])
            continue
        if candidates:
            shown = ", ".join(c.removeprefix(base) for c in candidates[:10])
            raise ParamError(param.name, f"{raw!r} could mean any of: {shown}; give the path")
        raise ParamError(
            param.name,
            f"<{term}> names nothing in the graph; give a full IRI, a prefixed name or a "
            "path under the base IRI such as lewisham/youth-justice",
        )
    return resolved


def _mentioned(store: Store, iri: URIRef) -> bool:
    result = store.query(
        "ASK { { ?node ?p ?o } UNION { ?s ?p ?node } UNION { ?s ?node ?o } }",
        bindings={"node": iri},
    )
    return bool(result.boolean)


def _iris_ending_with(store: Store, base: str, name: str) -> list[str]:
    result = store.query(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        "FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?base) && STRENDS(STR(?s), ?tail)) } "
        "ORDER BY ?s",
        bindings={"base": Literal(base), "tail": Literal("/" + name)},
    )
    return [str(row["s"]) for row in result.rows if "s" in row]


def choice_labels(store: Store, values: Collection[str]) -> dict[str, str]:
    """A human name for each IRI among the values (rdfs:label or skos:prefLabel, English
    first); values without one are left out."""
    iris = [v for v in values if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v)]
    if not iris:
        return {}
    listed = " ".join(iri_text(v) for v in iris)
    result = store.query(
        f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {listed} }} "
        "?s <http://www.w3.org/2000/01/rdf-schema#label>|"
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } "
        "ORDER BY DESC(LANGMATCHES(LANG(?label), 'en')) ?label"
    )
    labels: dict[str, str] = {}
    for row in result.rows:
        labels.setdefault(str(row["s"]), str(row["label"]))
    return labels


# What a form suggests for an IRI parameter, by the parameter's name: the units for a unit
# (or a claim's subject), the provisions units act under for a provision.
_SUGGESTIONS = {
    "units": sparql_prefixes()
    + """
SELECT DISTINCT ?iri ?label WHERE {
  ?iri a ?type ; rdfs:label ?label .
  ?type rdfs:subClassOf* org:OrganizationalUnit .
} ORDER BY ?label""",
    "provisions": sparql_prefixes()
    + """
SELECT DISTINCT ?iri ?label WHERE {
  ?unit cv:hasLegalResource ?iri .
  OPTIONAL { ?iri rdfs:label|dct:title ?label }
} ORDER BY ?label ?iri""",
}
SUGGESTED_BY_NAME = {"unit": "units", "subject": "units", "provision": "provisions"}


def iri_suggestions(store: Store, query: NamedQuery) -> dict[str, list[tuple[str, str]]]:
    """For each IRI parameter the form can help with: (value as typed, name) pairs, the value
    a path under the base IRI where it is one (``lewisham/youth-justice``)."""
    base = store.settings.base_iri
    wanted = {
        p.name: SUGGESTED_BY_NAME[p.name]
        for p in query.params
        if p.type == "iri" and p.name in SUGGESTED_BY_NAME
    }
    found: dict[str, list[tuple[str, str]]] = {}
    for kind in set(wanted.values()):
        rows = store.query_whole(_SUGGESTIONS[kind]).rows
        pairs: dict[str, str] = {}
        for row in rows:
            iri = str(row["iri"])
            pairs.setdefault(iri.removeprefix(base), str(row.get("label") or _local_name(iri)))
        found[kind] = list(pairs.items())
    return {name: found[kind] for name, kind in wanted.items()}

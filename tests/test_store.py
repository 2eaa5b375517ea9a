"""The store: loading behind the SHACL gate, the query guard, the limits, typed bindings,
and the same answers from the embedded store and a real Oxigraph server."""

import gc
import os
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from csc_graph.config import Settings
from csc_graph.governance.gate import DataFileError, FailedChecksError, InvalidGraphError, load_into
from csc_graph.rdf.files import data_files, graph_iri, parse_file, read_dataset
from csc_graph.store import open_store, workers
from csc_graph.store.base import (
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    ResultTruncated,
    Store,
    StoreError,
)
from csc_graph.store.embedded import EmbeddedStore
from csc_graph.store.remote import RemoteStore

BASE = "https://w3id.org/csc-graph/id/"
LW = BASE + "lewisham/"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

COUNCIL_TTL = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix lw: <lewisham/> .
lw:council a csc:Council ; rdfs:label "Test Council"@en ; dct:description "A council."@en .
"""

UNIT_WITHOUT_NAME_TTL = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix lw: <lewisham/> .
lw:nameless a csc:Team ; org:subOrganizationOf lw:council .
"""


def make_root(tmp_path: Path, settings: Settings, **files: str) -> Settings:
    """A small repository: the real ontology and shapes, and the given council files."""
    shutil.copytree(settings.ontology_dir, tmp_path / "ontology")
    council = tmp_path / "graph" / "lewisham"
    council.mkdir(parents=True)
    (tmp_path / "graph" / "law").mkdir()
    for name, text in files.items():
        (council / f"{name}.ttl").write_text(text, encoding="utf-8")
    return settings.model_copy(update={"root": tmp_path})


@pytest.fixture
def mini(tmp_path: Path, settings: Settings) -> Settings:
    return make_root(tmp_path, settings, council=COUNCIL_TTL)


# ---------------------------------------------------------------- loading


def test_open_store_picks_the_implementation(settings: Settings) -> None:
    assert isinstance(open_store(settings), EmbeddedStore)
    remote = settings.model_copy(update={"store_url": "http://127.0.0.1:9/query"})
    assert isinstance(open_store(remote), RemoteStore)


def test_each_file_is_its_own_named_graph(store: Store, settings: Settings) -> None:
    expected = {graph_iri(path, settings) for path in data_files(settings)}
    assert set(store.graph_names()) == expected
    assert URIRef(BASE + "graph/graph/lewisham/front-door") in expected


def test_store_holds_exactly_the_files(store: Store, settings: Settings) -> None:
    dataset = read_dataset(settings)
    assert store.triple_count() == len(list(dataset.quads((None, None, None, None))))
    council_file = settings.council_dir / "council.ttl"
    held = store.dataset().graph(URIRef(BASE + "graph/graph/lewisham/council"))
    assert len(held) > 0
    assert isomorphic(held, parse_file(council_file, settings))


def test_union_is_the_default_graph(any_store: Store) -> None:
    result = any_store.query(f"ASK {{ <{LW}youth-justice> a csc:Service }}")
    assert result.kind == "ask" and result.boolean is True


def test_both_stores_hold_the_same_data(store: Store, remote_store: Store) -> None:
    assert store.content_hash() == remote_store.content_hash()
    assert store.graph_names() == remote_store.graph_names()


def test_content_hash_is_stable_across_loads(mini: Settings) -> None:
    first, second = open_store(mini), open_store(mini)
    load_into(first)
    load_into(second)
    assert first.content_hash() == second.content_hash()
    assert len(first.content_hash()) == 64


def test_content_hash_follows_a_load_of_other_data(tmp_path: Path, settings: Settings) -> None:
    """The hash is cached between loads, so it must be cleared when the data changes."""
    first = make_root(tmp_path / "one", settings, council=COUNCIL_TTL)
    second = make_root(
        tmp_path / "two", settings, council=COUNCIL_TTL.replace("Test Council", "Other Council")
    )
    store = open_store(first)
    load_into(store)
    before = store.content_hash()
    load_into(store, second)
    assert store.content_hash() != before
    load_into(store, first)
    assert store.content_hash() == before


def test_invalid_data_is_refused_and_old_data_stays(tmp_path: Path, settings: Settings) -> None:
    good = make_root(tmp_path / "good", settings, council=COUNCIL_TTL)
    bad = make_root(tmp_path / "bad", settings, council=COUNCIL_TTL, nameless=UNIT_WITHOUT_NAME_TTL)
    store = open_store(good)
    load_into(store)
    before = store.content_hash()
    with pytest.raises(InvalidGraphError) as refused:
        load_into(store, bad)
    assert refused.value.outcome.violation_count >= 1
    assert store.content_hash() == before
    assert store.query(f"ASK {{ <{LW}nameless> ?p ?o }}").boolean is False


UNASSERTED_CLAIM_TTL = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix lw: <lewisham/> .
lw:page a csc:Source ; dct:title "A page" ; dct:publisher lw:council ;
    <http://schema.org/url> <https://example.org/page> ;
    csc:capturedOn "2026-12-02"^^<http://www.w3.org/2001/XMLSchema#date> ;
    csc:capturedText "graph/lewisham/sources/page.txt" .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject lw:council ; rdf:predicate dct:description ;
    rdf:object "Not what the graph says." ; prov:wasDerivedFrom lw:page ;
    csc:quote "A sentence that states it." .
"""


def test_data_failing_a_qc_check_is_refused_and_old_data_stays(
    tmp_path: Path, settings: Settings
) -> None:
    """SHACL passes (the claim is well formed) but the claim-not-asserted check finds a
    claim whose triple is not in the graph: the report calls that 'must fix', so the gate
    refuses it too."""
    good = make_root(tmp_path / "good", settings, council=COUNCIL_TTL)
    bad = make_root(tmp_path / "bad", settings, council=COUNCIL_TTL, claim=UNASSERTED_CLAIM_TTL)
    shutil.copytree(settings.queries_dir / "checks", tmp_path / "bad" / "queries" / "checks")
    sources = tmp_path / "bad" / "graph" / "lewisham" / "sources"
    sources.mkdir()
    (sources / "page.txt").write_text("A sentence that states it.", encoding="utf-8")
    store = open_store(good)
    load_into(store)
    before = store.content_hash()
    with pytest.raises(FailedChecksError) as refused:
        load_into(store, bad)
    assert [check.name for check in refused.value.failed] == ["claim-not-asserted-violation"]
    assert store.content_hash() == before


def test_unparseable_file_is_a_data_file_error(tmp_path: Path, settings: Settings) -> None:
    broken = make_root(tmp_path, settings, council=COUNCIL_TTL, broken="lw:x a ")
    with pytest.raises(DataFileError):
        load_into(open_store(broken))


def test_load_reports_progress(mini: Settings) -> None:
    steps: list[tuple[str, int, int]] = []
    count = load_into(
        open_store(mini), progress=lambda step, done, total: steps.append((step, done, total))
    )
    assert count > 0
    assert steps[0][1] == 0 and steps[-1][1] == steps[-1][2]


def test_on_disk_store_keeps_its_data(mini: Settings, tmp_path: Path) -> None:
    on_disk = mini.model_copy(update={"store_path": tmp_path / "store"})
    first = open_store(on_disk)
    load_into(first)
    expected = first.content_hash()
    load_into(first)  # a second load replaces the first generation
    assert len(list((tmp_path / "store").iterdir())) == 1
    del first
    gc.collect()
    reopened = open_store(on_disk)
    assert reopened.content_hash() == expected


def test_an_empty_on_disk_store_is_reopened_not_doubled(mini: Settings, tmp_path: Path) -> None:
    on_disk = mini.model_copy(update={"store_path": tmp_path / "store"})
    first = open_store(on_disk)  # never loaded: an empty generation
    del first
    gc.collect()
    open_store(on_disk)
    assert len(list((tmp_path / "store").iterdir())) == 1


def test_an_on_disk_store_in_use_is_a_store_error(mini: Settings, tmp_path: Path) -> None:
    """A second opener (`csc-graph load` beside a running server) is told, not crashed."""
    on_disk = mini.model_copy(update={"store_path": tmp_path / "store"})
    holder = open_store(on_disk)
    load_into(holder)
    with pytest.raises(StoreError):
        open_store(on_disk)


def test_remote_load_replaces_graphs(
    tmp_path: Path,
    settings: Settings,
    start_oxigraph: Callable[[Path], AbstractContextManager[str]],
) -> None:
    """Loading over a remote store deletes graphs that are no longer in the files."""
    two = make_root(tmp_path / "two", settings, council=COUNCIL_TTL, extra=COUNCIL_TTL)
    one = make_root(tmp_path / "one", settings, council=COUNCIL_TTL)
    with start_oxigraph(tmp_path / "db") as url:
        store = open_store(two.model_copy(update={"store_url": f"{url}/query"}))
        load_into(store)
        assert len(store.graph_names()) == len(data_files(two))
        load_into(store, one)
        assert set(store.graph_names()) == {graph_iri(p, one) for p in data_files(one)}


# ---------------------------------------------------------------- the guard


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://x.example/> { ?s ?q ?r } } }",
        "LOAD <http://example.org/data.ttl>",
        "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }",
        "DROP ALL",
    ],
)
def test_network_and_updates_are_refused(any_store: Store, query: str) -> None:
    with pytest.raises(QueryRefused):
        any_store.query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/graph> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/graph> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX ex: <http://example.org/> SELECT * FROM ex:g WHERE { ?s ?p ?o }",
        "BASE <http://example.org/> SELECT * FROM <g> WHERE { ?s ?p ?o }",
        "PREFIX : <file:///etc/> SELECT * FROM :passwd WHERE { ?s ?p ?o }",
        "SELECT * FROM <//example.org/graph> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <../../elsewhere> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_a_graph_the_store_does_not_hold_is_empty(any_store: Store, query: str) -> None:
    """FROM names a graph of the store; one it does not hold is empty, never fetched."""
    result = any_store.query(query)
    assert result.kind == "select" and result.rows == []


def test_from_a_local_graph_is_allowed(any_store: Store) -> None:
    graph = f"{BASE}graph/graph/lewisham/adolescent-safeguarding"
    result = any_store.query(
        f"SELECT DISTINCT ?s FROM <{graph}> WHERE {{ ?s a csc:Service }} ORDER BY ?s"
    )
    services = {str(row["s"]) for row in result.rows}
    assert services == {LW + "integrated-adolescent-safeguarding", LW + "youth-justice"}


def test_relative_from_resolves_against_the_base(any_store: Store) -> None:
    result = any_store.query(
        "SELECT DISTINCT ?s FROM <graph/graph/lewisham/quality-assurance> "
        "WHERE { ?s a csc:Service }"
    )
    assert [str(row["s"]) for row in result.rows] == [LW + "quality-assurance"]


def test_default_graph_uris_restrict_the_dataset(any_store: Store) -> None:
    graph = f"{BASE}graph/graph/lewisham/quality-assurance"
    result = any_store.query(
        "SELECT DISTINCT ?s WHERE { ?s a csc:Service }", default_graph_uris=[graph]
    )
    assert [str(row["s"]) for row in result.rows] == [LW + "quality-assurance"]
    absent = any_store.query(
        "ASK { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=["http://example.org/g"]
    )
    assert absent.boolean is False


def test_syntax_error_names_line_and_column(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        any_store.query("SELECT ?s\nWHERE { ?s ?p }")
    assert "line 2" in str(error.value)


def test_unknown_prefix_is_a_syntax_error(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        any_store.query("SELECT * WHERE { ?s nope:thing ?o }")
    assert "Unknown prefix 'nope:'" in str(error.value)  # named, not a list of grammar rules


def test_a_declared_prefix_is_not_unknown(any_store: Store) -> None:
    result = any_store.query(f"PREFIX lw: <{LW}> ASK {{ lw:mash a csc:Team }}")
    assert result.boolean is True


# ---------------------------------------------------------------- bindings


@pytest.mark.parametrize(
    "term",
    [
        Literal('"} ; DROP ALL ; #'),
        Literal("'''\"\"\" \\ \n\t} VALUES"),
        Literal("Ysgol Gymraeg ŵ 👶", lang="cy"),
        Literal(15),
        Literal("2024-03-01", datatype=XSD.date),
        URIRef(LW + "youth-justice"),
    ],
)
def test_bound_terms_come_back_unchanged(any_store: Store, term: Literal | URIRef) -> None:
    result = any_store.query("SELECT ?x WHERE { }", bindings={"x": term})
    assert result.rows == [{"x": term}]


def test_bindings_filter_typed(any_store: Store) -> None:
    query = """SELECT ?unit WHERE {
        ?unit schema:audience ?a . ?a schema:requiredMinAge ?min ; schema:requiredMaxAge ?max .
        FILTER(?min <= ?age && ?age <= ?max) } ORDER BY ?unit"""
    units = {str(r["unit"]) for r in any_store.query(query, bindings={"age": Literal(10)}).rows}
    assert LW + "youth-justice" in units
    assert LW + "safe-space" not in units  # Safe Space starts at 11


def test_an_iri_that_would_break_out_is_rejected(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError):
        any_store.query("SELECT ?x WHERE { }", bindings={"x": URIRef("http://a> } DROP ALL #")})


def test_blank_nodes_cannot_be_bound(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError):
        any_store.query("SELECT ?x WHERE { }", bindings={"x": BNode()})


# ---------------------------------------------------------------- limits and result kinds


def test_row_cap_truncates(any_store: Store) -> None:
    capped = any_store.with_limits(max_rows=5)
    result = capped.query("SELECT ?s ?label WHERE { ?s rdfs:label ?label }")
    assert len(result.rows) == 5 and result.truncated is True
    graph = capped.query("CONSTRUCT WHERE { ?s rdfs:label ?label }")
    assert graph.graph is not None and len(graph.graph) == 5 and graph.truncated is True
    small = capped.query("SELECT ?s WHERE { ?s a csc:Council }")
    assert len(small.rows) == 1 and small.truncated is False


def test_heavy_query_times_out(any_store: Store) -> None:
    """A cartesian product over the whole graph would run for hours; it is stopped."""
    with pytest.raises(QueryTimeout):
        any_store.with_limits(query_timeout=1.0).query(HEAVY)
    assert any_store.query("ASK { ?s a csc:Council }").boolean is True  # still answers


def test_a_query_process_that_cannot_start_is_a_store_error(
    mini: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a worker cannot be started (no memory, too many processes) the query fails
    cleanly and at once: a StoreError the doors can map, and no pipe is left open."""

    def no_process(*args: object, **kwargs: object) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    fresh = open_store(mini)
    open_before = sorted(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(workers.subprocess, "Popen", no_process)
    started = time.monotonic()
    with pytest.raises(StoreError) as error:
        fresh.query("ASK { ?s a csc:Council }")
    assert "Cannot start a query process" in str(error.value)
    assert time.monotonic() - started < 2
    assert sorted(os.listdir("/proc/self/fd")) == open_before
    fresh.close()


def test_select_rows_are_rdflib_terms(any_store: Store) -> None:
    result = any_store.query(
        f"SELECT ?label ?min ?missing WHERE {{ <{LW}youth-justice> rdfs:label ?label ; "
        "schema:audience ?a . ?a schema:requiredMinAge ?min OPTIONAL { ?a <urn:x:none> ?missing } }"
    )
    assert result.kind == "select" and result.variables == ["label", "min", "missing"]
    assert result.rows == [{"label": Literal("Youth Justice", lang="en"), "min": Literal(10)}]


def test_construct_gives_a_graph(any_store: Store) -> None:
    result = any_store.query(f"CONSTRUCT WHERE {{ <{LW}youth-justice> schema:audience ?a }}")
    assert result.kind == "graph" and result.graph is not None
    assert set(result.graph) == {
        (
            URIRef(LW + "youth-justice"),
            URIRef("http://schema.org/audience"),
            URIRef(LW + "youth-justice-ages"),
        )
    }


def test_describe_is_a_graph_query(any_store: Store) -> None:
    result = any_store.query(f"DESCRIBE <{LW}youth-justice-ages>")
    assert result.kind == "graph" and result.graph is not None
    assert (
        URIRef(LW + "youth-justice-ages"),
        URIRef("http://schema.org/requiredMaxAge"),
        Literal(17),
    ) in result.graph


def test_bindings_reach_the_where_clause_of_a_construct(any_store: Store) -> None:
    result = any_store.query(
        "CONSTRUCT { ?unit rdfs:label ?label } WHERE { ?unit rdfs:label ?label }",
        bindings={"unit": URIRef(LW + "mash")},
    )
    assert result.graph is not None
    assert set(result.graph.subjects()) == {URIRef(LW + "mash")}


def test_bindings_with_braces_in_strings_and_comments(any_store: Store) -> None:
    query = """# a comment with a { brace
    SELECT ?unit WHERE { # another {
      ?unit rdfs:label ?label . FILTER(?label != "}{")
    }"""
    result = any_store.query(query, bindings={"label": Literal("Safe Space", lang="en")})
    assert result.rows == [{"unit": URIRef(LW + "safe-space")}]


def test_the_projects_own_queries_never_get_a_cut_answer(store: Store) -> None:
    """query() cuts at max_rows and says so; query_whole() refuses to return a cut answer."""
    small = store.with_limits(max_rows=2)
    text = "SELECT ?s WHERE { ?s a csc:Claim }"
    cut = small.query(text)
    assert cut.truncated and len(cut.rows) == 2
    with pytest.raises(ResultTruncated):
        small.query_whole(text)
    assert len(store.query_whole(text).rows) > 2


def test_a_misquote_is_refused_by_the_gate(tmp_path: Path, settings: Settings) -> None:
    """A claim whose quote is not in its source's captured text is never loaded."""
    page = "The Test Council describes itself here."
    misquoting = UNASSERTED_CLAIM_TTL.replace(
        'rdf:predicate dct:description ;\n    rdf:object "Not what the graph says."',
        'rdf:predicate dct:description ;\n    rdf:object "A council."@en',
    ).replace("A sentence that states it.", "A sentence the page never says.")
    bad = make_root(tmp_path, settings, council=COUNCIL_TTL, claim=misquoting)
    sources = tmp_path / "graph" / "lewisham" / "sources"
    sources.mkdir()
    (sources / "page.txt").write_text(page, encoding="utf-8")
    with pytest.raises(FailedChecksError) as refused:
        load_into(open_store(bad))
    assert [check.name for check in refused.value.failed] == ["quote-not-in-source"]

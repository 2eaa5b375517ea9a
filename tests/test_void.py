"""The VoID + DCAT description, and the dump it heads: licence, sources, counts, endpoint,
and a dump that reloads to the very same named graphs."""

from datetime import datetime

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from csc_graph.config import Settings
from csc_graph.exports.rdf import dump
from csc_graph.exports.void import OGL_V3, dataset_iri, describe_dataset, void_graph_iri
from csc_graph.rdf.namespaces import DCAT
from csc_graph.store import open_store
from csc_graph.store.base import Store

BASE = "https://w3id.org/csc-graph/id/"
OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


@pytest.fixture(scope="module")
def void(store: Store) -> Graph:
    return describe_dataset(store)


def test_the_dataset_is_a_void_and_dcat_dataset_under_the_open_government_licence(
    void: Graph, settings: Settings
):
    dataset = dataset_iri(settings)
    assert {VOID.Dataset, DCAT.Dataset} <= set(void.objects(dataset, RDF.type))
    assert URIRef(OGL) == OGL_V3
    assert set(void.objects(dataset, DCTERMS.license)) == {URIRef(OGL)}
    assert void.value(dataset, VOID.uriSpace) == Literal(settings.base_iri)


def test_sources_are_the_lewisham_pages_the_legislation_and_the_facts_sheet(
    void: Graph, settings: Settings
):
    sources = set(void.objects(dataset_iri(settings), DCTERMS.source))
    assert {
        URIRef(BASE + "lewisham/source-social-work-teams"),
        URIRef(BASE + "lewisham/source-safeguarding-service"),
        URIRef(BASE + "lewisham/source-careers-in-childrens-social-care"),
        URIRef(BASE + "law/source-ca1989"),
        URIRef(BASE + "law/source-cppcr2010"),
        URIRef(BASE + "law/source-legal-facts"),
    } <= sources
    assert len(sources) == 16


def test_each_named_graph_is_a_subset_with_its_own_triple_count(
    void: Graph, store: Store, settings: Settings
):
    held = {graph.identifier: len(graph) for graph in store.dataset().graphs() if len(graph)}
    subsets = set(void.objects(dataset_iri(settings), VOID.subset))
    assert subsets == set(held)
    for graph_iri, count in held.items():
        assert void.value(graph_iri, VOID.triples).toPython() == count
    total = void.value(dataset_iri(settings), VOID.triples).toPython()
    assert total == sum(held.values())
    assert URIRef(BASE + "graph/graph/lewisham/council") in subsets


def test_last_modified_is_a_date_time(void: Graph, settings: Settings):
    modified = void.value(dataset_iri(settings), DCTERMS.modified)
    assert modified.datatype == XSD.dateTime
    assert isinstance(modified.toPython(), datetime)


def test_the_council_is_a_root_resource_and_described_datasets_are_parts(
    void: Graph, settings: Settings
):
    dataset = dataset_iri(settings)
    assert URIRef(BASE + "lewisham/council") in set(void.objects(dataset, VOID.rootResource))
    assert URIRef(BASE + "lewisham/dataset") in set(void.objects(dataset, DCTERMS.hasPart))


def test_the_endpoint_and_downloads_are_named_only_when_the_service_url_is_known(
    void: Graph, store: Store, settings: Settings
):
    dataset = dataset_iri(settings)
    assert void.value(dataset, VOID.sparqlEndpoint) is None
    served = describe_dataset(store, service_url="http://127.0.0.1:8000/")
    assert served.value(dataset, VOID.sparqlEndpoint) == URIRef("http://127.0.0.1:8000/sparql")
    assert set(served.objects(dataset, VOID.dataDump)) == {
        URIRef("http://127.0.0.1:8000/export/dump?format=trig"),
        URIRef("http://127.0.0.1:8000/export/dump?format=nquads"),
    }


def test_public_url_setting_wins_over_the_request_url(settings: Settings):
    public = settings.model_copy(update={"public_url": "https://example.org/csc/"})
    store = open_store(public)  # empty: only the service part of the description matters
    described = describe_dataset(store, service_url="http://127.0.0.1:8000/")
    endpoint = described.value(dataset_iri(public), VOID.sparqlEndpoint)
    assert endpoint == URIRef("https://example.org/csc/sparql")


# ---------------------------------------------------------------------- the dump


@pytest.mark.parametrize("rdf_format", ["trig", "nquads"])
def test_the_dump_reloads_to_the_same_named_graphs_plus_void(
    store: Store, settings: Settings, rdf_format: str
):
    reloaded = Dataset()
    reloaded.parse(data=dump(store, rdf_format), format=rdf_format)
    original = {g.identifier: g for g in store.dataset().graphs() if len(g)}
    loaded = {g.identifier: g for g in reloaded.graphs() if len(g)}
    void_iri = void_graph_iri(settings)
    assert set(loaded) == set(original) | {void_iri}
    different = [iri for iri, graph in original.items() if not isomorphic(graph, loaded[iri])]
    assert different == []
    assert (dataset_iri(settings), DCTERMS.license, URIRef(OGL)) in loaded[void_iri]


def test_the_void_graph_heads_the_dump(store: Store, settings: Settings):
    first_line = dump(store, "nquads").split(b"\n", 1)[0]
    head = Dataset()
    head.parse(data=first_line, format="nquads")
    assert {g.identifier for g in head.graphs() if len(g)} == {void_graph_iri(settings)}


def test_git_log_runs_once_per_content_not_per_request(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csc_graph.exports import void as void_module

    calls = []
    real_run = void_module.subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(void_module.subprocess, "run", counting_run)
    monkeypatch.setattr(void_module, "_MODIFIED", type(void_module._MODIFIED)(size=8))
    first = describe_dataset(store)
    second = describe_dataset(store)
    assert len(calls) == 1
    assert isomorphic(first, second)

"""The load, query, queries, validate and serve commands, through typer's CliRunner; the
output is parsed (CSV, JSON, Turtle), never matched as text."""

import csv
import gc
import io
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from typer.testing import CliRunner, Result

from csc_graph.cli import app
from csc_graph.config import Settings
from csc_graph.store import open_store

LW = "https://w3id.org/csc-graph/id/lewisham/"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(
        app, list(args), env={f"CSC_GRAPH_{k.upper()}": v for k, v in env.items()}
    )


def csv_rows(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture
def bad_root(tmp_path: Path, settings: Settings) -> Path:
    """The ontology and a team with no name and no description (SHACL Violations)."""
    shutil.copytree(settings.ontology_dir, tmp_path / "ontology")
    shutil.copytree(settings.queries_dir, tmp_path / "queries")
    (tmp_path / "graph" / "law").mkdir(parents=True)
    (tmp_path / "graph" / "lewisham").mkdir()
    (tmp_path / "graph" / "lewisham" / "nameless.ttl").write_text(
        "@prefix csc: <https://w3id.org/csc-graph/ontology#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<lewisham/nameless> a csc:Team ; org:subOrganizationOf <lewisham/council> .\n"
    )
    return tmp_path


# ---------------------------------------------------------------- queries


def test_queries_lists_the_catalogue_as_json() -> None:
    result = invoke("queries", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert len(listed) >= 25

    def params(name: str) -> set[str]:
        return set(listed[name]["params"].split(", "))

    assert params("services-for-child") == {"age:integer", "concern:enum", "include_unstated:enum"}
    assert params("after-stage") == {"stage*:enum"}


def test_queries_as_csv_when_piped() -> None:
    names = [row["name"] for row in csv_rows(invoke("queries"))]
    assert "routes-into-unit" in names and names == sorted(names)


# ---------------------------------------------------------------- query


def test_named_query_with_params_as_csv() -> None:
    rows = csv_rows(
        invoke(
            "query",
            "services-for-child",
            "-p",
            "age=15",
            "--param",
            "concern=child-criminal-exploitation",
            "--format",
            "csv",
        )
    )
    units = {row["unit"] for row in rows}
    assert LW + "safe-space" in units and LW + "youth-justice" not in units  # W2
    (safe_space,) = [row for row in rows if row["unit"] == LW + "safe-space"]
    assert (safe_space["minAge"], safe_space["maxAge"]) == ("11", "17")


def test_named_query_as_sparql_json() -> None:
    result = invoke(
        "query", "roles-in-unit", "-p", "unit=lewisham/quality-assurance", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    abbreviations = {
        b["abbreviation"]["value"] for b in data["results"]["bindings"] if "abbreviation" in b
    }
    assert {"CPC", "IRO"} <= abbreviations


def test_json_output_ends_its_last_line() -> None:
    """So the shell prompt, or the next command's output, starts on a line of its own; and
    a piped stderr gets no trace of the progress bar drawn while the store loads."""
    result = invoke("query", "--sparql", "ASK { ?s a csc:Service }", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n")
    assert result.stderr == ""
    assert json.loads(result.stdout)["boolean"] is True


def test_graph_query_is_turtle_when_piped() -> None:
    result = invoke("query", "describe-unit", "-p", "unit=lewisham/youth-justice")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.stdout, format="turtle")
    ages = graph.value(URIRef(LW + "youth-justice"), URIRef("http://schema.org/audience"))
    assert graph.value(ages, URIRef("http://schema.org/requiredMinAge")) == Literal(10)


def test_ad_hoc_sparql_and_file(tmp_path: Path) -> None:
    ask = invoke("query", "--sparql", f"ASK {{ <{LW}mash> a csc:Team }}", "--format", "json")
    assert ask.exit_code == 0 and json.loads(ask.stdout)["boolean"] is True
    query_file = tmp_path / "q.rq"
    query_file.write_text(
        "SELECT ?label WHERE { <lewisham/corporate-parenting> rdfs:label ?label }"
    )
    rows = csv_rows(invoke("query", "--file", str(query_file)))
    assert rows == [{"label": "Corporate Parenting"}]


def test_row_cap_is_reported_not_an_error() -> None:
    rows = csv_rows(invoke("query", "--sparql", "SELECT ?s WHERE { ?s ?p ?o }", max_rows="3"))
    assert len(rows) == 3


@pytest.mark.parametrize(
    "args",
    [
        ["query", "no-such-query"],
        ["query", "services-for-child", "-p", "age=fifteen"],
        ["query", "services-for-child", "-p", "age"],
        ["query", "units-under"],
        ["query", "--sparql", "SELECT * WHERE { ?s ?p }"],
        ["query", "--sparql", "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"],
        ["query", "--sparql", "DROP ALL"],
        ["query", "age-coverage", "--sparql", "ASK {}"],
        ["query"],
        ["query", "age-coverage", "--format", "turtle"],
        ["query", "--file", "/nonexistent/q.rq"],
    ],
)
def test_bad_input_exits_2(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_a_query_over_the_time_limit_exits_2() -> None:
    assert invoke("query", "--sparql", HEAVY, query_timeout="1").exit_code == 2


# ---------------------------------------------------------------- load


def test_load_to_disk_then_query_from_it(tmp_path: Path) -> None:
    store_path = str(tmp_path / "store")
    loaded = invoke("load", store_path=store_path)
    assert loaded.exit_code == 0, loaded.output
    gc.collect()  # let the on-disk store's lock go before the next command opens it
    rows = csv_rows(invoke("query", "units-with-several-parents", store_path=store_path))
    assert {row["unit"] for row in rows} == {LW + "safe-space"}


def test_export_uses_a_store_filled_by_load_as_it_is(tmp_path: Path) -> None:
    """Like query, export reads an on-disk store that `load` filled; it does not reload
    and rewrite it (a load writes a new generation folder and deletes the old one)."""
    store_path = tmp_path / "store"
    assert invoke("load", store_path=str(store_path)).exit_code == 0
    gc.collect()
    generations = sorted(p.name for p in store_path.iterdir())
    exported = invoke("export", "oruk", store_path=str(store_path))
    assert exported.exit_code == 0, exported.output
    assert {s["name"] for s in json.loads(exported.stdout)} >= {"Youth Justice", "Safe Space"}
    gc.collect()
    assert sorted(p.name for p in store_path.iterdir()) == generations


def test_load_refuses_invalid_data(bad_root: Path, tmp_path: Path) -> None:
    result = invoke("load", root=str(bad_root), store_path=str(tmp_path / "store"))
    assert result.exit_code == 1
    assert result.stdout == ""


def test_load_beside_a_store_in_use_exits_2(tmp_path: Path) -> None:
    """The on-disk store is locked by another user (a running server): exit 2, no traceback."""
    store_path = tmp_path / "store"
    holder = open_store(Settings(store_path=store_path))
    result = invoke("load", store_path=str(store_path))
    assert result.exit_code == 2, result.output
    assert holder.triple_count() == 0


def test_load_into_a_remote_store(oxigraph_server: str, remote_store: object) -> None:
    url = f"{oxigraph_server}/query"
    assert invoke("load", store_url=url).exit_code == 0
    rows = csv_rows(
        invoke(
            "query",
            "--sparql",
            f"SELECT ?p WHERE {{ <{LW}safe-space> org:subOrganizationOf ?p }}",
            store_url=url,
        )
    )
    assert {row["p"] for row in rows} == {
        LW + "referral-and-assessment",
        LW + "integrated-adolescent-safeguarding",
    }


# ---------------------------------------------------------------- validate and serve


def test_validate_passes_on_lewisham() -> None:
    result = invoke("validate")
    assert result.exit_code == 0, result.output


def test_validate_fails_on_a_violation(bad_root: Path) -> None:
    assert invoke("validate", root=str(bad_root)).exit_code == 1


def test_serve_runs_uvicorn_with_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    result = invoke(
        "serve", "--host", "127.0.0.1", "--port", "8765", "--store-url", "http://127.0.0.1:9/query"
    )
    assert result.exit_code == 0, result.output
    ((served, options),) = calls
    # server_header off: the answer does not advertise uvicorn (issue 12, item 10)
    assert options == {
        "host": "127.0.0.1",
        "port": 8765,
        "server_header": False,
        "log_level": "info",
    }
    assert served.state.settings.store_url == "http://127.0.0.1:9/query"


def test_serve_refusing_the_only_graph_exits_2(bad_root: Path) -> None:
    """No good graph to serve: uvicorn gives up at start-up (its own code is 3); the command
    exits with its documented 2 and says so."""
    with socket.socket() as probe:  # a free port, in case start-up got as far as binding
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    result = invoke("serve", "--port", port, root=str(bad_root))
    assert result.exit_code == 2, result.output


@pytest.mark.parametrize(
    "command",
    ["load", "query", "queries", "validate", "serve", "export", "pathways", "coverage"],
)
def test_every_command_documents_its_exit_codes(command: str) -> None:
    from typer.main import get_command

    group = get_command(app)
    help_text = group.commands[command].help  # type: ignore[attr-defined]
    assert "Exit codes:" in help_text and "0 " in help_text


def test_an_empty_council_folder_is_refused_by_load_and_serve(
    settings: Settings, tmp_path: Path
) -> None:
    """A council folder with no data files: nothing to serve, said plainly, exit 2."""
    shutil.copytree(settings.ontology_dir, tmp_path / "ontology")
    shutil.copytree(settings.queries_dir, tmp_path / "queries")
    (tmp_path / "graph" / "law").mkdir(parents=True)
    (tmp_path / "graph" / "empty").mkdir()
    env = {"root": str(tmp_path), "council": "empty", "store_path": str(tmp_path / "s")}
    loaded = invoke("load", **env)
    assert loaded.exit_code == 2, loaded.output
    assert loaded.stderr.strip().splitlines()[-1] == (
        f"Error: {tmp_path / 'graph' / 'empty'} holds no .ttl files: there is no data for "
        "council 'empty' to serve (CSC_GRAPH_COUNCIL, CSC_GRAPH_ROOT); run `csc-graph "
        "validate` for the full report"
    )
    served = invoke("serve", "--port", str(free_port()), **env)
    assert served.exit_code == 2, served.output

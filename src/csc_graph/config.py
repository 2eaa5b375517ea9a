"""All settings in one place, read from the environment with the prefix CSC_GRAPH_."""

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from csc_graph.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""Where the data sits in a source checkout (src/csc_graph/ -> the repository). An installed
package has no data beside it: give CSC_GRAPH_ROOT (or the CLI's --root) instead."""


class Settings(BaseSettings):
    """Settings for the store, the loader, the limits and the HTTP server."""

    model_config = SettingsConfigDict(env_prefix="CSC_GRAPH_", extra="ignore")

    root: Path = Field(
        PROJECT_ROOT,
        description="Repository root holding ontology/, graph/ and queries/.",
    )
    council: str | None = Field(
        None,
        description="One council to serve on its own (a folder under graph/); unset means "
        "the councils named by `councils`.",
    )
    councils: list[str] | None = Field(
        None,
        description="Councils served together (folders under graph/), each validated on its "
        "own with the shared law; unset means every folder under graph/ except law/.",
    )
    base_iri: str = Field(
        "https://w3id.org/csc-graph/id/",
        description="Base IRI for instances; relative IRIs in graph/ resolve against it.",
    )
    store_url: str | None = Field(
        None,
        description="SPARQL 1.1 endpoint of a remote store; unset means the embedded Oxigraph.",
    )
    store_graph_url: str | None = Field(
        None,
        description=(
            "Graph Store Protocol endpoint of the remote store, used to load it; unset means "
            "store_url with its final /query replaced by /store (Oxigraph server's layout)."
        ),
    )
    store_graph_prefix: str | None = Field(
        None,
        description=(
            "Remote store only: read just the named graphs whose IRI starts with this, and name "
            "them as the dataset of every query. Set it when the endpoint's default graph is "
            "not the union of the graphs loaded into it or it holds graphs of its own "
            "(Virtuoso, GraphDB, Fuseki without unionDefaultGraph), e.g. "
            "https://w3id.org/csc-graph/id/graph/; unset means every named graph, and the "
            "endpoint's default graph must be their union."
        ),
    )
    store_path: Path | None = Field(
        None,
        description="Directory for an on-disk embedded store; unset means in memory.",
    )
    load_on_start: bool = Field(
        True,
        description="Validate and load the graph files into the store when the server starts; "
        "turn off to serve a remote store as it already is.",
    )
    shacl_engine: Literal["turbo", "pyshacl"] = Field(
        "turbo",
        description="SHACL engine of the loading gate and the reports: pyshacl-turbo (Rust, "
        "about 30 times faster) or pySHACL, the reference it is tested against.",
    )
    cache_dir: Path | None = Field(
        None,
        description="Folder for the validation verdicts cached on disk by the content hash "
        "of every input file; unset means .cache/ under the root (git-ignored).",
    )
    query_timeout: float = Field(
        10.0, gt=0, description="Longest a query may run, in seconds, before it is stopped."
    )
    max_rows: int = Field(
        10_000, gt=0, description="Most result rows returned; longer results are cut and flagged."
    )
    max_result_bytes: int = Field(
        16_000_000,
        gt=0,
        description="Most bytes of result terms returned by one query, counted while the "
        "answer is read; a longer answer is cut and flagged (X-Result-Truncated).",
    )
    max_query_depth: int = Field(
        100,
        gt=0,
        description="Deepest query accepted: brackets plus chained operators (a 400 beyond). "
        "The named queries need 20; a stock oxigraph serve overflows its stack near 2,000.",
    )
    query_workers: int = Field(
        2, gt=0, description="Query processes (each holds the loaded graph and has no network)."
    )
    query_queue: int = Field(
        8,
        ge=0,
        description="Queries that may wait for a free query process; beyond that a query is "
        "refused at once with 503 and Retry-After.",
    )
    query_memory_mb: int = Field(
        1024,
        ge=256,
        description="Address-space limit of each query process, in MiB (RLIMIT_AS); a query "
        "that needs more is stopped and its process replaced.",
    )
    store_hash_seconds: float = Field(
        10.0,
        ge=0,
        description="Remote store: how old its content hash (ETags, /validation, /health) may "
        "get before it is computed again, in seconds, since others may change the endpoint.",
    )
    max_body_bytes: int = Field(
        1_000_000, gt=0, description="Largest HTTP request body accepted, in bytes."
    )
    cors_origins: list[str] = Field(
        ["*"], description="Origins allowed to read the API from a browser (GET only)."
    )
    host: str = Field("127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(8000, description="Port the HTTP server listens on.")
    public_url: str | None = Field(
        None,
        description="Public root URL of the HTTP API (e.g. https://example.org/csc/), named in "
        "the VoID description as the SPARQL endpoint and dump location; unset means the "
        "request's own URL in the API and none in CLI exports.",
    )

    @model_validator(mode="after")
    def _root_holds_the_data(self) -> "Settings":
        """Refuse at once a root or council that is not there, naming the setting to fix:
        an empty graph served as "OK" is worse than no server."""
        missing = [
            name
            for name, folder in (("ontology/", self.ontology_dir), ("queries/", self.queries_dir))
            if not folder.is_dir()
        ]
        if missing:
            raise ConfigError(
                f"CSC_GRAPH_ROOT ({self.root}) does not hold {' and '.join(missing)}: set "
                "CSC_GRAPH_ROOT (or --root) to the folder with ontology/, queries/ and graph/"
            )
        known = ", ".join(self.council_folders()) or "none"
        chosen = [self.council] if self.council else (self.councils or [])
        setting = "CSC_GRAPH_COUNCIL" if self.council else "CSC_GRAPH_COUNCILS"
        for name in chosen:
            if name == "law" or not (self.root / "graph" / name).is_dir():
                raise ConfigError(
                    f"{setting} names no folder: {self.root / 'graph' / name} does not exist "
                    f"(councils under {self.root / 'graph'}: {known})"
                )
        return self

    def council_folders(self) -> list[str]:
        """The council folders under graph/ (every folder but law/)."""
        graph = self.root / "graph"
        found = graph.iterdir() if graph.is_dir() else []
        return sorted(p.name for p in found if p.is_dir() and p.name != "law")

    def served_councils(self) -> list[str]:
        """The councils to serve: ``council`` alone when it is set, else ``councils``, else
        every council folder."""
        if self.council:
            return [self.council]
        return list(self.councils) if self.councils is not None else self.council_folders()

    def one_council(self, name: str) -> "Settings":
        """These settings narrowed to one council (what the gate validates at a time)."""
        return self.model_copy(update={"council": name, "councils": None})

    def council_dirs(self) -> list[Path]:
        return [self.root / "graph" / name for name in self.served_councils()]

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "ontology" / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def council_dir(self) -> Path:
        """The folder of the one council served, or of the first of several."""
        councils = self.served_councils()
        return self.root / "graph" / (councils[0] if councils else "")

    @property
    def verdict_cache_dir(self) -> Path:
        return self.cache_dir or self.root / ".cache"

    @property
    def law_dir(self) -> Path:
        return self.root / "graph" / "law"


def settings_from(**overrides: object) -> Settings:
    """Settings from the environment and ``overrides``; a ConfigError whose message names
    each setting to fix (pydantic's own error lists internals a user cannot act on)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            where = ".".join(str(part) for part in error["loc"])
            messages.append(f"CSC_GRAPH_{where.upper()}: {message}" if where else message)
        raise ConfigError("; ".join(messages)) from None

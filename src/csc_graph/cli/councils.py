"""Commands for councils: onboard one (new-council), find a sentence to quote (quote), and
rewrite a file's reified claims as RDF 1.2 annotations (convert-claims)."""

from pathlib import Path
from typing import Annotated

import typer
from rdflib.compare import isomorphic

from csc_graph.cli.common import fail, settings_of
from csc_graph.councils.onboarding import OnboardingError, find_sentences, new_council
from csc_graph.rdf.annotations import (
    compile_text,
    convertible_claims,
    read_text,
    to_annotations,
)


def new_council_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The council's folder name, e.g. portsmouth.")],
    page: Annotated[Path, typer.Option(help="A file with the page's text as captured.")],
    url: Annotated[str, typer.Option(help="The page's web address.")],
    label: Annotated[str | None, typer.Option(help="The council's name.")] = None,
    title: Annotated[str | None, typer.Option(help="The page's title.")] = None,
    captured_on: Annotated[
        str | None, typer.Option(help="Date of the stored copy, YYYY-MM-DD.")
    ] = None,
) -> None:
    """Create graph/NAME/ with the page's captured text, its source and a starter file.

    Exit codes: 0 created; 2 a bad name, page or address, or the folder exists.
    """
    root = settings_of(ctx).root
    try:
        files = new_council(
            root, name, page, url, label=label, title=title, captured_on=captured_on
        )
    except OnboardingError as exc:
        raise fail(exc) from exc
    for file in files:
        typer.echo(f"created {file.relative_to(root)}")
    typer.echo(
        f"Next: fill in the TODOs, add units with their quotes (csc-graph quote ... --council "
        f"{name}), then `CSC_GRAPH_COUNCIL={name} csc-graph validate`."
    )


def quote(
    ctx: typer.Context,
    phrase: Annotated[str, typer.Argument(help="Words from the sentence you want.")],
    council: Annotated[str, typer.Option(help="The council whose pages to search.")],
) -> None:
    """Print each full sentence of the council's captured pages that holds PHRASE, ready
    to paste as a csc:quote.

    Exit codes: 0 found; 1 no sentence holds the phrase; 2 no such council.
    """
    settings = settings_of(ctx)
    if council not in settings.council_folders():
        raise fail(
            f"No council folder {council!r}; councils: {', '.join(settings.council_folders())}"
        )
    found = find_sentences(settings.root, council, phrase)
    if not found:
        raise fail(f"No sentence in graph/{council}/sources/ holds {phrase!r}", 1)
    for item in found:
        typer.echo(f"# {item.file.relative_to(settings.root)}")
        typer.echo(f'csc:quote "{item.sentence}"')


def convert_claims(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Turtle files to rewrite in place.")],
    check: Annotated[
        bool,
        typer.Option("--check", help="Only say whether each file would convert; write nothing."),
    ] = False,
) -> None:
    """Rewrite each file's reified csc:Claims as RDF 1.2 annotations beside their facts.

    A file is written only when its compiled graph is isomorphic to the graph before.
    Exit codes: 0 converted; 1 a file would not be isomorphic (left as it was); 2 bad file.
    """
    base_iri = settings_of(ctx).base_iri
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
            before = read_text(text, base_iri)
        except Exception as exc:  # rdflib raises many kinds; the file name is what matters
            raise fail(f"{file}: {exc}") from exc
        if not convertible_claims(before):
            typer.echo(f"left {file} as it is (no reified claims)")
            continue
        converted = to_annotations(text, base_iri)
        if not isomorphic(before, compile_text(converted, base_iri)):
            raise fail(f"{file}: the converted graph would differ; left as it was", 1)
        if check:
            typer.echo(f"would convert {file} ({len(before)} triples, isomorphic)")
            continue
        file.write_text(converted, encoding="utf-8")
        typer.echo(f"converted {file} ({len(before)} triples, isomorphic)")

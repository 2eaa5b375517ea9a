"""The csc-graph command line: a thin door over the core modules.

Exit codes shared by every command: 0 success, 1 the check failed (e.g. validation found
results at or above --fail-on), 2 bad input or usage (bad query, unknown name, bad file).
"""

import typer

app = typer.Typer(
    help="Load, query, validate and export a council's children's social care graph.",
    no_args_is_help=True,
)

# Each command lives in its own section below; add new commands as new sections.

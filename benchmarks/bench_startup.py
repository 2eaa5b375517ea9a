"""Start-up of the CLI: `csc-graph query` with the verdict on disk, beside the same command
with an empty cache and beside merely importing the package.

Run: ``.venv/bin/python -m benchmarks.bench_startup [--repeat 5]``. Not part of the tests.
Each command is a fresh process (wall time, median of the runs, taken in turn). The goal is
under 1.5 s for `csc-graph query ...` with an unchanged graph; the import-only row says how
much of that is Python loading the packages on this machine at this moment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_validation import medians

QUERY = ["query", "services-for-child", "-p", "age=15", "-p", "concern=child-criminal-exploitation"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    cli = str(Path(sys.executable).parent / "csc-graph")
    with tempfile.TemporaryDirectory() as warm_dir:
        warm = {**os.environ, "CSC_GRAPH_CACHE_DIR": warm_dir}

        def run(command: list[str], env: dict[str, str]) -> None:
            subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)

        def cold() -> None:
            with tempfile.TemporaryDirectory() as empty:
                run([cli, *QUERY, "-f", "csv"], {**os.environ, "CSC_GRAPH_CACHE_DIR": empty})

        run([cli, *QUERY, "-f", "csv"], warm)  # fills the warm cache
        rows = [
            (
                "python -c 'import csc_graph.cli' (baseline)",
                lambda: run([sys.executable, "-c", "import csc_graph.cli"], warm),
            ),
            ("csc-graph query ..., verdict on disk", lambda: run([cli, *QUERY, "-f", "csv"], warm)),
            ("csc-graph query ..., empty cache (validates)", cold),
        ]
        start = time.perf_counter()
        seconds = medians([r for _, r in rows], repeat)
    print(
        f"\nCLI start-up, wall seconds, median of {repeat} ({time.perf_counter() - start:.0f} s)\n"
    )
    print(f"{'command':<48}{'seconds':>9}{'ratio':>8}")
    for (name, _), value in zip(rows, seconds, strict=True):
        print(f"{name:<48}{value:9.2f}{value / seconds[0]:8.2f}")
    print("\ngoal: csc-graph query ... under 1.5 s with the verdict on disk")


if __name__ == "__main__":
    main()

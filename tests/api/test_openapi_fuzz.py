"""The API against its own OpenAPI document: a bounded Schemathesis run (every check, every
operation, a few examples each) against a real uvicorn on 127.0.0.1 must find no failure
and no server error. ``schemathesis.toml`` at the repository root holds the configuration
(and says where a schema cannot tell in advance what the server accepts); ``make fuzz`` runs
the same with many more examples."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = 3
MAX_TIME_S = 90


@pytest.mark.timeout(MAX_TIME_S + 150)
def test_schemathesis_finds_no_failure(live_server: str, tmp_path: Path) -> None:
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis is not installed: it is in the test extra (make setup)")
    # The first /validation with inference and /conflicts take seconds; later ones are cached.
    for path in ("/validation?inference=true", "/validation", "/conflicts"):
        httpx.get(f"{live_server}{path}", timeout=60).raise_for_status()
    report = tmp_path / "schemathesis.json"
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_server}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_TIME_S),
        "--workers",
        "1",
        "--generation-deterministic",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    limit = MAX_TIME_S + 120
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=limit)
    summary = json.loads(report.read_text())
    tail = run.stdout[-4000:]
    cases, operations = summary["test_cases"], summary["operations"]
    print(  # the figures, in the log of a run with -s
        f"schemathesis: {operations['tested']}/{operations['total']} operations, "
        f"{cases['generated']} test cases, {len(summary['failures'])} failures, "
        f"{len(summary['errors'])} errors, {summary['running_time']:.0f} s"
    )
    assert summary["operations"]["tested"] == summary["operations"]["total"] > 50, tail
    assert summary["test_cases"]["generated"] > 0
    assert summary["failures"] == [], tail
    assert summary["errors"] == [], tail
    assert run.returncode == 0, tail

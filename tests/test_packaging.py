"""The package as a user installs it: a wheel in a fresh virtual environment, run from a
folder outside the repository.

The wheel carries the code, templates and static files; the data (ontology/, queries/,
graph/) stays in the repository, so an installed package must be told where it is
(CSC_GRAPH_ROOT or --root) and must say so plainly when it is not, never serve nothing.
The fresh venv borrows the test venv's third-party packages through a .pth file, so the test
needs no download beyond the build backend; csc_graph itself comes only from the wheel.
"""

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from csc_graph.config import Settings

BUILD_LIMIT_S = 300


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    """The bin/ folder of a fresh venv with the csc-graph wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    wheels = work / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels)]
    subprocess.run([*build, str(settings.root)], check=True, timeout=BUILD_LIMIT_S)
    (wheel,) = wheels.glob("csc_graph-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (venv_site,) = venv.glob("lib/python*/site-packages")
    borrowed = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (venv_site / "borrowed-test-packages.pth").write_text("\n".join(borrowed) + "\n")
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--quiet"]
    subprocess.run([*install, str(wheel)], check=True, timeout=BUILD_LIMIT_S)
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSC_GRAPH_")}
    return subprocess.run(
        [str(bin_dir / "csc-graph"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_LIMIT_S,
    )


def test_the_package_comes_from_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    found = subprocess.run(
        [str(installed / "python"), "-c", "import csc_graph; print(csc_graph.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()).is_relative_to(installed.parent)


def test_without_a_root_it_refuses_and_names_the_setting(installed: Path, tmp_path: Path) -> None:
    result = run(installed, tmp_path, "queries")
    assert result.returncode == 2
    (message,) = result.stderr.strip().splitlines()
    assert message.startswith("Error: CSC_GRAPH_ROOT (")
    assert message.endswith(
        "set CSC_GRAPH_ROOT (or --root) to the folder with ontology/, queries/ and graph/"
    )


def test_with_a_root_it_lists_the_queries_and_validates(
    installed: Path, tmp_path: Path, settings: Settings
) -> None:
    root = str(settings.root)
    listed = run(installed, tmp_path, "--root", root, "queries", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    names = {entry["name"] for entry in json.loads(listed.stdout)}
    assert {"services-for-child", "units-under"} <= names
    validated = run(installed, tmp_path, "--root", root, "validate", "--format", "json")
    assert validated.returncode == 0, validated.stderr
    assert json.loads(validated.stdout)["conforms"] is True


@pytest.mark.parametrize("command", ["validate", "load", "serve"])
def test_a_misspelt_council_is_refused_by_every_command(
    installed: Path, tmp_path: Path, settings: Settings, command: str
) -> None:
    result = run(installed, tmp_path, "--root", str(settings.root), "--council", "lewisam", command)
    assert result.returncode == 2
    (message,) = result.stderr.strip().splitlines()
    assert message.startswith("Error: CSC_GRAPH_COUNCIL names no folder: ")
    assert message.endswith(f": {', '.join(settings.council_folders())})")

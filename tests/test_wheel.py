"""The wheel ships the rules: build it, install it in a fresh virtualenv outside the tree, run it there."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_installs_and_finds_its_rules(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("cardfix-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = subprocess.run([str(env_dir / "bin" / "cardfix"), "rules"], cwd=elsewhere, capture_output=True,
                            text=True, check=True)
    assert "CF101  base-model-from-link" in listed.stdout
    card = elsewhere / "README.md"
    card.write_text("---\nlicense: mit\ntags: [generated_from_trainer]\n---\n"
                    "This model is a fine-tuned version of [gpt2](https://huggingface.co/gpt2) on x.\n")
    diffed = subprocess.run([str(env_dir / "bin" / "cardfix"), "diff", "README.md"], cwd=elsewhere,
                            capture_output=True, text=True)
    assert diffed.returncode == 1 and "+base_model: gpt2" in diffed.stdout

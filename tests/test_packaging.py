"""The sdist and the wheel carry the rule packs and models: an installed lorebot reviews alone.

Built offline from the files git tracks or would track (sdist, then the wheel from the unpacked
sdist, as `python -m build` does), installed into a fresh venv, and run from
another folder with no source tree in sight. The fresh venv sees the project
venv's dependencies through a .pth line (no index, no network); lorebot itself
comes only from the wheel.
"""

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from kernel_repo import FIXTURES, HV_FILE

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def run(*args, cwd, env=None, timeout=300):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)
    return proc


def tracked_files() -> list[str]:
    proc = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT,
               timeout=60)
    if proc.returncode != 0:
        pytest.skip(f"not a git checkout: {proc.stderr.strip()}")
    return [p for p in proc.stdout.split("\0") if p and (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(sdist, wheel) built from a copy of the source files (not what .gitignore leaves out)."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src"
    for name in tracked_files():
        target = src / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    dist = tmp / "dist"
    proc = run(PYTHON, "-c", "import sys; from setuptools import build_meta as b; "
               "print(b.build_sdist(sys.argv[1]))", dist, cwd=src)
    assert proc.returncode == 0, proc.stderr
    sdist = dist / proc.stdout.split()[-1]
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    proc = run(PYTHON, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
               "--no-index", "--disable-pip-version-check", "-q", "-w", dist, unpacked,
               cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = dist.glob("*.whl")
    return sdist, wheel


def test_sdist_and_wheel_hold_every_pack_and_model(built):
    sdist, wheel = built
    rules = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "rules").rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    assert "rules/pci-hyperv/models/hv_irq_unmask.py" in rules
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert not set(rules) - in_sdist
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert not {"bot/" + r for r in rules} - in_wheel


def test_every_bot_package_is_listed(built):
    """pyproject lists the packages by hand (rules/ maps to bot.rules): none may be left out."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]
    on_disk = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
               for p in (ROOT / "bot").rglob("__init__.py")}
    assert not on_disk - set(packages), "add these to [tool.setuptools] packages"
    in_wheel = {n.rsplit("/", 1)[0].replace("/", ".")
                for n in zipfile.ZipFile(built[1]).namelist() if n.endswith("/__init__.py")}
    assert on_disk <= in_wheel


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    """A fresh venv holding the wheel; the dependencies come from the project venv."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    proc = run(sys.base_prefix + "/bin/python3", "-m", "venv", "--without-pip", venv,
               cwd=venv.parent)
    assert proc.returncode == 0, proc.stderr
    proc = run(PYTHON, "-m", "pip", "--python", venv / "bin" / "python", "install",
               "--no-index", "--no-deps", "--disable-pip-version-check", "-q", built[1],
               cwd=venv.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fresh = run(venv / "bin" / "python", "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv.parent)
    # A plain path line: the project venv's editable-install hook (a .pth of its own)
    # is not run, so `bot` can only come from the wheel.
    deps = sysconfig.get_paths()["purelib"]
    (Path(fresh.stdout.strip()) / "project-deps.pth").write_text(deps + "\n")
    return venv


def lorebot_env(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LOREBOT_RULES", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return env


def test_installed_wheel_reviews_the_v2_fixture_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "base" / HV_FILE).parent.mkdir(parents=True)
    (elsewhere / "v2.mbox").write_bytes((FIXTURES / "v2.mbox").read_bytes())
    (elsewhere / "base" / HV_FILE).write_bytes((FIXTURES / "base" / HV_FILE).read_bytes())
    env = lorebot_env(tmp_path)
    where = run(installed / "bin" / "python", "-c", "import bot; print(bot.__file__)",
                cwd=elsewhere, env=env)
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr
    proc = run(installed / "bin" / "lorebot", "review", "--mbox", "v2.mbox", "--tree", "base",
               "--format", "json", cwd=elsewhere, env=env)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    rules = {f["rule"] for f in doc["findings"]}
    assert {"hv-unmask-every-exit", "hv-unmask-behaviour", "log-line-length"} <= rules
    assert not doc["skipped"]


def test_installed_rules_override_and_extra_packs(installed, tmp_path):
    """$LOREBOT_RULES replaces the shipped packs."""
    env = lorebot_env(tmp_path)
    shipped = run(installed / "bin" / "lorebot", "rules", cwd=tmp_path, env=env)
    assert shipped.returncode == 0 and "hv-unmask-every-exit" in shipped.stdout
    pack = tmp_path / "mine"
    pack.mkdir()
    (pack / "one.toml").write_text('[[rule]]\nid = "my-description"\nkind = "commit-log"\n'
                                   'check = "description"\n')
    env["LOREBOT_RULES"] = str(pack)
    own = run(installed / "bin" / "lorebot", "rules", cwd=tmp_path, env=env)
    assert own.returncode == 0, own.stderr
    assert "my-description" in own.stdout and "hv-unmask-every-exit" not in own.stdout

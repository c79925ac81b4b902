"""Shared test setup: the tests folder is importable (helpers such as kernel_repo), and
no warm ``lorebot server`` of the user's serves the tests' commands (those that want one
start their own: tests/warm_server.py)."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="lorebot-tests-run-")
atexit.register(shutil.rmtree, os.environ["XDG_RUNTIME_DIR"], True)

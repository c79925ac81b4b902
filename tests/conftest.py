"""Shared test setup: the tests folder is importable (helpers such as kernel_repo)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

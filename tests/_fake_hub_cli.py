"""Run painterly's command line with a stand-in for the Hugging Face Hub (no network here).

``python tests/_fake_hub_cli.py models pull sd-turbo``: the Hub's two calls that a pull makes
(``HfApi.model_info`` and ``hf_hub_download``) answer from files made here, so the command's
real progress bar and verification run in a real process (under a pseudo-terminal in
test_cli_terminal.py). Files land in $HF_HOME as the real download puts them.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
import time
from pathlib import Path
from types import SimpleNamespace


def _safetensors() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    return struct.pack("<Q", len(header)) + header + struct.pack("<4f", 1, 2, 3, 4)


def install(revision: str) -> None:
    import huggingface_hub

    w = _safetensors()
    files = {"model_index.json": b"{}", "scheduler/scheduler_config.json": b"{}",
             "text_encoder/config.json": b"{}", "text_encoder/model.safetensors": w,
             "tokenizer/vocab.json": b"{}", "unet/config.json": b"{}",
             "unet/diffusion_pytorch_model.safetensors": w, "vae/config.json": b"{}",
             "vae/diffusion_pytorch_model.safetensors": w}

    def model_info(self, repo_id, revision=None, files_metadata=False, **kw):
        sib = [SimpleNamespace(rfilename=k, size=len(v), lfs=SimpleNamespace(
            sha256=hashlib.sha256(v).hexdigest()) if k.endswith(".safetensors") else None)
            for k, v in files.items()]
        return SimpleNamespace(sha=revision, siblings=sib)

    def hf_hub_download(repo_id, filename, revision=None, cache_dir=None, tqdm_class=None, **kw):
        data = files[filename]
        repo = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        dst = repo / "snapshots" / revision / filename
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            dst.symlink_to(blob)
        if tqdm_class is not None:
            bar = tqdm_class(total=len(data))
            time.sleep(0.05)  # a download takes a while: the bar is drawn between updates
            bar.update(len(data))
            bar.close()
        return str(dst)

    huggingface_hub.HfApi.model_info = model_info
    huggingface_hub.hf_hub_download = hf_hub_download


if __name__ == "__main__":
    from painterly.cli import script
    from painterly.models import get_model

    install(get_model(sys.argv[3]).revision)
    sys.argv = ["painterly", *sys.argv[1:]]
    script()

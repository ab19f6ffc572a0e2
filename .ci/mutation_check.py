#!/usr/bin/env python3
"""The mutation check (docs/testing.md): break a core behaviour on purpose, one line at a time,
and see whether the tests that guard it notice.

    python .ci/mutation_check.py            # every mutation
    python .ci/mutation_check.py Q3 T5      # some of them

For each mutation the repository (src, tests, docs, benchmarks, pyproject.toml) is copied into a
temporary folder next to a link to ../shared, the one line is replaced there (the checkout is never
touched), the behaviour's test files run with ``pytest -x``, and the result is printed: "caught"
(a test failed; the first one is named) or "SURVIVED" (every test passed). Run it with the
environment the tests need (the README's install); it takes 20-40 minutes on 2 busy cores.
Each ``old`` text must occur exactly once in its file, or the mutation is reported as stale.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
S = "src/painterly/"
CONTRACT = ["tests/test_io.py", "tests/test_contract.py", "tests/test_png.py", "tests/test_io_limits.py"]
LABEL = ["tests/test_provenance_xmp.py", "tests/test_provenance_label.py", "tests/test_io.py",
         "tests/test_label_standard.py"]
WM = ["tests/test_watermark.py"]
QUEUE = ["tests/test_service_store.py", "tests/test_service_queue.py", "tests/test_service_durability.py"]
IDEM = ["tests/test_service_store.py", "tests/test_service_idempotency.py", "tests/test_service_api.py"]
DRIFT = ["tests/test_provenance_drift.py", "tests/test_provenance_drift_judge.py"]
TEXT = ["tests/test_text_match.py", "tests/test_text_lexicon.py", "tests/test_text_e5.py"]

M = [
 # --- the image contract -------------------------------------------------------------------
 ("C1", "contract", S+"io.py", "    if lo < -RANGE_TOLERANCE or hi > 1.0 + RANGE_TOLERANCE:",
  "    if lo < -RANGE_TOLERANCE or hi > 255.0 + RANGE_TOLERANCE:", CONTRACT),
 ("C2", "contract", S+"io.py", "        raise InputError(\n            f\"{label}: {n} value(s) are NaN",
  "        if 0: raise InputError(\n            f\"{label}: {n} value(s) are NaN", CONTRACT),
 ("C3", "contract", S+"io.py", "    t += np.float32(0.5)", "    t += np.float32(0.0)", CONTRACT),
 ("C4", "contract", S+"io.py", "    return rgb * a + (1.0 - a)", "    return rgb * a", CONTRACT),
 ("C5", "contract", S+"io.py", "            ImageOps.exif_transpose(im, in_place=True)", "            pass", CONTRACT),
 ("C6", "contract", S+"io.py", "    if width * height > limits.max_pixels:", "    if width * height > 4 * limits.max_pixels:", CONTRACT),
 ("C7", "contract", S+"io.py", "        return _grey_to_rgb(np.clip(arr / 65535.0, 0.0, 1.0))",
  "        return _grey_to_rgb(np.clip(arr / 255.0, 0.0, 1.0))", CONTRACT),
 ("C8", "contract", S+"io.py", "    if not isinstance(out, np.ndarray) or out.dtype != np.float32 or out.shape != like.shape:",
  "    if not isinstance(out, np.ndarray) or out.dtype != np.float32:", CONTRACT),
 # --- the AI label -------------------------------------------------------------------------
 ("L1", "label", S+"provenance/xmp.py", 'TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"',
  'TC260_NS = "http://www.tc260.org.cn/ns/AIGC/2.0/"', LABEL),
 ("L2", "label", S+"provenance/record.py", '            "ContentProducer": self.producer,',
  '            "Producer": self.producer,', LABEL),
 ("L3", "label", S+"provenance/record.py", 'LABEL_AI_GENERATED = "1"', 'LABEL_AI_GENERATED = "2"', LABEL),
 ("L4", "label", S+"provenance/record.py", '            "ProduceID": self.produce_id if self.produce_id is not None else digest[:32],',
  '            "ProduceID": self.produce_id if self.produce_id is not None else digest[:16],', LABEL),
 ("L5", "label", S+"provenance/record.py", "    return hashlib.sha256(np.ascontiguousarray(img).data).hexdigest()",
  "    return hashlib.sha256(np.ascontiguousarray(img[::-1]).data).hexdigest()", LABEL),
 ("L6", "label", S+"provenance/xmp.py", "        for attr, value in el.attrib.items():",
  "        for attr, value in ():", LABEL),
 ("L7", "label", S+"provenance/label.py", "MIN_HEIGHT = 0.05", "MIN_HEIGHT = 0.03", LABEL),
 ("L8", "label", S+"provenance/label.py", "        return ImageFont.truetype(str(FONT_PATH), size)",
  "        return ImageFont.load_default(size)", LABEL),
 # --- the watermark ------------------------------------------------------------------------
 ("W1", "watermark", S+"watermark/detection.py", "            for f in (-0.0024, -0.0016, -0.0008, 0.0008, 0.0016, 0.0024):",
  "            for f in ():", WM),
 ("W2", "watermark", S+"watermark/embedding.py", "    target_rms = 10 ** (-config.psnr_db / 20)",
  "    target_rms = 10 ** (-(config.psnr_db + 6) / 20)", WM),
 ("W3", "watermark", S+"watermark/embedding.py", "    if config.informed:", "    if False:", WM),
 # --- the service queue --------------------------------------------------------------------
 ("Q1", "queue", S+"service/store.py", '                "attempts = attempts + 1, started = COALESCE(started, ?), progress = 0 "',
  '                "attempts = attempts, started = COALESCE(started, ?), progress = 0 "', QUEUE),
 ("Q2", "queue", S+"service/store.py", '                "AND lease_until < ? AND attempts < ?) ORDER BY created, rowid LIMIT 1) "',
  '                "AND lease_until > ? AND attempts < ?) ORDER BY created, rowid LIMIT 1) "', QUEUE),
 ("Q3", "queue", S+"service/store.py", '                "AND lease_until < ? AND attempts < ?) ORDER BY created, rowid LIMIT 1) "',
  '                "AND lease_until < ? AND attempts < ?) ORDER BY created DESC, rowid LIMIT 1) "', QUEUE),
 ("Q4", "queue", S+"service/store.py", '            again = retry and row["attempts"] < self.max_attempts',
  '            again = retry', QUEUE),
 ("Q5", "queue", S+"service/store.py", '            cur = db.execute("UPDATE jobs SET state = \'queued\', attempts = MAX(attempts - 1, 0), "',
  '            cur = db.execute("UPDATE jobs SET state = \'queued\', attempts = attempts, "', QUEUE),
 ("Q6", "queue", S+"service/store.py", '            if row is None or row["state"] != "running" or row["lease_owner"] != owner:\n                tmp.unlink',
  '            if row is None or row["state"] != "running":\n                tmp.unlink', QUEUE),
 # --- idempotency --------------------------------------------------------------------------
 ("I1", "idempotency", S+"service/store.py", '                    if row["idem_hash"] != idem_hash:',
  '                    if False:', IDEM),
 ("I2", "idempotency", S+"service/jobs.py", '            h.update(name.encode() + b"\\0" + hashlib.sha256(data).digest())',
  '            h.update(name.encode())', IDEM),
 ("I3", "idempotency", S+"service/jobs.py", '    h = hashlib.sha256(json.dumps(params, sort_keys=True, separators=(",", ":")).encode())',
  '    h = hashlib.sha256(json.dumps(params, separators=(",", ":")).encode())', IDEM),
 ("I4", "idempotency", S+"service/jobs.py", "                idem_hash=request_hash(params, files) if idem_key else None,",
  "                idem_hash=request_hash(params, {}) if idem_key else None,", IDEM),
 # --- the drift guard ----------------------------------------------------------------------
 ("D1", "drift", S+"provenance/drift.py", "    s_out = np.where(SUBJECTS, p_out, 0.0)", "    s_out = p_out", DRIFT),
 ("D2", "drift", S+"provenance/drift.py", "    if not SUBJECTS[g_in] or p_in[g_in] < config.sure:",
  "    if p_in[g_in] < config.sure:", DRIFT),
 ("D3", "drift", S+"provenance/drift.py", '    return {**out, "drifted": bool(kept < config.keep and s_out.max() >= config.new_subject)}',
  '    return {**out, "drifted": bool(kept < config.keep)}', DRIFT),
 ("D4", "drift", S+"provenance/drift.py", "    keep: float = 0.05", "    keep: float = 0.5", DRIFT),
 ("D5", "drift", S+"provenance/drift.py", '    (147, 150, "mammal"), (151, 280, "dog"), (281, 293, "cat"), (294, 299, "mammal"),',
  '    (147, 150, "mammal"), (151, 280, "dog"), (281, 293, "dog"), (294, 299, "mammal"),', DRIFT),
 # --- text matching ------------------------------------------------------------------------
 ("T1", "text", S+"text/embed.py", "        return E5(model_path=str(path))",
  "        raise ModelMissingError('broken on purpose')", TEXT),
 ("T2", "text", S+"text/match.py", '    use_e5 = cjk and config.e5 and embed.available("e5")', "    use_e5 = False", TEXT),
 ("T3", "text", S+"text/embed.py", "            out = enc.query(texts) if query else enc.passage(texts)",
  "            out = enc.passage(texts)", TEXT),
 ("T4", "text", S+"text/match.py", "        score = 1.0 - (1.0 - np.minimum(score, 1.0)) * (1.0 - config.exact_bonus) ** n_hits",
  "        score = score", TEXT),
 ("T5", "text", S+"text/match.py", "    english, _ = translate(text) if cjk and config.lexicon else (text, [])",
  "    english, _ = (text, [])", TEXT),
 ("T6", "text", S+"text/embed.py", "    return np.ascontiguousarray(out / np.maximum(norm, 1e-12), dtype=np.float32)",
  "    return np.ascontiguousarray(out, dtype=np.float32)", TEXT),
]

M += [
 ("C9", "contract", S+"io.py", "        oriented = ImageOps.exif_transpose(im)", "        oriented = im", CONTRACT),
 ("C10", "contract", S+"io.py", "    if max(width, height) > limits.max_side:", "    if min(width, height) > limits.max_side:", CONTRACT),
 ("C11", "contract", S+"io.py", "        return _check_range(img, label)", "        return img", CONTRACT),
 ("C12", "contract", S+"io.py", '        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")',
  '        im = im.convert("RGB")', CONTRACT),
 ("C13", "contract", S+"io.py", "    if lo < 0.0 or hi > 1.0:\n        return np.clip(arr, 0.0, 1.0)",
  "    if lo < 0.0 or hi > 1.0:\n        return arr", CONTRACT),
]

M += [
 ("Q7", "queue", S+"service/store.py", "            return cur.rowcount == 1\n\n    def finish(",
  "            return True\n\n    def finish(", QUEUE),
 ("Q8", "queue", S+"service/store.py", '                "lease_until = NULL WHERE id = ? AND state IN (\'queued\', \'running\')",',
  '                "lease_until = NULL WHERE id = ? AND state IN (\'queued\', \'running\', \'succeeded\')",', QUEUE),
 ("Q9", "queue", S+"service/store.py", "            cur = db.execute(\"UPDATE jobs SET lease_until = 0 WHERE state = 'running'\")",
  "            cur = db.execute(\"UPDATE jobs SET lease_until = lease_until WHERE state = 'running'\")", QUEUE),
]


def _copy(dest: Path) -> Path:
    repo = dest / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv*", ".pytest_cache")
    for name in ("src", "tests", "docs", "benchmarks"):
        shutil.copytree(REPO / name, repo / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, repo / name)
    shared = REPO.parent / "shared"
    if shared.exists():
        (dest / "shared").symlink_to(shared.resolve())
    return repo


def run(only: set[str]) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="painterly-mutations-") as tmp:
        repo = _copy(Path(tmp))
        env = {**os.environ, "PYTHONPATH": str(repo / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        for mid, behaviour, rel, old, new, tests in M:
            if only and mid not in only:
                continue
            path = repo / rel
            text = path.read_text(encoding="utf-8")
            if text.count(old) != 1:
                results[mid] = {"behaviour": behaviour, "stale": f"{text.count(old)} matches in {rel}"}
                print(mid, "STALE", results[mid]["stale"], flush=True)
                continue
            line = text[:text.index(old)].count("\n") + 1
            path.write_text(text.replace(old, new), encoding="utf-8")
            started = time.monotonic()
            try:
                r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                    "-o", "addopts=", *[t for t in tests if (repo / t).exists()]],
                                   cwd=repo, env=env, capture_output=True, text=True, timeout=1800)
                failed = [ln.split(" ", 1)[1].split(" - ")[0] for ln in r.stdout.splitlines()
                          if ln.startswith(("FAILED", "ERROR"))]
                caught = r.returncode not in (0, 5)
            except subprocess.TimeoutExpired:
                failed, caught = ["(timed out: a hang counts as caught)"], True
            finally:
                path.write_text(text, encoding="utf-8")
            results[mid] = {"behaviour": behaviour, "where": f"{rel}:{line}", "caught": caught,
                            "by": failed[:1], "seconds": round(time.monotonic() - started)}
            print(mid, "caught" if caught else "SURVIVED", f"{rel}:{line}", *failed[:1], flush=True)
    return results


if __name__ == "__main__":
    found = run(set(sys.argv[1:]))
    survived = sorted(m for m, r in found.items() if not r.get("caught"))
    print(json.dumps({"mutations": len(found), "survived": survived}))

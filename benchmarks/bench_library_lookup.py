"""Cost of looking up a style when the user's library is read from its folder at lookup time.

Measures, in one run, with a library of N entries in a temporary folder:
  built-in lookup      get_style("watercolor"): never touches the library
  library, cached      get_style(entry): one stat of the folder, stamp unchanged
  library, re-read     the same after the folder changed: every JSON entry is read again
  cold first use       a fresh interpreter: import painterly + list_styles() (providers load)

Run:  python benchmarks/bench_library_lookup.py [--entries 50]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _per_call(fn, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=50)
    args = ap.parse_args(argv)
    from painterly.library import Library
    from painterly.library.store import _write
    from painterly.styles import get_style, list_styles

    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(Path(tmp) / "lib")
        rng = np.random.default_rng(0)
        painting = rng.random((64, 64, 3)).astype(np.float32)
        first = lib.add(painting, name="entry-0", description="benchmark entry")
        for i in range(1, args.entries):  # same entry under other names: only reading is measured
            _write(lib.folder / f"entry-{i}.json", first.__class__(**{**first.__dict__,
                                                                       "name": f"entry-{i}"}))
        old = time.time_ns() - 10**10  # a change long ago: the stamp is trusted
        os.utime(lib.folder, ns=(old, old))
        list_styles(library=False)
        get_style("entry-1", library=lib)
        builtin = _per_call(lambda: get_style("watercolor", library=lib), 2000)
        cached = _per_call(lambda: get_style("entry-1", library=lib), 2000)

        def reread():
            lib._stamp = None  # what a changed stamp does
            get_style("entry-1", library=lib)

        fresh = _per_call(reread, 20)
    code = "import time; t=time.perf_counter(); import painterly; painterly.list_styles(); " \
           "print(time.perf_counter()-t)"
    colds = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(3)]
    print(f"# library lookup benchmark  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs "
          f"python {platform.python_version()}; library of {args.entries} entries")
    print("| lookup | time |")
    print("|---|---|")
    print(f"| built-in name | {builtin:.1f} us |")
    print(f"| library entry, stamp unchanged | {cached:.1f} us |")
    print(f"| library entry, folder changed (re-read) | {fresh / 1000:.2f} ms |")
    print(f"| cold first use (import + catalogue), median of 3 | {sorted(colds)[1]:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

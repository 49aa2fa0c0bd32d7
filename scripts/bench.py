"""Every benchmark in turn (`make bench`): runs each scripts/bench_*.py with --write, so that each one updates
its own section of docs/BENCHMARKS.md. A script that has no --write option (it only prints its Markdown table,
to be pasted by hand) is run without it. Extra arguments name the benchmarks to run (`national_map docx`).

    .venv/bin/python scripts/bench.py [name ...]

Exits non-zero when one of them failed (the others still run).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        wanted = {a.removeprefix("bench_").removesuffix(".py") for a in argv}
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failed = []
    for script in scripts:
        writes = "--write" in script.read_text(encoding="utf-8")
        cmd = [sys.executable, str(script)] + (["--write"] if writes else [])
        print(f"\n### {script.name}{'' if writes else ' (no --write: table printed only)'}\n", flush=True)
        t = time.perf_counter()
        rc = subprocess.call(cmd, cwd=HERE.parent)
        print(f"\n{script.name}: {'ok' if rc == 0 else f'FAILED ({rc})'} in {time.perf_counter() - t:.0f} s",
              file=sys.stderr, flush=True)
        if rc:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

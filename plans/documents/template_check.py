"""Whether a Word model an administrator uploads may replace the current one (app/planning/export.py, the page
/plans/modele-word): [] when it may, else French problems, and the current model stays.

    problems = check_replacement(session, path)

The model is tried in a child Python process that bounds its own address space (RLIMIT_AS) and CPU time
(RLIMIT_CPU), under a wall-clock timeout: there, plans/documents/template_safety.py reads the package with bounds
(nothing inflated before its declared sizes are checked), checks every tag against the shape of the three test
cases' contexts, renders the model once per test case in the sandbox, and checks the required variables. A model
that fails, hangs or balloons is refused; the web worker never parses it.

The three test cases (docs/DOMAIN.md §14) are seeded in a transaction that is rolled back, so their contexts come
from the real document builder (`plan_document.build_context`) on any database, with or without the demo data.
The map is left out of the samples (its place holds the sentence the document shows without a territory).
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from plans.core.errors import ValidationError
from plans.demo import seed as demo
from plans.documents import plan_document
from plans.planning.models import Plan

ROOT = Path(__file__).resolve().parents[2]  # the directory that holds the `plans` package
TRIAL_MEMORY_BYTES = 1024 * 1024 * 1024  # the child's address space: Python, docxtpl, lxml and three renders
TRIAL_CPU_SECONDS = 20
TRIAL_WALL_SECONDS = 60
# -I: no environment variable, user site or current directory reaches the child; -B: no .pyc written.
CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from plans.documents.template_safety import trial_main; " \
        "trial_main()"

log = logging.getLogger(__name__)


def sample_contexts(session: Session) -> list[tuple[str, dict]]:
    """(owner, context) of the three test cases, as the export would build them (the map left out).

    They are seeded by a scratch session on a connection of its own, in a transaction rolled back before returning:
    the database is left as it was; SQLite's write lock is released before the (long) trial, not held by the
    caller's transaction until the request ends; and `session` never holds the seeded rows (a savepoint rolled back
    in `session` itself would put back rows created then deleted inside it). The caller must hold no uncommitted
    write (SQLite would make the scratch session wait for it)."""
    with Session(bind=session.get_bind()) as scratch:
        try:
            samples = []
            for seeded in demo.seed_test_cases(scratch):
                plan = scratch.get(Plan, seeded.id)
                samples.append((seeded.owner, plan_document.build_context(plan, scratch, with_map=False)))
            return samples
        finally:
            scratch.rollback()


def check_replacement(session: Session, path) -> list[str]:
    """The French problems of the model at `path` ([] when it may replace the current one), tried within
    TRIAL_MEMORY_BYTES, TRIAL_CPU_SECONDS and TRIAL_WALL_SECONDS."""
    try:
        samples = sample_contexts(session)
    except ValidationError as error:
        return ["Le modèle n'a pas pu être essayé : les trois cas tests ne peuvent pas être construits sur cette "
                f"installation ({'; '.join(error.messages)}). Chargez les limites administratives (geodata load)."]
    return run_trial(path, samples, plan_document.REQUIRED_VARIABLES, memory=TRIAL_MEMORY_BYTES,
                     cpu=TRIAL_CPU_SECONDS, wall=TRIAL_WALL_SECONDS)


def run_trial(path, samples: list[tuple[str, dict]], required, *, memory: int, cpu: int, wall: int) -> list[str]:
    """template_safety.trial in a child process bounded to `memory` bytes of address space, `cpu` seconds of CPU
    time and `wall` seconds in all; its problems, or why it was stopped."""
    payload = json.dumps({"path": str(Path(path).resolve()), "samples": samples, "required": sorted(required),
                          "memory": memory, "cpu": cpu}, ensure_ascii=False)
    too_long = (f"Le modèle a été refusé : son essai sur les trois cas tests a dépassé le temps permis ({cpu} s de "
                f"calcul, {wall} s en tout). Un modèle ne doit pas répéter autant de texte.")
    too_big = (f"Le modèle a été refusé : son essai sur les trois cas tests a dépassé la mémoire permise "
               f"({memory // (1024 * 1024)} Mo). Un modèle ne doit pas produire autant de texte.")
    try:
        done = subprocess.run([sys.executable, "-I", "-B", "-c", CHILD, str(ROOT)], input=payload.encode(),
                              capture_output=True, timeout=wall, env={"LANG": "C.UTF-8", "PATH": os.defpath})
    except subprocess.TimeoutExpired:
        return [too_long]
    try:
        result = json.loads(done.stdout.decode() or "null")
    except ValueError:
        result = None
    if done.returncode == 0 and isinstance(result, dict):
        if result.get("exceeded") == "memory":
            return [too_big]
        return [str(p) for p in result.get("problems", [])]
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return [too_long]
    log.warning("Word model trial stopped (code %s): %s", done.returncode, done.stderr.decode(errors="replace")[-2000:])
    return [too_big if b"MemoryError" in done.stderr else
            "Le modèle a été refusé : son essai sur les trois cas tests a échoué."]

"""What every benchmark shares: the benchmark database, the machine's description, the accounts, the budget
checks and the writing of one "## Section" of docs/BENCHMARKS.md.

The database: a SQLite file (in a temporary folder unless --db names one; a postgresql:// URL works too, on an
empty database), migrated with Alembic (flask_migrate.upgrade), the territory loaded, three accounts (admin,
national reviewer, planner of Koniakary), the three test cases, `plans.demo.seed.seed_random_plans` on every commune
without a plan (or --plans N) with --actions each, and one more random plan of --big-actions actions (the "big
plan" of the plan map, Word export, comparison and plan file benchmarks). Each step is timed; the times are kept
in a JSON file beside the database, so a reused --db still reports how long it took to make.

Each bench script is `main(argv)` (`main(run, __doc__, argv)` here) around `run(args) -> Report`, which starts
with `start(args)` (the database, the app, what it holds) and ends with `Bench.report`; `finish(report, args)`
prints the section, writes it with --write, appends its checks to --summary, and gives the exit code: 0 when every
budget holds, 2 when one is exceeded (the section is written all the same). A check that cannot be measured
raises: exit 1.
"""
from __future__ import annotations

import argparse
import atexit
import gzip
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"

# The order of the sections in docs/BENCHMARKS.md; a section not listed goes after them.
SECTION_ORDER = ("Machine", "Résumé", "Territoire et données de démonstration", "Carte nationale", "Carte d'un plan",
                 "Export Word", "Comparaison de plans", "Fichier du plan (JSON)", "Pages et enregistrements (SQLite)",
                 "Pages et enregistrements (PostgreSQL)", "Exécution (suivi et bilan annuel)",
                 "Charge (gunicorn + wrk)", "Limites")

PASSWORD = "Banc-de-mesure-Kx7-2026!"
ADMIN_EMAIL = "admin@banc.ml"
REVIEWER_EMAIL = "relecteur@banc.ml"
PLANNER_EMAIL = "planificateur@banc.ml"
SECRET_KEY = "pdlm-benchmark-secret-key-not-for-production"
DEFAULT_ACTIONS = 40
DEFAULT_BIG_ACTIONS = 150
BIG_PLAN_SEED = 11


# ---------------------------------------------------------------------------------------------------------------
# Arguments, reports, checks


def parser(description: str) -> argparse.ArgumentParser:
    """The options every bench script takes (the database ones only matter when it creates the database)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--db", default=None,
                    help="SQLite file or postgresql:// URL to create or reuse (default: a fresh temporary SQLite file)")
    ap.add_argument("--plans", type=int, default=None,
                    help="random plans when creating the database (default: one on every commune without a plan)")
    ap.add_argument("--actions", type=int, default=DEFAULT_ACTIONS, help="actions per random plan")
    ap.add_argument("--big-actions", type=int, default=DEFAULT_BIG_ACTIONS, help="actions of the big plan")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per measure (median and range)")
    ap.add_argument("--write", action="store_true", help="write the section into docs/BENCHMARKS.md")
    ap.add_argument("--summary", default=None, help="JSON-lines file to which the budget checks are appended")
    return ap


@dataclass
class Check:
    """One line of the summary: what was measured against its budget and its naive baseline."""

    what: str
    measured: str
    budget: str = ""  # "" when the issues set no budget
    ok: Optional[bool] = None  # None: no budget
    naive: str = ""
    ratio: str = ""


@dataclass
class Report:
    title: str  # the section's title, without "## "
    body: str  # Markdown
    checks: list[Check] = field(default_factory=list)


def budget(what: str, value: float, limit: float, fmt: Callable[[float], str], **extra) -> Check:
    """A Check of `value` ≤ `limit`; a value that is not a finite number means it could not be measured."""
    if value is None or not isinstance(value, (int, float)) or value != value or value < 0:
        raise RuntimeError(f"budget check « {what} » could not be measured (got {value!r})")
    return Check(what, fmt(value), f"≤ {fmt(limit)}", value <= limit, **extra)


def finish(report: Report, args) -> int:
    print(f"## {report.title}\n\n{report.body}")
    if args.write:
        write_section(report.title, report.body)
        print(f"\nwritten to {BENCHMARKS.relative_to(ROOT)} (## {report.title})", file=sys.stderr)
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as f:
            for c in report.checks:
                f.write(json.dumps({"section": report.title, **asdict(c)}, ensure_ascii=False) + "\n")
    over = [c for c in report.checks if c.ok is False]
    for c in over:
        print(f"OVER BUDGET: {report.title}: {c.what}: {c.measured} (budget {c.budget})", file=sys.stderr)
    return 2 if over else 0


# ---------------------------------------------------------------------------------------------------------------
# Formatting and timing


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB".replace(",", " ")


def ms(x: float) -> str:
    return f"{x:,.0f} ms".replace(",", " ") if x >= 100 else f"{x:.1f} ms"


def spread(times: list[float]) -> str:
    """"123 ms (110–140)": median (min–max)."""
    return f"{ms(statistics.median(times))} ({ms(min(times)).removesuffix(' ms')}–{ms(max(times))})"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "?"


def gz(data: bytes) -> int:
    """The size gzip gives (level 6, what nginx's gzip and Python's default use)."""
    return len(gzip.compress(data, compresslevel=6))


def repeat(fn: Callable[..., object], runs: int, *,
           before: Optional[Callable[[], object]] = None) -> tuple[list[float], object]:
    """Times (ms) of `runs` calls of fn after one warm-up call, and the last result. With `before`, each call
    (the warm-up too) is fn(before()), before() outside the timing: a plan reloaded on an emptied session, say."""
    def argument() -> tuple:
        return () if before is None else (before(),)

    result = fn(*argument())
    times = []
    for _ in range(runs):
        given = argument()
        t = time.perf_counter()
        result = fn(*given)
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def median_range(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), min(times), max(times)


# ---------------------------------------------------------------------------------------------------------------
# The machine


def _ram() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "?"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def database_engine(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return "PostgreSQL " + c.execute(sa.text("SHOW server_version")).scalar().split()[0]
    finally:
        engine.dispose()


def machine(url: str) -> str:
    return (f"{os.cpu_count()} CPU (nproc), RAM {_ram()}, Python {platform.python_version()}, {_os_name()} "
            f"({platform.system()} {platform.release()} {platform.machine()}), {database_engine(url)}")


def measured_under(url: str, load_start: str) -> str:
    """The line every section ends with: the machine, and the load average (1/5/15 min) when it started and ended."""
    return (f"Machine: {machine(url)}. Load average (1 / 5 / 15 min) {load_start} at the start of this benchmark, "
            f"{load_average()} at its end: above {os.cpu_count()}, other processes shared the CPUs and the times "
            "are upper bounds.")


# ---------------------------------------------------------------------------------------------------------------
# The database


def database_url(db: str) -> str:
    if "://" in db:
        for prefix in ("postgres://", "postgresql://"):
            if db.startswith(prefix):
                return "postgresql+psycopg://" + db[len(prefix):]
        return db
    return f"sqlite:///{Path(db).resolve()}"


def _sidecar(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):] + ".seed.json")
    return Path(tempfile.gettempdir()) / f"pdlm_bench_{hashlib.sha1(url.encode()).hexdigest()[:12]}.seed.json"


def _environment(instance: Path) -> None:
    """create_app reads its instance folder and secret key from the environment: keep both out of instance/."""
    os.environ["PDLM_INSTANCE_PATH"] = str(instance)
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["PDLM_DEMO"] = "0"


def bench_app(url: str, **overrides):
    """The Flask app on the benchmark database, for the test client (no CSRF, no Word template upload folder),
    with the startup heap frozen as a server process's (wsgi.py, app.freeze_startup_heap)."""
    instance = Path(tempfile.gettempdir()) / "pdlm_bench_instance"
    instance.mkdir(exist_ok=True)
    _environment(instance)
    from app import create_app, freeze_startup_heap

    config = {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "TESTING": True, "SECRET_KEY": SECRET_KEY,
              "DEMO_DATA": False, "SERVER_NAME": None, "DOCX_TEMPLATE_DIR": str(instance / "no-upload")}
    config.update(overrides)
    app = create_app(config)
    freeze_startup_heap()
    return app


@dataclass
class BenchDB:
    url: str
    created: bool
    steps: dict  # step → seconds (those of the run that created the database)
    sizes: dict  # plans, actions, big_actions asked when it was created, its date and the load average then

    @property
    def sqlite_path(self) -> Optional[Path]:
        return Path(self.url[len("sqlite:///"):]) if self.url.startswith("sqlite:///") else None


def _is_migrated(url: str) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return "alembic_version" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def prepare(db: str, *, plans: Optional[int] = None, actions: int = DEFAULT_ACTIONS,
            big_actions: int = DEFAULT_BIG_ACTIONS) -> BenchDB:
    """The benchmark database: created and seeded (each step timed) unless `db` already holds one."""
    url = database_url(db)
    sidecar = _sidecar(url)
    if _is_migrated(url):
        if not sidecar.exists():  # written last: its absence means a set-up that did not finish, or another database
            raise RuntimeError(f"{db} is not a finished benchmark database (no {sidecar.name}): remove it, or give "
                               "--db a new file")
        meta = json.loads(sidecar.read_text())
        print(f"reusing the benchmark database {db}", file=sys.stderr)
        return BenchDB(url, False, meta["steps"], meta["sizes"])

    from flask_migrate import upgrade

    from app.extensions import db as flask_db
    from plans.accounts import service as accounts_service
    from plans.accounts.models import Role
    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.owners import service as owners_service
    from plans.territory.loader import load_geodata

    print(f"creating the benchmark database {db}", file=sys.stderr)
    app = bench_app(url)
    steps: dict[str, float] = {}

    def step(name: str, fn):
        t = time.perf_counter()
        result = fn()
        flask_db.session.commit()
        steps[name] = time.perf_counter() - t
        print(f"  {name}: {steps[name]:.1f} s", file=sys.stderr, flush=True)
        return result

    def progress(every: int):
        done = [0]

        def tick(_seeded):
            done[0] += 1
            if done[0] % every == 0:
                print(f"    {done[0]} plans", file=sys.stderr, flush=True)
        return tick

    with app.app_context():
        session = flask_db.session
        step("migrate", upgrade)
        step("territory", lambda: load_geodata(session, app.config["GEODATA_DIR"]))

        def accounts():
            for email, role, name, owners in (
                    (ADMIN_EMAIL, Role.ADMIN, "Administrateur du banc", []),
                    (REVIEWER_EMAIL, Role.REVIEWER, "Relecteur national du banc", []),
                    (PLANNER_EMAIL, Role.PLANNER, "Planificateur du banc",
                     [owners_service.commune_owner(session, D.KONIAKARY_PCODE)])):
                accounts_service.create_user(session, email=email, password=PASSWORD, role=role, full_name=name,
                                             owners=owners)
        step("accounts", accounts)
        step("test_cases", lambda: demo.seed_test_cases(session))
        step("random_plans", lambda: demo.seed_random_plans(session, plans, actions=actions, seed=7,
                                                            progress=progress(100)))
        step("big_plan", lambda: demo.seed_random_plans(session, 1, actions=big_actions, seed=BIG_PLAN_SEED))
        session.remove()
    sizes = {"plans": plans, "actions": actions, "big_actions": big_actions,
             "created_at": time.strftime("%Y-%m-%d %H:%M"), "load_average": load_average()}
    sidecar.write_text(json.dumps({"steps": steps, "sizes": sizes}, indent=1))
    return BenchDB(url, True, steps, sizes)


def open_database(args) -> BenchDB:
    """The database of a bench script's options: --db, or a temporary one removed when the script ends."""
    db = args.db
    if db is None:
        folder = tempfile.mkdtemp(prefix="pdlm_bench_")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        db = str(Path(folder) / "bench.sqlite3")
    return prepare(db, plans=args.plans, actions=args.actions, big_actions=args.big_actions)


@dataclass
class Contents:
    plans: int
    actions: int
    communes: int
    communes_with_plan: int
    big_plan_id: int
    big_plan_actions: int
    case_ids: dict  # test case uuid → plan id


def contents(session) -> Contents:
    """What the database holds, and the big plan: the random plan with the most actions."""
    import sqlalchemy as sa

    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.owners.models import PlanOwner
    from plans.planning.models import Action, Plan

    n_actions = sa.func.count(Action.id)
    big = session.execute(
        sa.select(Plan.id, n_actions).join(Action, Action.plan_id == Plan.id)
        .where(Plan.uuid.not_in(D.TEST_CASE_UUIDS)).group_by(Plan.id)
        .order_by(n_actions.desc(), Plan.id.desc()).limit(1)).one_or_none()
    if big is None:
        raise RuntimeError("the benchmark database holds no random plan with actions")
    every = {c.id for c in demo.communes(session)}
    with_plan = set(session.scalars(sa.select(PlanOwner.unit_id).join(Plan, Plan.owner_id == PlanOwner.id)
                                    .where(PlanOwner.unit_id.in_(every))))
    return Contents(
        plans=session.scalar(sa.select(sa.func.count(Plan.id))),
        actions=session.scalar(sa.select(sa.func.count(Action.id))),
        communes=len(every), communes_with_plan=len(with_plan),
        big_plan_id=big[0], big_plan_actions=big[1],
        case_ids={u: session.scalar(sa.select(Plan.id).where(Plan.uuid == u)) for u in D.TEST_CASE_UUIDS})


def login(client, email: str = ADMIN_EMAIL) -> None:
    """Logs the test client in (CSRF is off in bench_app); fails loudly when the login is refused."""
    r = client.post("/compte/connexion", data={"email": email, "password": PASSWORD})
    if r.status_code != 302:
        raise RuntimeError(f"login of {email} refused: HTTP {r.status_code}")


# ---------------------------------------------------------------------------------------------------------------
# A bench script: its start, its page requests, its section and its main


@dataclass
class Bench:
    """What a bench script starts from: the load average before anything, the database of its options, the app
    on it and what the database holds."""

    load_start: str
    db: BenchDB
    app: object
    contents: Contents
    runs: int  # --runs, at least 5

    def client(self):
        """A test client logged in as the admin."""
        client = self.app.test_client()
        login(client)
        return client

    def report(self, title: str, intro: str, lines: list[str], checks: list[Check]) -> Report:
        """The section: how it was measured, its table lines, then the machine and the load (measured_under)."""
        table = "\n".join(lines)
        return Report(title, f"{intro}\n\n{table}\n\n{measured_under(self.db.url, self.load_start)}", checks)


def start(args, **overrides) -> Bench:
    """`overrides`: app settings of this benchmark (bench_app)."""
    load_start = load_average()
    bench_db = open_database(args)

    from app.extensions import db

    app = bench_app(bench_db.url, **overrides)
    with app.app_context():
        found = contents(db.session)
        db.session.remove()
    analyse(bench_db.url)
    return Bench(load_start, bench_db, app, found, max(args.runs, 5))


def analyse(url: str) -> None:
    """PostgreSQL: the planner's statistics brought up to date, as a production server's autovacuum keeps them. The
    throw-away server of scripts/pg_test_server.sh runs without autovacuum: a database filled there had the
    statistics of its first rows, and PostgreSQL chose a sequential scan of the 60 000 funding lines for an action
    save's count (9 ms instead of 0,7). SQLite: left as an installation has it (no ANALYZE is ever run there)."""
    import sqlalchemy as sa

    if not database_url(url).startswith("postgresql"):
        return
    engine = sa.create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()


@dataclass
class PageTimes:
    sent: bytes  # the body as sent
    page: bytes  # the same, decompressed when the app compressed it
    compressed_by_app: bool
    cold: float  # ms: the first request of the process
    warm: list[float]  # ms: the requests after it


def time_page(client, url: str, runs: int) -> PageTimes:
    """GET url (`Accept-Encoding: gzip`) once cold, then `runs` times warm; anything but a 200 raises."""
    def get():
        t = time.perf_counter()
        r = client.get(url, headers={"Accept-Encoding": "gzip"})
        dt = (time.perf_counter() - t) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {r.status_code}")
        return r, dt

    r, cold = get()
    sent = r.get_data()
    by_app = r.headers.get("Content-Encoding") == "gzip"
    warm = [get()[1] for _ in range(runs)]
    return PageTimes(sent, gzip.decompress(sent) if by_app else sent, by_app, cold, warm)


def main(run: Callable[[argparse.Namespace], Report], doc: str, argv=None, *,
         options: Optional[Callable[[argparse.ArgumentParser], None]] = None, **defaults) -> int:
    """A bench script's main: the common options (its own added by `options`, `defaults` changed), run, finish."""
    ap = parser(doc.splitlines()[0])
    if options is not None:
        options(ap)
    ap.set_defaults(**defaults)
    args = ap.parse_args(argv)
    return finish(run(args), args)


# ---------------------------------------------------------------------------------------------------------------
# docs/BENCHMARKS.md


_HEADING = re.compile(r"^## (.+)$", re.M)


def write_section(title: str, body: str, path: Path = BENCHMARKS) -> None:
    """Replaces (or adds, in SECTION_ORDER) the section "## title" of docs/BENCHMARKS.md, the others untouched."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    heads = list(_HEADING.finditer(text))
    preamble = text[:heads[0].start()] if heads else text
    sections: dict[str, str] = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        sections[m.group(1).strip()] = text[m.end():end].strip("\n")
    sections[title] = body.strip("\n")
    known = [t for t in SECTION_ORDER if t in sections]
    ordered = known + [t for t in sections if t not in SECTION_ORDER]
    out = preamble.rstrip("\n") + "\n\n" + "\n\n".join(f"## {t}\n\n{sections[t]}" for t in ordered) + "\n"
    path.write_text(out, encoding="utf-8")


def static_links(html: str) -> list[str]:
    """The local scripts and stylesheets a page links to (what a browser fetches on a first visit)."""
    links = re.findall(r"""<script\b[^>]*\bsrc\s*=\s*["'](/[^"']+)["']""", html, re.I)
    links += re.findall(r"""<link\b[^>]*\bhref\s*=\s*["'](/[^"']+\.css[^"']*)["'][^>]*>""", html, re.I)
    return list(dict.fromkeys(links))


def fetch_bytes(client, url: str, gzip: bool = False) -> bytes:
    """The body as sent: compressed when `gzip` (the request says `Accept-Encoding: gzip`, as every browser does)."""
    r = client.get(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    try:
        if r.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {r.status_code}")
        return r.get_data()
    finally:
        r.close()

"""LibreOffice on the server, headless: the council document as PDF, with its sommaire laid out and numbered.

    office = Office(soffice="soffice", python="/usr/bin/python3", timeout=120)
    office.unavailable()            # None when conversions can run, else why not, in French
    converted = office.convert(docx_bytes)   # Converted(pdf, toc, seconds); OfficeError (French) on failure

A conversion runs plans/documents/uno_convert.py with LibreOffice's own Python (the venv has no `uno`): soffice
starts with a fresh user profile in a temporary folder (no lock shared with another conversion), the indexes are
updated (a plain `soffice --convert-to pdf` prints a TOC field as it was typed) and the PDF written. The script
runs in a process group of its own; past `timeout` seconds the whole group (script, soffice, soffice.bin) is
killed and OfficeError says so. `converted.toc` is the sommaire as LibreOffice numbered it, for
plans.documents.plan_document.set_toc_pages.

With a `cache_dir`, a conversion is kept under the digest of the document's content (every part of the package but
docProps/core.xml, whose save time changes at each render): downloading the same plan again, as .docx or PDF, costs
no second conversion; any change to the plan or the model changes the digest. The `CACHE_KEEP` newest are kept.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

UNO_SCRIPT = Path(__file__).with_name("uno_convert.py")
DEFAULT_PYTHON = "/usr/bin/python3"  # Debian's python3-uno installs `uno` for the system Python
DEFAULT_TIMEOUT = 120  # seconds: a 150-action plan takes a few seconds; a stuck soffice must not hold a worker
PDF_MIMETYPE = "application/pdf"
CACHE_KEEP = 40  # conversions kept in cache_dir (a PDF of a 150-action plan is about 1 MB)
INSTALL_HINT = ("Pour l'activer, l'administrateur du serveur installe LibreOffice (paquets Debian "
                "libreoffice-writer-nogui et python3-uno, voir README).")


class OfficeError(Exception):
    """A conversion that failed or overran its time; the message is French, for the user."""


@dataclass
class Converted:
    pdf: bytes
    toc: list[dict] = field(default_factory=list)  # [{"level": 1, "text": "I. Introduction", "page": "5"}]
    seconds: float = 0.0


def content_digest(docx: bytes) -> str:
    """SHA-256 of a .docx package's parts and their names, docProps/core.xml (its save time) left out."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        for name in sorted(package.namelist()):
            if name != "docProps/core.xml":
                digest.update(name.encode("utf-8") + b"\0" + package.read(name) + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _has_uno(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@dataclass(frozen=True)
class Office:
    soffice: str | None = "soffice"  # a command name or a path; None or "" = conversions disabled
    python: str = DEFAULT_PYTHON
    timeout: float = DEFAULT_TIMEOUT
    cache_dir: Path | None = None

    def soffice_path(self) -> str | None:
        return shutil.which(self.soffice) if self.soffice else None

    def unavailable(self) -> str | None:
        """None when a conversion can run; otherwise a French sentence saying why the PDF is not offered."""
        if not self.soffice:
            return "La conversion en PDF est désactivée sur ce serveur. " + INSTALL_HINT
        if self.soffice_path() is None:
            return "LibreOffice n'est pas installé sur ce serveur : le PDF ne peut pas être produit. " + INSTALL_HINT
        python = shutil.which(self.python)
        if python is None or not _has_uno(python):
            return ("LibreOffice est installé, mais pas son pont Python (paquet Debian python3-uno) qui met à jour "
                    "le sommaire : le PDF ne peut pas être produit. " + INSTALL_HINT)
        return None

    def convert(self, docx: bytes) -> Converted:
        """The .docx as PDF, its indexes updated, and the sommaire's entries with their pages."""
        reason = self.unavailable()
        if reason is not None:
            raise OfficeError(reason)
        key = content_digest(docx)
        cached = self._cached(key)
        if cached is not None:
            return cached
        converted = self._convert(docx)
        self._keep(key, converted)
        return converted

    def _cached(self, key: str) -> Converted | None:
        if self.cache_dir is None:
            return None
        pdf, toc = self.cache_dir / f"{key}.pdf", self.cache_dir / f"{key}.json"
        try:
            converted = Converted(pdf=pdf.read_bytes(), toc=json.loads(toc.read_text("utf-8")), seconds=0.0)
        except (OSError, ValueError):
            return None
        os.utime(pdf)  # the newest used are the ones kept
        return converted

    def _keep(self, key: str, converted: Converted) -> None:
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            toc = json.dumps(converted.toc).encode("utf-8")
            for name, data in ((f"{key}.json", toc), (f"{key}.pdf", converted.pdf)):  # the PDF last: it says "ready"
                partial = self.cache_dir / f".{name}.{os.getpid()}.{threading.get_ident()}"
                partial.write_bytes(data)
                partial.replace(self.cache_dir / name)  # atomic: a reader sees the whole file or none
            kept = sorted(self.cache_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[CACHE_KEEP:]:
                old.unlink(missing_ok=True)
                old.with_suffix(".json").unlink(missing_ok=True)
        except OSError:  # a cache that cannot be written only costs the next conversion
            pass

    def _convert(self, docx: bytes) -> Converted:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="pdlm_office_") as tmp:
            source, pdf = Path(tmp) / "document.docx", Path(tmp) / "document.pdf"
            source.write_bytes(docx)
            command = [shutil.which(self.python), str(UNO_SCRIPT), "--soffice", self.soffice_path(),
                       "--profile", str(Path(tmp) / "profil"), str(source), str(pdf)]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       stdin=subprocess.DEVNULL, start_new_session=True, cwd=tmp,
                                       env=_environment(tmp))
            try:
                out, err = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                raise OfficeError(f"La conversion en PDF a dépassé {self.timeout:g} secondes et a été arrêtée. "
                                  "Téléchargez le document Word et enregistrez-le en PDF.") from None
            finally:
                _kill_group(process)  # whatever soffice left behind in the group
            if process.returncode != 0 or not pdf.is_file():
                detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"code {process.returncode}"]
                raise OfficeError(f"La conversion en PDF a échoué ({detail[0]}). Téléchargez le document Word.")
            try:
                toc = json.loads(out.decode("utf-8") or "[]")
            except ValueError:
                toc = []
            return Converted(pdf=pdf.read_bytes(), toc=toc, seconds=time.perf_counter() - started)


def _environment(tmp: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    env["HOME"] = tmp  # soffice writes caches under $HOME: keep them in the conversion's folder
    env.setdefault("LANG", "C.UTF-8")
    return env


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        pass

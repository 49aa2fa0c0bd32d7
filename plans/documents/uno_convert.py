"""Run by LibreOffice's Python (Debian: /usr/bin/python3 with the package python3-uno), NEVER imported by the app:
the app's virtualenv has no `uno` module. plans/documents/office.py starts it in a process group of its own and
kills that group when it overruns its time.

    /usr/bin/python3 plans/documents/uno_convert.py --soffice soffice --profile DIR IN.docx OUT.pdf

Starts soffice headless with a fresh user profile (DIR: no lock shared with another conversion or a desktop
session), opens IN.docx hidden, updates every index (the sommaire: a plain `soffice --convert-to pdf` leaves a
TOC field as it was typed), recomputes the fields, writes OUT.pdf, and prints on stdout, as JSON, the sommaire as
LibreOffice laid it out: [{"level": 1, "text": "I. Introduction", "page": "5"}, …] — plan_document.set_toc_pages
copies those page numbers into the .docx.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

import uno  # noqa: F401  (LibreOffice's Python only; registers the com.sun.star importer)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

CONNECT_SECONDS = 60


def _prop(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _level(style_name: str) -> int:
    match = re.search(r"(\d+)\s*$", style_name or "")
    return int(match.group(1)) if match else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--soffice", default="soffice")
    parser.add_argument("--profile", required=True)
    parser.add_argument("source")
    parser.add_argument("pdf")
    args = parser.parse_args()

    pipe = f"pdlm_{os.getpid()}"
    office = subprocess.Popen(
        [args.soffice, "-env:UserInstallation=" + uno.systemPathToFileUrl(os.path.abspath(args.profile)),
         "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if office.poll() is not None or time.monotonic() > deadline:
                    print("LibreOffice ne démarre pas.", file=sys.stderr)
                    return 3
                time.sleep(0.05)
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(args.source)), "_blank", 0,
                                                (_prop("Hidden", True),))
        if document is None:
            print("LibreOffice ne peut pas ouvrir le document.", file=sys.stderr)
            return 4
        entries = []
        indexes = document.getDocumentIndexes()
        for i in range(indexes.getCount()):
            index = indexes.getByIndex(i)
            index.update()
            if i == 0:
                paragraphs = index.getAnchor().createEnumeration()
                while paragraphs.hasMoreElements():
                    paragraph = paragraphs.nextElement()
                    text = paragraph.getString()
                    if "\t" not in text:
                        continue
                    title, _, page = text.rpartition("\t")
                    entries.append({"level": _level(paragraph.ParaStyleName), "text": title.strip(),
                                    "page": page.strip()})
        document.getTextFields().refresh()
        document.refresh()
        document.storeToURL(uno.systemPathToFileUrl(os.path.abspath(args.pdf)),
                            (_prop("FilterName", "writer_pdf_Export"),))
        document.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge closes while terminating: expected
            pass
        json.dump(entries, sys.stdout, ensure_ascii=False)
        return 0
    finally:
        try:
            office.wait(15)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    sys.exit(main())

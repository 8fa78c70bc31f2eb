"""Type into a workbook as a clerk at the keyboard of LibreOffice would, and save it as xlsx.

Run by a Python that has LibreOffice's ``uno`` module (the system ``python3`` where LibreOffice is installed):

    python3 lo_type.py IN.xlsx OUT.xlsx PROFILE_DIR REF=TEXT ...

Each ``REF`` (``D2``, or ``$'Sheet name'.C40``) is selected and ``TEXT`` entered with ``.uno:EnterString``,
the command the keyboard's Enter runs: the cell's format decides what the text becomes (a number in a General
cell, the same digits as text in a Text cell), unlike the API's ``setFormula``, which ignores it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(src: str, dst: str, profile: str, entries: list[str]) -> None:
    pipe = f"serialtrack-{os.getpid()}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--invisible", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (_prop("Hidden", True),))
        frame = doc.CurrentController.Frame
        dispatcher = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        for entry in entries:
            ref, _, text = entry.partition("=")
            dispatcher.executeDispatch(frame, ".uno:GoToCell", "", 0, (_prop("ToPoint", ref),))
            dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (_prop("StringName", text),))
        doc.storeToURL(uno.systemPathToFileUrl(dst), (_prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        with contextlib.suppress(Exception):  # the bridge drops as the office exits
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])

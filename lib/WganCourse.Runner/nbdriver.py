#!/usr/bin/python3
"""Executes one notebook in a Jupyter kernel (the real dotnet-interactive kernel) with nbclient.

Used by WganCourse.Runner: prints one JSON line per event on stdout (start, cell_start, cell_done, error, done)
and writes the executed notebook, outputs included, even when a cell fails. Exit code: 0 ok, 1 a cell failed.
"""
import json, sys, time, argparse
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

def emit(**event):
    print(json.dumps(event), flush=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input"); ap.add_argument("output")
    ap.add_argument("--kernel", default=".net-csharp")
    ap.add_argument("--cell-timeout", type=int, default=600)
    ap.add_argument("--cwd", default=None)
    ap.add_argument("--startup-timeout", type=int, default=180)
    ap.add_argument("--allow-errors", action="store_true", help="keep going after a failing cell (grading)")
    a = ap.parse_args()

    nb = nbformat.read(a.input, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    emit(event="start", cells=len(nb.cells), code_cells=len(code_cells))
    started = {}

    def on_start(cell, cell_index):
        started[cell_index] = time.time()
        emit(event="cell_start", index=cell_index, ordinal=code_cells.index(cell_index) + 1 if cell_index in code_cells else 0,
             total=len(code_cells), first_line=(cell.source.splitlines() or [""])[0][:80])

    def on_done(cell, cell_index, execute_reply=None):
        emit(event="cell_done", index=cell_index, seconds=round(time.time() - started.get(cell_index, time.time()), 3))

    client = NotebookClient(nb, kernel_name=a.kernel, timeout=a.cell_timeout, startup_timeout=a.startup_timeout,
                            allow_errors=a.allow_errors, record_timing=True,
                            resources={"metadata": {"path": a.cwd}} if a.cwd else {},
                            on_cell_start=on_start, on_cell_executed=on_done)
    rc = 0
    try:
        client.execute()
    except CellTimeoutError as e:
        rc = 1; emit(event="error", kind="timeout", index=_failed_index(nb), message=str(e)[-4000:])
    except CellExecutionError as e:
        rc = 1; emit(event="error", kind="cell", index=_failed_index(nb), message=_error_text(nb) or str(e)[-4000:])
    except DeadKernelError as e:
        rc = 1; emit(event="error", kind="dead-kernel", index=_failed_index(nb), message=str(e)[-4000:])
    finally:
        nbformat.write(nb, a.output)
    if a.allow_errors:
        for i, c in enumerate(nb.cells):
            if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
                emit(event="cell_error", index=i, message=_cell_error(c)[-2000:])
    emit(event="done", rc=rc)
    return rc

def _failed_index(nb):
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            return i
    last = -1
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and c.get("execution_count"):
            last = i
    return last + 1 if last >= 0 else -1

def _cell_error(cell):
    """The error of a cell, with the compiler diagnostics the .NET kernel writes to stderr just before it."""
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr").strip()
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            head = (o.get("ename", "") + ": " + o.get("evalue", "")).strip()
            return (head + (" " + stderr if stderr else "")).strip()
    return stderr

def _error_text(nb):
    for c in nb.cells:
        if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            return _cell_error(c)[-4000:]
    return ""

if __name__ == "__main__":
    sys.exit(main())

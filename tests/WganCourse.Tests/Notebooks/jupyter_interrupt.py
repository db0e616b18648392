"""Jupyter's interrupt in the real kernel, as JupyterLab sends it (jupyter_client's interrupt_kernel()).

Usage: python3 jupyter_interrupt.py KERNEL_NAME CWD CELLS.json. CELLS.json holds the cells setup, models, train,
check and again. Prints one JSON line with what happened; the kernel is always shut down.
"""
import json, os, queue, signal, sys, time
from jupyter_client.manager import KernelManager

# A shell that started the tests in the background (`cmd &`) left SIGINT ignored, and the kernel would inherit
# that; Jupyter started from a terminal does not: give the kernel the default disposition.
signal.signal(signal.SIGINT, signal.SIG_DFL)

kernel, cwd, cells = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
km = KernelManager(kernel_name=kernel)
result = {"interrupt_mode": km.kernel_spec.interrupt_mode}
km.start_kernel(cwd=cwd, env=dict(os.environ))
kc = km.client()

def reply(mid, timeout):
    end = time.time() + timeout
    while True:
        m = kc.get_shell_msg(timeout=max(0.01, end - time.time()))
        if m["parent_header"].get("msg_id") == mid:
            return m["content"]

def outputs(mid, wait=1.0):
    out = []
    while True:
        try:
            m = kc.get_iopub_msg(timeout=wait)
        except queue.Empty:
            return out
        if m["parent_header"].get("msg_id") == mid and m["msg_type"] in (
                "stream", "execute_result", "display_data", "update_display_data", "error"):
            c = m["content"]
            text = (c.get("text") or c.get("data", {}).get("text/plain")
                    or c.get("data", {}).get("text/html") or c.get("evalue") or "")
            out.append(text[:300])  # the set-up cell's output holds plotly.js

def run(name, timeout):
    mid = kc.execute(cells[name])
    r = reply(mid, timeout)
    result[name] = {"status": r["status"], "error": r.get("evalue"), "outputs": outputs(mid)}
    return r["status"] == "ok"

try:
    kc.start_channels()
    kc.wait_for_ready(timeout=300)
    if run("setup", 600) and run("models", 300):
        mid = kc.execute(cells["train"])
        shown, end = 0, time.time() + 300
        while shown < 2 and time.time() < end:  # the live display has drawn twice: training runs
            try:
                m = kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            if m["parent_header"].get("msg_id") == mid and "display" in m["msg_type"]:
                shown += 1
        result["train_shown"] = shown
        time.sleep(1)
        t0 = time.time()
        km.interrupt_kernel()
        try:
            r = reply(mid, 60)
            result["stop_seconds"] = round(time.time() - t0, 3)
            result["train"] = {"status": r["status"], "error": r.get("evalue")}
        except queue.Empty:
            result["stop_seconds"] = None
        time.sleep(0.5)
        result["alive"] = km.is_alive()
        if result["alive"]:
            run("check", 300)
            run("again", 300)
finally:
    print(json.dumps(result), flush=True)
    try:
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)

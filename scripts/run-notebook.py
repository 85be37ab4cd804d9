#!/usr/bin/env python3
"""run-notebook.py — execute a course notebook against sagelite and time it.

    .venv-sdk2/bin/python scripts/run-notebook.py NOTEBOOK [--out EXECUTED.ipynb]
        [--json RESULT.json] [--netguard] [--poll-cap SECONDS] [--timeout SECONDS]
        [--workdir DIR] [--quiet | --show PHASE,...]

Runs with the interpreter that runs this script: nbclient starts that
venv's ipykernel (the "python3" kernel of the same interpreter), so the
notebook sees that venv's SageMaker SDK.  The environment must already
point at a running daemon (`eval "$(sagelite env)"`).  The working
directory of the kernel is the notebook's folder, as in Jupyter, or with
--workdir DIR a copy of that folder made at DIR (so what the notebook
writes, under output/, lands there and not in the checkout).

The notebook file is not changed.  Before its first cell, a hidden cell
(never saved into the notebook) wraps time.sleep to log every sleep the
SDK does while polling, and with --netguard imports tests/sdk/netguard.py so
any connection to a non-local host is refused and recorded.  --poll-cap S
makes each of those sleeps last at most S seconds (the demo uses it to show
sagelite's own time; the SDK still polls the same way, only sooner).  After
the last cell a hidden cell records the notebook's simple results (numbers,
strings, lists and dicts of them, in global variables).

Prints, per phase (the `phase:NAME` tag of the cells), the wall time, the
part the SDK spent sleeping between polls, and the rest ("sagelite": time
spent in requests to the daemon, in the jobs it runs, and in the client
itself).  --json writes {"ok", "error", "phases", "wall", "sleep",
"blocked", "results", "outputs"} to a file.  Exit status 0 when every cell
ran, 1 otherwise."""
import argparse
import datetime
import json
import os
import re
import shutil
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PRELUDE = r'''
import os as _sl_os, sys as _sl_sys, threading as _sl_threading, time as _sl_time
if {netguard!r}:
    _sl_sys.path.insert(0, {sdk_dir!r})
    import netguard as _sl_netguard
_sl_sleep_log = open({sleep_log!r}, "a")
_sl_real_sleep = _sl_time.sleep
def _sl_sleep(seconds, _cap={cap!r}):
    if _sl_threading.current_thread() is not _sl_threading.main_thread():
        return _sl_real_sleep(seconds)  # the kernel's own threads
    start = _sl_time.time()
    _sl_real_sleep(seconds if _cap is None else min(seconds, _cap))
    _sl_sleep_log.write("%r %r\n" % (start, _sl_time.time() - start))
    _sl_sleep_log.flush()
_sl_time.sleep = _sl_sleep
'''

EPILOGUE = r'''
import json as _sl_json
def _sl_simple(v, depth=0):
    import numbers
    if depth > 3:
        raise TypeError
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, (list, tuple)) and len(v) <= 1000:
        return [_sl_simple(x, depth + 1) for x in v]
    if isinstance(v, dict) and len(v) <= 1000:
        return {{str(k): _sl_simple(x, depth + 1) for k, x in v.items()}}
    raise TypeError
_sl_results = {{}}
for _sl_k, _sl_v in list(globals().items()):
    if _sl_k.startswith("_") or _sl_k in ("In", "Out", "exit", "quit"):
        continue
    try:
        _sl_results[_sl_k] = _sl_simple(_sl_v)
    except (TypeError, ValueError):
        pass
with open({result_file!r}, "w") as _sl_f:
    _sl_json.dump({{"results": _sl_results,
                   "blocked": list(_sl_netguard.attempts) if {netguard!r} else []}}, _sl_f)
'''


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def cell_phase(cell):
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith("phase:"):
            return tag[len("phase:"):]
    return None


def cell_error(cell):
    """The failing cell's source head and its exception with the last lines
    of the traceback (ANSI colours removed)."""
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            tb = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(o.get("traceback", [])[-3:]))
            return (f"cell {cell.source.splitlines()[0][:100]!r}: {o.get('ename')}: "
                    f"{o.get('evalue')}\n{tb[-3000:]}")
    return f"cell {cell.source.splitlines()[0][:100]!r} failed"


def cell_text(cell):
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        elif o.get("output_type") in ("execute_result", "display_data"):
            out.append(o.get("data", {}).get("text/plain", ""))
        elif o.get("output_type") == "error":
            out.append(f"{o.get('ename')}: {o.get('evalue')}")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebook")
    ap.add_argument("--out", help="write the executed notebook here")
    ap.add_argument("--json", help="write the result summary here")
    ap.add_argument("--netguard", action="store_true",
                    help="refuse and record connections to non-local hosts")
    ap.add_argument("--poll-cap", type=float, default=None,
                    help="cap each SDK sleep at this many seconds")
    ap.add_argument("--timeout", type=int, default=900, help="per-cell timeout (s)")
    ap.add_argument("--workdir", help="copy the notebook's folder here and run the copy")
    ap.add_argument("--quiet", action="store_true", help="print only the timing table")
    ap.add_argument("--show", help="print the output of these phases only (comma-separated)")
    args = ap.parse_args()

    nb_path = os.path.abspath(args.notebook)
    if args.workdir:
        shutil.copytree(os.path.dirname(nb_path), args.workdir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("output", "__pycache__", "*.ipynb"))
        nb_dir = os.path.abspath(args.workdir)
    else:
        nb_dir = os.path.dirname(nb_path)
    nb = nbformat.read(nb_path, as_version=4)
    n_user = len(nb.cells)
    work = tempfile.mkdtemp(prefix="sagelite-nb-")
    sleep_log = os.path.join(work, "sleeps")
    result_file = os.path.join(work, "result.json")
    open(sleep_log, "w").close()
    fmt = dict(netguard=args.netguard, sdk_dir=os.path.join(REPO, "tests", "sdk"),
               sleep_log=sleep_log, cap=args.poll_cap, result_file=result_file)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PRELUDE.format(**fmt)))
    nb.cells.append(nbformat.v4.new_code_cell(EPILOGUE.format(**fmt)))

    client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                            resources={"metadata": {"path": nb_dir}},
                            record_timing=True)
    error = None
    start = time.time()
    try:
        with client.setup_kernel():
            last = len(nb.cells) - 1
            try:
                for index, cell in enumerate(nb.cells[:last]):
                    client.execute_cell(cell, index)
            except CellExecutionError:
                error = cell_error(cell)
            client.execute_cell(nb.cells[last], last)  # the epilogue, even after an error
    except Exception as e:  # noqa: BLE001 — a kernel that died, a timeout
        error = error or f"{type(e).__name__}: {e}"[-4000:]
    wall = time.time() - start

    sleeps = []
    with open(sleep_log) as f:
        for line in f:
            t0, d = line.split()
            sleeps.append((float(t0), float(d)))
    extra = {"results": {}, "blocked": []}
    if os.path.exists(result_file):
        with open(result_file) as f:
            extra = json.load(f)

    phases, order, outputs = {}, [], []
    for cell in nb.cells[1:1 + n_user]:
        if cell.cell_type != "code":
            continue
        ex = cell.get("metadata", {}).get("execution", {})
        if "iopub.status.busy" not in ex or "shell.execute_reply" not in ex:
            continue
        t0, t1 = parse_time(ex["iopub.status.busy"]), parse_time(ex["shell.execute_reply"])
        name = cell_phase(cell) or "other"
        if name not in phases:
            phases[name] = {"wall": 0.0, "sleep": 0.0}
            order.append(name)
        phases[name]["wall"] += t1 - t0
        phases[name]["sleep"] += sum(d for s, d in sleeps if t0 <= s <= t1)
        outputs.append({"phase": name, "source": cell.source[:200], "text": cell_text(cell)})
    for p in phases.values():
        p["sagelite"] = max(0.0, p["wall"] - p["sleep"])
    total_sleep = sum(d for _, d in sleeps)

    if args.out:
        del nb.cells[0]
        del nb.cells[-1]
        nbformat.write(nb, args.out)

    if not args.quiet:
        shown = set(args.show.split(",")) if args.show else None
        for o in outputs:
            if o["text"].strip() and (shown is None or o["phase"] in shown):
                print(f"---- [{o['phase']}]\n{o['text'].rstrip()}")
    print(f"{'phase':<10} {'wall s':>8} {'SDK sleep s':>12} {'sagelite s':>11}")
    for name in order:
        p = phases[name]
        print(f"{name:<10} {p['wall']:8.1f} {p['sleep']:12.1f} {p['sagelite']:11.1f}")
    print(f"{'total':<10} {wall:8.1f} {total_sleep:12.1f} {max(0.0, wall - total_sleep):11.1f}")
    if extra["blocked"]:
        print(f"blocked connections to: {extra['blocked']}")
    if error:
        print(f"FAILED: {error}", file=sys.stderr)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ok": error is None, "error": error, "phases": phases, "order": order,
                       "wall": wall, "sleep": total_sleep, "blocked": extra["blocked"],
                       "results": extra["results"], "outputs": outputs}, f, indent=1)
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())

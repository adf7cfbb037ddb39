#!/usr/bin/env python3
"""Copy bench/results.md (without its title) into README.md between the
<!-- BENCH-TABLE --> and <!-- /BENCH-TABLE --> markers, and fill the
<!-- GOALS-RUN --> ... <!-- /GOALS-RUN --> block with this run's figures for
the goals that one run can decide (issue 12: the fault floor)."""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
results = (root / "bench/results.md").read_text().splitlines()
body = "\n".join(l.replace("## ", "### ", 1) if l.startswith("## ") else l
                 for l in results if not l.startswith("# "))

# BENCH key value unit, as bench/run.sh copied them into results.md
bench = {}
for l in results:
    m = re.match(r"BENCH (\S+) (\S+) (\S+)$", l.strip())
    if m:
        bench[m.group(1)] = m.group(2)


def num(key):
    try:
        return float(bench[key])
    except (KeyError, ValueError):
        return None


# Sparse-touch frames before fault-around (the figure every run had before issue 12).
SPARSE_FRAMES_BEFORE = 4606


def goal_rows():
    rows = []

    def row(goal, value, ok):
        met = "n/a" if ok is None else ("met" if ok else "**not met**")
        rows.append(f"| {goal} | {value} | {met} |")

    r = num("ratio_fault_over_syscall_zero")
    rb = num("ratio_best_fault_over_syscall_zero")
    ri = num("ratio_fault_over_syscall_zero_il")
    extra = [f"fastest batches {rb:.2f}×" if rb else None,
             f"interleaved samples {ri:.2f}×" if ri else None]
    extra = "; ".join(e for e in extra if e)
    row("lazy write fault / (null syscall + memset 4 KiB) ≤ 1.2",
        "n/a" if r is None else f"{r:.2f}× ({extra})" if extra else f"{r:.2f}×",
        None if r is None else r <= 1.2)
    t = num("ratio_touch16_lazy_over_eager")
    row("`sbrk` + write every page of 16 MiB: lazy ≤ 1.1 × eager",
        "n/a" if t is None else f"{t:.2f}× ({bench.get('sbrk_touch_lazy_16M')} vs "
        f"{bench.get('sbrk_touch_eager_16M')} ns; no fault-around: "
        f"{bench.get('sbrk_touch_lazynofa_16M', 'n/a')} ns)",
        None if t is None else t <= 1.1)
    f = num("frames_sparse_lazy_1G")
    row(f"sparse 1-in-64 touch of 1 GiB: frames ≤ 1.5 × {SPARSE_FRAMES_BEFORE}",
        "n/a" if f is None else f"{int(f)} ({f / SPARSE_FRAMES_BEFORE:.2f}×)",
        None if f is None else f <= 1.5 * SPARSE_FRAMES_BEFORE)
    s = num("syscall_null")
    row("null system call ≥ 10 % faster than before issue 12",
        "n/a" if s is None else f"{int(s)} ns (fastest batch {bench.get('syscall_null_best', 'n/a')} ns)"
        " — decided over interleaved runs, see the ranges above", None)
    return rows


readme = root / "README.md"
text = readme.read_text()
block = "<!-- BENCH-TABLE -->\n" + body.strip() + "\n<!-- /BENCH-TABLE -->"
if "<!-- /BENCH-TABLE -->" in text:
    text = re.sub(r"<!-- BENCH-TABLE -->.*?<!-- /BENCH-TABLE -->", lambda m: block, text, flags=re.S)
elif "<!-- BENCH-TABLE -->" in text:
    text = text.replace("<!-- BENCH-TABLE -->", block, 1)
else:
    sys.exit("README.md has no <!-- BENCH-TABLE --> marker")
if "<!-- GOALS-RUN -->" in text and "<!-- /GOALS-RUN -->" in text:
    goals = "\n".join(["<!-- GOALS-RUN -->", "| goal (issue 12) | latest `make bench` run | |",
                       "|---|---|---|"] + goal_rows() + ["<!-- /GOALS-RUN -->"])
    text = re.sub(r"<!-- GOALS-RUN -->.*?<!-- /GOALS-RUN -->", lambda m: goals, text, flags=re.S)
readme.write_text(text)
print("bench/readme-table.py: README.md benchmark section updated")

#!/usr/bin/env python3
"""Copy bench/results.md (without its title) into README.md between the
<!-- BENCH-TABLE --> and <!-- /BENCH-TABLE --> markers."""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
results = (root / "bench/results.md").read_text().splitlines()
body = "\n".join(l.replace("## ", "### ", 1) if l.startswith("## ") else l
                 for l in results if not l.startswith("# "))
readme = root / "README.md"
text = readme.read_text()
block = "<!-- BENCH-TABLE -->\n" + body.strip() + "\n<!-- /BENCH-TABLE -->"
if "<!-- /BENCH-TABLE -->" in text:
    text = re.sub(r"<!-- BENCH-TABLE -->.*?<!-- /BENCH-TABLE -->", lambda m: block, text, flags=re.S)
elif "<!-- BENCH-TABLE -->" in text:
    text = text.replace("<!-- BENCH-TABLE -->", block, 1)
else:
    sys.exit("README.md has no <!-- BENCH-TABLE --> marker")
readme.write_text(text)
print("bench/readme-table.py: README.md benchmark section updated")

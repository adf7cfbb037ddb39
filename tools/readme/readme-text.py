#!/usr/bin/env python3
"""Plain-text README for the disk image (`cat README`, as on xv6), made
from README.md at build time: headings underlined, code fences, inline
markup, HTML tags and images dropped, links shown as "text (url)".

    readme-text.py README.md > build/README
"""
import re
import sys


def plain(md):
    out = []
    code = False
    for line in md.splitlines():
        if line.startswith("```"):
            code = not code
            continue
        if code:  # fenced code: indented, as plain text shows code
            out.append(("    " + line).rstrip())
            continue
        if re.match(r"\s*!\[[^\]]*\]\([^)]*\)\s*$", line):
            continue  # an image alone on its line
        line = re.sub(r"<!--.*?-->|</?(details|summary)>", "", line)
        line = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", line)
        line = re.sub(r"\*\*([^*]+)\*\*", r"\1", line)
        line = re.sub(r"`([^`]+)`", r"\1", line)
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m:
            title = m.group(2).strip()
            out += [title, ("=" if len(m.group(1)) == 1 else "-") * len(title)]
            continue
        out.append(line.rstrip())
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(plain(f.read()))

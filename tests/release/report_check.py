#!/usr/bin/env python3
"""Checks a release's HTML report against its CSV tables (Python's standard
library only):

  - well-formed markup (parsed as XML), one file: no script, no external
    asset (src, href or url() to another file), a chart (svg) per table;
  - each table's section holds every cell of the CSV at its place in the
    cross-tab: a published cell its count, a suppressed one "[c]" (or "[u]"
    when not exact at the source), never a number;
  - no chart labels a suppressed value: the numbers an svg shows are
    published counts of its table.

    report_check.py RELEASE_DIR REPORT.html
"""
import csv
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    print("report_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def texts(e):
    return "".join(e.itertext()).strip()


def main():
    rel, path = sys.argv[1], sys.argv[2]
    src = open(path, encoding="utf-8").read()
    if not src.startswith("<!DOCTYPE html>"):
        fail("no doctype")
    if re.search(r"<script", src, re.I):
        fail("the report has a script")
    if re.search(r"""(src|href)\s*=\s*["'](?!#)""", src) or re.search(r"url\((?!#)", src):
        fail("the report refers to another file")
    root = ET.fromstring(src[len("<!DOCTYPE html>"):])
    body = root.find("body")
    sections = [s for s in body.iter("section") if s.get("id", "").startswith("t")]
    man = json.load(open(os.path.join(rel, "manifest.json")))
    ids = [t["id"] for t in man["tables"]]
    if len(sections) != len(ids):
        fail("%d table sections, %d tables" % (len(sections), len(ids)))
    cells = 0
    for sec, tid in zip(sections, ids):
        with open(os.path.join(rel, tid + ".csv"), newline="") as f:
            rows = list(csv.reader(f))
        dims = rows[0][:rows[0].index("OBS_VALUE")]
        body_rows = rows[1:]
        svgs = list(sec.iter("{http://www.w3.org/2000/svg}svg"))
        if not svgs:
            fail("%s: no chart" % tid)
        published = {r[len(dims)] for r in body_rows if r[len(dims) + 2] == "F"}
        for svg in svgs:
            for t in svg.iter("{http://www.w3.org/2000/svg}text"):
                v = texts(t)
                if re.fullmatch(r"\d+", v) and v not in published and t.get("class") == "v":
                    fail("%s: a chart labels %s, which is not a published count" % (tid, v))
        tabs = [t for t in sec.iter("table") if "x" in t.get("class", "").split()]
        if not tabs:   # a table too large for the page: a note instead, never the cells
            big = [p for p in sec.iter("p") if "big" in p.get("class", "").split()]
            if not big or len(body_rows) <= 50000:
                fail("%s: no cross-tab" % tid)
            continue
        tab = tabs[0]
        trs = list(tab.find("tbody").iter("tr"))
        ncol = len({r[len(dims) - 1] for r in body_rows}) if len(dims) > 1 else 1
        if len(trs) * ncol != len(body_rows):
            fail("%s: %d rows x %d columns for %d cells" % (tid, len(trs), ncol, len(body_rows)))
        for j, r in enumerate(body_rows):
            i, k = divmod(j, ncol)
            tds = list(trs[i].iter("td"))
            got = texts(tds[k])
            want = {"A": "[c]", "D": "[c]", "C": "[u]"}.get(r[len(dims) + 2], r[len(dims)])
            if got != want:
                fail("%s: %s is %r in the report, want %r" % (tid, r[:len(dims)], got, want))
            cells += 1
    print("report_check: %d tables, %d cells match the CSV; self-contained, no script" % (len(ids), cells))


if __name__ == "__main__":
    main()

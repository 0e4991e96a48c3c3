#!/usr/bin/env python3
"""Checks a release's workbook against its CSV tables, reading the XLSX
with the standard library only (zipfile + ElementTree), independently of
libxlsxwriter:

  - one sheet per table, named by its id, plus a sheet "Metadata";
  - the cross-tab holds every cell of the CSV at its place: row i of the
    body is the i-th combination of the row dimensions (table order), column
    k the k-th code of the last dimension; "_T" rows read "Total";
  - a published cell is the number OBS_VALUE; a suppressed cell (CONF_STATUS
    A or D) is the text "[c]", a cell not exact at the source (C) "[u]";
    no number anywhere in the sheet that is not a published cell value (the
    body) or a row of the legend;
  - the Metadata sheet lists every table with its primary and secondary
    suppressed counts as the CSV has them.

    xlsx_check.py RELEASE_DIR WORKBOOK.xlsx
"""
import csv
import os
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def fail(msg):
    print("xlsx_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, n - 1


def read_sheets(path):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(RELS + "Relationship")}
    sheets = {}
    for s in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS):
        target = rels[s.get("{%s}id" % NS["r"])]
        grid = {}
        for c in ET.fromstring(z.read("xl/" + target)).iter("{%s}c" % NS["m"]):
            t = c.get("t")
            if t == "inlineStr":
                val = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
            elif t == "s":
                val = shared[int(c.find("m:v", NS).text)]
            else:
                v = c.find("m:v", NS)
                val = float(v.text) if v is not None else None
            grid[col_index(c.get("r"))] = val
        sheets[s.get("name")] = grid
    return sheets


def main():
    rel, book = sys.argv[1], sys.argv[2]
    sheets = read_sheets(book)
    tables = sorted(f[:-4] for f in os.listdir(rel)
                    if f.endswith(".csv") and "." not in f[:-4] and f != "QUALITY.csv")
    if not tables:
        fail("no CSV tables in " + rel)
    extra = {"Quality": "QUALITY.csv"}
    for f in os.listdir(rel):
        if f.endswith(".analysis.csv"):
            extra[(f[:-len(".analysis.csv")])[:22] + " analysis"] = f
    extra = {k: v for k, v in extra.items() if os.path.exists(os.path.join(rel, v))}
    if sorted(s for s in sheets if s != "Metadata" and s not in extra) != tables or \
            any(k not in sheets for k in extra):
        fail("sheets %s, tables %s, further sheets %s" % (sorted(sheets), tables, sorted(extra)))
    # further sheets: the CSV as a grid, numbers as numbers
    for name, f in extra.items():
        with open(os.path.join(rel, f), newline="") as fh:
            rows = list(csv.reader(fh))
        g = sheets[name]
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                got = g.get((r, c))
                if v == "":
                    if got not in (None, ""):
                        fail("%s: row %d col %d is %r, the CSV has nothing" % (name, r + 1, c + 1, got))
                elif isinstance(got, float):
                    if abs(got - float(v)) > 1e-9:
                        fail("%s: row %d col %d is %r, the CSV has %r" % (name, r + 1, c + 1, got, v))
                elif got != v:
                    fail("%s: row %d col %d is %r, the CSV has %r" % (name, r + 1, c + 1, got, v))
    meta = sheets.get("Metadata") or fail("no Metadata sheet")
    checked = 0
    for tid in tables:
        with open(os.path.join(rel, tid + ".csv"), newline="") as f:
            rows = list(csv.reader(f))
        head, body = rows[0], rows[1:]
        dims = head[:head.index("OBS_VALUE")]
        g = sheets[tid]
        # the header row: first dimension's id in column A, below the title
        hr = [r for (r, c), v in g.items() if c == 0 and v == dims[0] and r > 0]
        if len(hr) != 1:
            fail("%s: no single header row" % tid)
        hr = hr[0]
        nrow = len(dims) - 1 if len(dims) > 1 else len(dims)
        ncol = len({r[len(dims) - 1] for r in body}) if len(dims) > 1 else 1
        for k, d in enumerate(dims[:nrow]):
            if g.get((hr, k)) != d:
                fail("%s: header column %d is %r, want %r" % (tid, k, g.get((hr, k)), d))
        body_cells = set()
        for j, row in enumerate(body):
            i, k = divmod(j, ncol)
            r, c = hr + 1 + i, nrow + k
            body_cells.add((r, c))
            got = g.get((r, c))
            value, conf = row[len(dims)], row[len(dims) + 2]
            want = {"A": "[c]", "D": "[c]", "C": "[u]"}.get(conf, None)
            if want is None:
                want = float(value)
            if got != want:
                fail("%s: %s at sheet row %d col %d is %r, want %r" % (tid, row[:len(dims)], r + 1, c + 1, got, want))
            if k == 0:  # the row's labels: _T reads Total
                for d in range(nrow):
                    lab = g.get((r, d))
                    if row[d] == "_T" and lab != "Total":
                        fail("%s: row %d: %s _T shown as %r" % (tid, r + 1, dims[d], lab))
                    if lab is None or lab == "":
                        fail("%s: row %d has no label for %s" % (tid, r + 1, dims[d]))
            checked += 1
        for (r, c), v in g.items():
            if isinstance(v, float) and (r, c) not in body_cells:
                fail("%s: a number outside the table body at row %d col %d" % (tid, r + 1, c + 1))
        # Metadata: the table's row with its suppressed counts
        mrow = [r for (r, c), v in meta.items() if c == 0 and v == tid]
        if len(mrow) != 1:
            fail("Metadata: table %s listed %d times" % (tid, len(mrow)))
        trow = [r for (r, c), v in meta.items() if c == 0 and v == "Table"]
        if len(trow) != 1:
            fail("Metadata: no single header row of the table list")
        hdr = {v: c for (r, c), v in meta.items() if r == trow[0]}
        prim = sum(1 for row in body if row[len(dims) + 2] == "A")
        sec = sum(1 for row in body if row[len(dims) + 2] == "D")
        if meta.get((mrow[0], hdr["Suppressed (primary)"])) != prim or \
           meta.get((mrow[0], hdr["Suppressed (secondary)"])) != sec:
            fail("Metadata: %s suppressed counts differ from the CSV (%d, %d)" % (tid, prim, sec))
    print("xlsx_check: %d tables, %d cells match the CSV" % (len(tables), checked))


if __name__ == "__main__":
    main()

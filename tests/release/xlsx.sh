#!/usr/bin/env bash
# The bundled release's workbook: every table's cells in place, suppressed
# cells shown as symbols and never as numbers (tests/release/xlsx_check.py,
# which reads the XLSX with Python's standard library); the same bytes from
# a second run; SOURCE_DATE_EPOCH sets the document time.
set -euo pipefail
OCSTAT=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "xlsx: FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || fail "python3 is required"
EX=$ROOT/examples/nibrs-dc-2021
"$OCSTAT" run "$EX/release.yaml" --out "$T/a" --quiet
"$OCSTAT" run "$EX/release.yaml" --out "$T/b" --quiet
[ -f "$T/a/nibrs-dc-2021.xlsx" ] || fail "no workbook in the release"
cmp -s "$T/a/nibrs-dc-2021.xlsx" "$T/b/nibrs-dc-2021.xlsx" || fail "two runs give different workbooks"
sum=$(sha256sum "$T/a/nibrs-dc-2021.xlsx" | cut -d' ' -f1)
grep -q "\"name\": \"nibrs-dc-2021.xlsx\", \"sha256\": \"$sum\"" "$T/a/manifest.json" || fail "manifest lacks the workbook"
python3 "$ROOT/tests/release/xlsx_check.py" "$T/a" "$T/a/nibrs-dc-2021.xlsx"
SOURCE_DATE_EPOCH=1700000000 "$OCSTAT" run "$EX/release.yaml" --out "$T/c" --quiet
cmp -s "$T/a/nibrs-dc-2021.xlsx" "$T/c/nibrs-dc-2021.xlsx" && fail "SOURCE_DATE_EPOCH did not change the document time"
python3 - "$T/c/nibrs-dc-2021.xlsx" <<'PY' || fail "document time is not SOURCE_DATE_EPOCH"
import sys, zipfile
core = zipfile.ZipFile(sys.argv[1]).read("docProps/core.xml").decode()
sys.exit(0 if "2023-11-14T22:13:20Z" in core else 1)
PY
echo "xlsx: ok"

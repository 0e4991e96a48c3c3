#!/usr/bin/env bash
# Threat-assessment figures on the dataUNODC-style example: every figure of
# TIP_VICTIMS.analysis.csv recomputed independently (analysis_check.py:
# Python's standard library, no GSL), every figure that would use a
# suppressed cell suppressed; the workbook's cells (source-suppressed "[u]"
# included) against the CSV; byte-identical output from a second run.
set -euo pipefail
OCSTAT=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "analysis: FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || fail "python3 is required"
EX=$ROOT/examples/unodc-long
"$OCSTAT" run "$EX/release.yaml" --out "$T/a" --quiet   # its messages, if any, go to the test log
"$OCSTAT" run "$EX/release.yaml" --out "$T/b" --quiet 2> /dev/null
diff -r "$T/a" "$T/b" > /dev/null || fail "two runs differ"
[ -f "$T/a/TIP_VICTIMS.analysis.csv" ] || fail "no analysis file"
sum=$(sha256sum "$T/a/TIP_VICTIMS.analysis.csv" | cut -d' ' -f1)
grep -q "\"name\": \"TIP_VICTIMS.analysis.csv\", \"sha256\": \"$sum\"" "$T/a/manifest.json" || fail "manifest lacks the analysis file"
python3 "$ROOT/tests/release/analysis_check.py" "$T/a/TIP_VICTIMS.csv" "$T/a/TIP_VICTIMS.analysis.csv" \
    "$EX/population.csv" 100000 M F Y0T17
for m in RATE CHANGE_PCT TREND_PCT SEX_RATIO SHARE_MINORS; do
    grep -q "^$m,.*,A,$" "$T/a/TIP_VICTIMS.analysis.csv" || fail "no published $m figure"
    grep -q "^$m,.*,Q,uses a suppressed cell" "$T/a/TIP_VICTIMS.analysis.csv" || fail "no suppressed $m figure"
done
python3 "$ROOT/tests/release/xlsx_check.py" "$T/a" "$T/a/tip-victims.xlsx"
grep -q '"\[u\]"\|>\[u\]<' <(cd "$T" && python3 -c "import zipfile,sys; z=zipfile.ZipFile('a/tip-victims.xlsx'); print(z.read('xl/worksheets/sheet1.xml').decode())") ||
    fail "the workbook shows no source-suppressed cell"
# --dry-run lists the analysis, and refuses a population file it cannot read
"$OCSTAT" run "$EX/release.yaml" --dry-run | grep -qx '  TIP_VICTIMS.analysis.csv' || fail "--dry-run does not list the analysis"
cp -r "$EX" "$T/ex"
sed 's/population: population.csv/population: missing.csv/' "$EX/release.yaml" > "$T/ex/dry.yaml"
rc=0
"$OCSTAT" run "$T/ex/dry.yaml" --dry-run > /dev/null 2> "$T/dry.err" || rc=$?
[ $rc -eq 1 ] || fail "--dry-run with a missing population file: exit $rc, expected 1"
grep -q "missing.csv: cannot read" "$T/dry.err" || fail "--dry-run message: $(cat "$T/dry.err")"
echo "analysis: ok"

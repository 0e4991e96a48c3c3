#!/usr/bin/env bash
# Release checks on the bundled example: byte-identical output for identical
# input and configuration; atomic replacement of a previous release; refusal
# to replace a folder that is not a release; the same table from plain, gzip
# and stdin input; a rejects file created with mode 0600; no partial output;
# tables of one dataset and filter protected together.
set -euo pipefail
OCSTAT=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "release_checks: FAIL: $*" >&2; exit 1; }
EX=$ROOT/examples/nibrs-dc-2021

# 1. determinism: two runs, byte-identical files
"$OCSTAT" run "$EX/release.yaml" --out "$T/a" --quiet
"$OCSTAT" run "$EX/release.yaml" --out "$T/b" --quiet
diff -r "$T/a" "$T/b" >/dev/null || fail "two runs differ"
grep -q '"created"' "$T/a/manifest.json" && fail "manifest has a timestamp without SOURCE_DATE_EPOCH"
SOURCE_DATE_EPOCH=1700000000 "$OCSTAT" run "$EX/release.yaml" --out "$T/c" --quiet
grep -q '"created": "2023-11-14T22:13:20Z"' "$T/c/manifest.json" || fail "SOURCE_DATE_EPOCH not honoured"

# 2. the manifest lists every file with its checksum and row count
for f in "$T"/a/*; do
  n=$(basename "$f")
  [ "$n" = manifest.json ] && continue
  sum=$(sha256sum "$f" | cut -d' ' -f1)
  grep -q "\"name\": \"$n\", \"sha256\": \"$sum\"" "$T/a/manifest.json" || fail "manifest lacks $n with its sha256"
done

# 3. replacing a release is atomic and leaves no temporary folder
"$OCSTAT" run "$EX/release.yaml" --out "$T/a" --quiet
diff -r "$T/a" "$T/b" >/dev/null || fail "replaced release differs"
ls "$T" | grep -q 'tmp-' && fail "temporary folder left behind"

# 4. a folder that is not a release is never replaced
mkdir "$T/home" && echo precious > "$T/home/notes.txt"
if "$OCSTAT" run "$EX/release.yaml" --out "$T/home" --quiet 2>"$T/err"; then fail "replaced a non-release folder"; fi
grep -q "refusing to replace" "$T/err" || fail "no refusal message: $(cat "$T/err")"
[ -f "$T/home/notes.txt" ] || fail "non-release folder damaged"
ls "$T" | grep -q 'tmp-' && fail "temporary folder left behind after refusal"

# 5. plain, gzip and stdin give byte-identical tables
zcat "$EX/data/NIBRS_VICTIM.csv.gz" > "$T/v.csv"
args=(tabulate --schema "$EX/victims.yaml" --by SEX,AGE --where VICTIM_TYPE=PERSON --totals --min-count 3)
"$OCSTAT" "${args[@]}" "$T/v.csv" > "$T/plain.csv"
"$OCSTAT" "${args[@]}" "$EX/data/NIBRS_VICTIM.csv.gz" > "$T/gz.csv"
"$OCSTAT" "${args[@]}" - < "$EX/data/NIBRS_VICTIM.csv.gz" > "$T/stdin.csv"
cmp -s "$T/plain.csv" "$T/gz.csv" || fail "gzip differs from plain"
cmp -s "$T/plain.csv" "$T/stdin.csv" || fail "stdin differs from plain"
[ "$(wc -l < "$T/plain.csv")" -gt 10 ] || fail "table too short"

# 6. rejects: file mode 0600, counts add up, no table when over the limit
# (a real victim_id, so that the victim's offence lookups match)
vid=$(sed -n 2p "$T/v.csv" | cut -d, -f2)
{ head -1 "$T/v.csv"; sed -n '2,50p' "$T/v.csv"; echo "2021,$vid,1,1,4,,,,1,xx,Q,1,1,R,,"; } > "$T/bad.csv"
"$OCSTAT" "${args[@]}" --rejects "$T/rej.csv" --max-rejects 5 "$T/bad.csv" > "$T/t.csv" 2>"$T/err"
[ "$(stat -c %a "$T/rej.csv")" = 600 ] || fail "rejects file mode is $(stat -c %a "$T/rej.csv")"
[ "$(wc -l < "$T/rej.csv")" = 2 ] || fail "rejects file should hold a header and one row"
grep -q "1 row rejected (not_integer 1)" "$T/err" || fail "no reject summary: $(cat "$T/err")"
if "$OCSTAT" "${args[@]}" --max-rejects 0 -o "$T/none.csv" "$T/bad.csv" 2>/dev/null; then fail "limit not enforced"; fi
[ -e "$T/none.csv" ] && fail "partial output written"
ls "$T" | grep -q 'none.csv.tmp' && fail "temporary output left behind"
# 7. tables built from the same records are protected together: the three
#    victim tables (one filter, age bands that do not nest) name each other
for t in VIC_SEX_AGE VIC_SEX_AGE_STATUS VIC_SEX_AGE_DETAIL; do
  grep -q '"linked": \["VIC_SEX_AGE", "VIC_SEX_AGE_STATUS", "VIC_SEX_AGE_DETAIL"\]' "$T/a/$t.json" \
    || fail "$t is not protected with the other victim tables"
done
grep -q '"linked"' "$T/a/OFF_SEX_AGE.json" && fail "OFF_SEX_AGE (another dataset) was linked"

echo "release_checks: all checks passed"

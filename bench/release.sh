#!/usr/bin/env bash
# bench/release.sh - cost of a whole release against one table: ten tables
# of the bench generator's records, in every format (CSV, SDMX-CSV 1.0 and
# 2.0, JSON, the workbook and the report), against `ocstat tabulate` of one
# table on the same file; and what the workbook and the report add.
#
#   bash bench/release.sh                     # 10 M rows, markdown on stdout
#   ROWS=1000000 REPEAT=1 bash bench/release.sh
#
# Protection: primary suppression (min_count 3) without secondary
# suppression, as `tabulate --no-secondary` in the one-table run, so that
# the figures measure reading, tabulating and writing (secondary
# suppression and its audit are measured by sdc_bench).
#
# Environment: ROWS (10000000), REPEAT (3), SEED (42), BENCH_DIR
# (/tmp/ocstat-bench, shared with run.sh and join.sh), OCSTAT (build-rel,
# else build).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROWS=${ROWS:-10000000}
REPEAT=${REPEAT:-3}
SEED=${SEED:-42}
BENCH_DIR=${BENCH_DIR:-/tmp/ocstat-bench}
if [[ -z ${OCSTAT:-} ]]; then
    OCSTAT=$REPO/build-rel/cli/ocstat
    [[ -x $OCSTAT ]] || OCSTAT=$REPO/build/cli/ocstat
fi
log() { printf '[release] %s\n' "$*" >&2; }
die() { printf '[release] error: %s\n' "$*" >&2; exit 1; }
[[ -x $OCSTAT ]] || die "ocstat not found at $OCSTAT"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (Debian package time) is required"
case "$BENCH_DIR/" in "$REPO"/*) die "BENCH_DIR must be outside the repository";; esac
mkdir -p "$BENCH_DIR"
cc -O2 -o "$BENCH_DIR/gen" "$HERE/gen.c" || die "cannot build gen"
DATA=$BENCH_DIR/records-$ROWS-s$SEED.csv
if [[ ! -s $DATA ]]; then
    log "generating $ROWS records"
    "$BENCH_DIR/gen" "$ROWS" "$SEED" > "$DATA.tmp" && mv "$DATA.tmp" "$DATA"
fi
W=$BENCH_DIR/release-$ROWS
mkdir -p "$W"
cp "$HERE/data/bench.yaml" "$HERE/data/offence-to-iccs.csv" "$HERE/data/age-iccs.csv" "$W/"

pipeline() { # formats
    cat <<EOF
release: bench
datasets:
  records: {schema: bench.yaml, input: $DATA}
tables:
  - {id: T01, dataset: records, by: [YEAR, SEX, AGE], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T02, dataset: records, by: [YEAR, REGION, SEX], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T03, dataset: records, by: [YEAR, ICCS, SEX], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T04, dataset: records, by: [ICCS, AGE], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T05, dataset: records, by: [REGION, ROLE], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T06, dataset: records, by: [YEAR, ROLE, SEX, AGE], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T07, dataset: records, by: [YEAR, REGION, SEX, AGE], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T08, dataset: records, by: [SEX, AGE, ROLE], totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T09, dataset: records, by: [YEAR, REGION], where: {ROLE: victim}, totals: true, protect: {min_count: 3, secondary: false}}
  - {id: T10, dataset: records, by: [ICCS, SEX, AGE], where: {ROLE: offender}, totals: true, protect: {min_count: 3, secondary: false}}
output: {formats: [$1]}
EOF
}
pipeline "csv, sdmx-csv, sdmx-csv-2.0, json, xlsx, html" > "$W/all.yaml"
pipeline "csv, sdmx-csv, sdmx-csv-2.0, json" > "$W/flat.yaml"

measure() { # label command...
    local label=$1 i times=() mem=0
    shift
    for ((i = 1; i <= REPEAT; i++)); do
        /usr/bin/time -f '%e %M' -o "$W/time" "$@" > /dev/null 2> "$W/err" || die "$label failed: $(tail -3 "$W/err")"
        read -r t m < "$W/time"
        times+=("$t")
        ((m > mem)) && mem=$m
        log "  $label run $i: $t s, $m KiB"
    done
    MED=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    MEM=$(awk -v k="$mem" 'BEGIN { printf "%.1f", k / 1024 }')
}
cd "$W"
measure "one table" "$OCSTAT" tabulate --schema bench.yaml --by YEAR,REGION,SEX,AGE --totals --min-count 3 \
    --no-secondary --quiet "$DATA"
one=$MED one_mem=$MEM
measure "10 tables, all formats" "$OCSTAT" run all.yaml --out "$W/out-all" --quiet
all=$MED all_mem=$MEM
measure "10 tables, no workbook or report" "$OCSTAT" run flat.yaml --out "$W/out-flat" --quiet
flat=$MED flat_mem=$MEM
size=$(stat -c %s "$DATA")
echo "## ocstat release benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end; $ROWS records ($((size / 1000000)) MB, bench/gen.c seed $SEED); median of $REPEAT runs."
echo
echo "| run | seconds | peak RSS MiB |"
echo "|---|---:|---:|"
echo "| one table (tabulate YEAR x REGION x SEX x AGE, CSV) | $one | $one_mem |"
echo "| release: 10 tables x 6 formats (csv, sdmx-csv, sdmx-csv-2.0, json, xlsx, html) | $all | $all_mem |"
echo "| release: 10 tables x 4 formats (no xlsx, html) | $flat | $flat_mem |"
echo
awk -v a="$all" -v o="$one" -v f="$flat" 'BEGIN {
    printf "| check | value | bar | met |\n|---|---|---|---|\n"
    printf "| release / one table | %.2f | <= 1.5 | %s |\n", a / o, a / o <= 1.5 ? "yes" : "NO"
    printf "| workbook + report add | %.2f s | <= 1 s | %s |\n", a - f, a - f <= 1 ? "yes" : "NO"
}'

#!/usr/bin/env bash
# bench/join.sh - cost of a lookup join in ocstat: the same table from records with sex and
# age inline (flat) and from records that draw them from a KEYS-row lookup file (join).
#
#   bash bench/join.sh                      # 10 M rows, 1 M keys, markdown table on stdout
#   ROWS=1000000 KEYS=100000 REPEAT=1 bash bench/join.sh   # quick look
#
# The issue's bar: "on the bench generator's 10 M rows with a 1 M-key lookup, time <= 1.5 x
# the same tabulation without the join, memory <= lookup size + cells + 32 MiB". "cells" is
# taken as the flat run's peak RSS (the table plus everything else a run without the join
# holds), so the budget is: lookup file size + flat peak RSS + 32 MiB.
#
# Environment (all optional):
#   ROWS=10000000          records
#   KEYS=1000000           rows of the lookup file people.csv (person_id,sex,age)
#   BENCH_DIR=/tmp/ocstat-bench   scratch dir (shared with run.sh; never the repo)
#   OCSTAT=<repo>/build-rel/cli/ocstat (else <repo>/build/cli/ocstat)   the binary under test
#   REPEAT=3               runs per measurement; the table shows the median time
#   SEED=42                generator seed (gen.c and join_split.c)
#   SECONDARY=0            1: also run secondary suppression (off by default, as in run.sh:
#                          it costs the same with and without the join and is not streaming)
#   RUN_TIMEOUT=900        seconds before one run is killed (reported as TIMEOUT)
#   BENCH_INSTALL=1        apt-get install GNU time if missing (root only)
#
# Data (in BENCH_DIR, reused while gen.c, join_split.c, ROWS, KEYS and SEED are unchanged):
#   records-ROWS-sSEED.csv       gen.c output (the same file run.sh makes and reuses)
#   join-ROWS-kKEYS-sSEED/people.csv       person_id,sex,age; KEYS rows, ids in random order
#   join-ROWS-kKEYS-sSEED/joined-main.csv  id,year,region,offence,person_id,role,note
#   join-ROWS-kKEYS-sSEED/flat.csv         the same records with that person's sex,age inline
# so both runs must print byte-identical tables (checked with cmp; the script fails if not).
#
# Progress goes to stderr; the report (markdown) goes to stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

ROWS=${ROWS:-10000000}
KEYS=${KEYS:-1000000}
BENCH_DIR=${BENCH_DIR:-/tmp/ocstat-bench}
if [[ -z ${OCSTAT:-} ]]; then
    OCSTAT=$REPO/build-rel/cli/ocstat
    [[ -x $OCSTAT ]] || OCSTAT=$REPO/build/cli/ocstat
fi
REPEAT=${REPEAT:-3}
SEED=${SEED:-42}
SECONDARY=${SECONDARY:-0}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
BENCH_INSTALL=${BENCH_INSTALL:-1}
BY=YEAR,REGION,SEX,AGE

log() { printf '[join] %s\n' "$*" >&2; }
die() { printf '[join] error: %s\n' "$*" >&2; exit 1; }

case "$ROWS$KEYS$REPEAT$SEED$SECONDARY$RUN_TIMEOUT" in
    *[!0-9]*) die "ROWS, KEYS, REPEAT, SEED, SECONDARY, RUN_TIMEOUT must be integers";;
esac
((ROWS > 0)) || die "ROWS must be > 0"
((KEYS > 0 && KEYS < 4294967296)) || die "KEYS must be in 1..2^32-1"
((REPEAT > 0)) || die "REPEAT must be > 0"
BENCH_DIR=$(realpath -m "$BENCH_DIR")
case "$BENCH_DIR/" in
    "$REPO"/*) die "BENCH_DIR must be outside the repository ($BENCH_DIR)";;
esac

# ---------------------------------------------------------------- prerequisites
if [[ ! -x /usr/bin/time ]]; then
    if [[ $BENCH_INSTALL == 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing Debian package time"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2; } || true
    fi
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (Debian package 'time') is required"
fi
command -v cc >/dev/null || die "a C compiler (cc) is required"
[[ -x $OCSTAT ]] || die "ocstat not found at $OCSTAT (build it: cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel)"
OCSTAT_VER=$("$OCSTAT" --version 2>&1 | head -n1 | sed 's/^ocstat //') || die "'$OCSTAT --version' failed: $OCSTAT_VER"

mkdir -p "$BENCH_DIR"
log "building gen and join_split"
cc -std=c11 -O2 -o "$BENCH_DIR/gen" "$HERE/gen.c"
cc -std=c11 -O2 -o "$BENCH_DIR/join_split" "$HERE/join_split.c"
GEN_SUM=$(cat "$HERE/gen.c" "$HERE/prng.h" | sha256sum | cut -c1-16)
SPLIT_SUM=$(cat "$HERE/join_split.c" "$HERE/prng.h" | sha256sum | cut -c1-16)

# ------------------------------------------------------------------------ data
# records: the same name and stamp as run.sh's make_data, so either script reuses the other's
DATA=$BENCH_DIR/records-$ROWS-s$SEED.csv
stamp="gen=$GEN_SUM rows=$ROWS seed=$SEED"
if [[ ! -s $DATA || "$(cat "$DATA.stamp" 2>/dev/null)" != "$stamp" ]]; then
    rm -f "$DATA" "$DATA.stamp"
    log "generating $ROWS rows -> $DATA"
    t0=$SECONDS
    "$BENCH_DIR/gen" --seed "$SEED" "$ROWS" > "$DATA.tmp"
    mv "$DATA.tmp" "$DATA"
    echo "$stamp" > "$DATA.stamp"
    log "generated in $((SECONDS - t0)) s"
fi

JD=$BENCH_DIR/join-$ROWS-k$KEYS-s$SEED
PEOPLE=$JD/people.csv JOINED=$JD/joined-main.csv FLAT=$JD/flat.csv
jstamp="$stamp split=$SPLIT_SUM keys=$KEYS"
mkdir -p "$JD"
if [[ ! -s $FLAT || "$(cat "$JD/stamp" 2>/dev/null)" != "$jstamp" ]]; then
    rm -f "$JD/stamp" "$PEOPLE" "$JOINED" "$FLAT"
    log "join_split: $KEYS persons -> $PEOPLE, $JOINED, $FLAT"
    t0=$SECONDS
    "$BENCH_DIR/join_split" --seed "$SEED" --keys "$KEYS" "$DATA" \
        "$PEOPLE.tmp" "$JOINED.tmp" "$FLAT.tmp"
    mv "$PEOPLE.tmp" "$PEOPLE"; mv "$JOINED.tmp" "$JOINED"; mv "$FLAT.tmp" "$FLAT"
    echo "$jstamp" > "$JD/stamp"
    log "split in $((SECONDS - t0)) s"
    sync -f "$FLAT" 2>/dev/null || sync  # no write-back during the timed runs
fi

# schemas: bench.yaml (flat) and bench-join.yaml (join) next to the data, with the code lists
cp "$HERE/data/bench.yaml" "$JD/flat.yaml"
cp "$HERE/data/bench-join.yaml" "$JD/join.yaml"
cp "$HERE/data/offence-to-iccs.csv" "$HERE/data/age-iccs.csv" "$JD/"

# a 1000-record input for the join: what loading the lookup alone costs
head -n 1001 "$JOINED" > "$JD/joined-head.csv"

# ------------------------------------------------------------------ measurement
ARGS=(tabulate --by "$BY" --totals --min-count 3)
((SECONDARY)) || ARGS+=(--no-secondary)
declare -A SCHEMA_OF INPUT_OF LABEL_OF TIMES CPUS RSS MED CPUMED FAILED
SCHEMA_OF[flat]=$JD/flat.yaml   INPUT_OF[flat]=$FLAT    LABEL_OF[flat]="flat (no join)"
SCHEMA_OF[join]=$JD/join.yaml   INPUT_OF[join]=$JOINED  LABEL_OF[join]="join ($KEYS-key lookup)"
SCHEMA_OF[load]=$JD/join.yaml   INPUT_OF[load]=$JD/joined-head.csv
LABEL_OF[load]="join, 1000 records (lookup load alone)"

# run_once ID I: one run, table to $JD/out-ID-I.csv; appends to TIMES[ID], CPUS[ID], max RSS[ID]
run_once() {
    local id=$1 i=$2 rc=0 tf="$JD/time.out"
    local ef="$JD/$id.err"
    [[ -z ${FAILED[$id]:-} ]] || return 0
    local t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M %U %S' -o "$tf" timeout "$RUN_TIMEOUT" \
        "$OCSTAT" "${ARGS[@]}" --schema "${SCHEMA_OF[$id]}" "${INPUT_OF[$id]}" \
        > "$JD/out-$id-$i.csv" 2> "$ef" || rc=$?
    local t1=$EPOCHREALTIME
    if ((rc != 0)); then
        local why="exit $rc"
        ((rc == 124)) && why="TIMEOUT after ${RUN_TIMEOUT}s"
        log "  $id run $i failed ($why); stderr (last lines of $ef):"
        tail -n 5 "$ef" >&2 || true
        FAILED[$id]=$why
        return 0
    fi
    local e m u s
    read -r e m u s < <(tail -n 1 "$tf")
    # wall time from bash's microsecond clock (GNU time's %e has 10 ms resolution)
    e=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN{printf "%.3f", b - a}')
    local c
    c=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
    TIMES[$id]+="$e " CPUS[$id]+="$c "
    ((m > ${RSS[$id]:-0})) && RSS[$id]=$m
    log "  $id run $i: ${e} s wall, ${c} s cpu, ${m} KiB"
}

median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
fastest() { printf '%s\n' $1 | sort -g | head -n1; }

LOAD_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
awk -v l="$LOAD_START" 'BEGIN{exit !(l > 0.5)}' 2>/dev/null &&
    log "warning: load average is $LOAD_START before the bench; timings may be noisy"

log "runs: $OCSTAT ${ARGS[*]} --schema {flat,join}.yaml {flat,joined-main}.csv in $JD"
# flat and join alternate, so a change in the machine's load hits both alike
for ((i = 1; i <= REPEAT; i++)); do
    run_once flat "$i"
    run_once join "$i"
done
for ((i = 1; i <= REPEAT; i++)); do run_once load "$i"; done
rm -f "$JD/time.out"

[[ -z ${FAILED[flat]:-} && -z ${FAILED[join]:-} ]] || die "a run failed (see above)"

# every table of the join runs must equal the flat runs' tables, byte for byte
for ((i = 1; i <= REPEAT; i++)); do
    for f in "$JD/out-flat-$i.csv" "$JD/out-join-$i.csv"; do
        cmp -s "$JD/out-flat-1.csv" "$f" ||
            die "TABLES DIFFER: $JD/out-flat-1.csv vs $f (cmp: $(cmp "$JD/out-flat-1.csv" "$f" 2>&1 | head -n1))"
    done
done
CELLS=$(($(wc -l < "$JD/out-flat-1.csv") - 1))
log "tables identical ($CELLS cells, $REPEAT + $REPEAT runs)"

ROWS_OUT=()
for id in flat join load; do
    input=${INPUT_OF[$id]}
    if [[ -n ${FAILED[$id]:-} ]]; then
        ROWS_OUT+=("| ${LABEL_OF[$id]} | $(basename "$input") | FAILED (${FAILED[$id]}) | | | | |")
        continue
    fi
    MED[$id]=$(median "${TIMES[$id]}") CPUMED[$id]=$(median "${CPUS[$id]}")
    ROWS_OUT+=("$(awk -v t="${LABEL_OF[$id]}" -v in_="$(basename "$input")" -v b="$(stat -c %s "$input")" \
        -v s="${MED[$id]}" -v c="${CPUMED[$id]}" -v m="${RSS[$id]}" -v all="${TIMES[$id]% }" 'BEGIN{
            mbs = (s > 0 && b > 1e7) ? sprintf("%.0f", b / 1e6 / s) : "-"
            printf "| %s | %s (%.1f MB) | %.3f | %.2f | %s | %.1f | %s |", t, in_, b / 1e6, s, c, mbs, m / 1024, all }')")
done

# ------------------------------------------------------------------------ report
PEOPLE_BYTES=$(stat -c %s "$PEOPLE")
read -r RATIO TIME_OK CPU_RATIO BUDGET_KIB MEM_OK < <(awk -v j="${MED[join]}" -v f="${MED[flat]}" \
    -v cj="${CPUMED[join]}" -v cf="${CPUMED[flat]}" \
    -v lb="$PEOPLE_BYTES" -v fr="${RSS[flat]}" -v jr="${RSS[join]}" 'BEGIN{
        r = j / f; b = lb / 1024 + fr + 32 * 1024
        printf "%.2f %s %s %d %s\n", r, (r <= 1.5) ? "yes" : "NO", (cf > 0) ? sprintf("%.2f", cj / cf) : "-",
            b, (jr <= b) ? "yes" : "NO" }')

cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo '?')
mem=$(awk '/^MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo '?')
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; }
cat <<EOF
## ocstat lookup-join benchmark ($(date -u +%Y-%m-%dT%H:%MZ))

Machine: $(nproc) cores ($cpu), $mem RAM; files in page cache (warm); 1-min load average
$LOAD_START at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?') at the end.
ocstat ${OCSTAT_VER} ($OCSTAT).
Data: \`bench/gen.c\` seed $SEED, $ROWS records; \`bench/join_split.c\`: people.csv $KEYS persons
($(awk -v b="$PEOPLE_BYTES" 'BEGIN{printf "%.1f MB = %.1f MiB", b / 1e6, b / 1048576}'), ids in random order), every record given a
uniformly random person (joined-main.csv), flat.csv = the same records with that person's sex and age inline.

Query: \`ocstat ${ARGS[*]} --schema S FILE\`; S = bench/data/bench.yaml (flat) or
bench/data/bench-join.yaml (sex, age through \`lookups: people: {file: people.csv, key: person_id, on: person_id}\`).
Seconds = wall time, median of $REPEAT runs (flat and join runs alternate); CPU s = user + sys, median;
MB/s = the run's input bytes / 10^6 / seconds; peak RSS = max over the runs of GNU time %M.
Tables: flat and join identical, byte for byte ($CELLS cells, all $((2 * REPEAT)) runs).

| run | input | seconds | CPU s | MB/s | peak RSS MiB | runs (s) |
|---|---|---:|---:|---:|---:|---|
EOF
printf '%s\n' "${ROWS_OUT[@]}"
cat <<EOF

| check | value | bar | met |
|---|---|---|---|
| time join / flat | ${RATIO} (${MED[join]} s / ${MED[flat]} s wall; CPU ${CPU_RATIO}) | ≤ 1.5 | $TIME_OK |
| (fastest runs, for a noisy machine) | $(awk -v j="$(fastest "${TIMES[join]}")" -v f="$(fastest "${TIMES[flat]}")" 'BEGIN{printf "%.2f (%s s / %s s)", j / f, j, f}') | (median decides) | |
| (median of each pair's ratio: run i of join / run i of flat, run one after the other) | $(median "$(paste <(printf '%s\n' ${TIMES[join]}) <(printf '%s\n' ${TIMES[flat]}) | awk '{printf "%.3f\n", $1 / $2}')") | (median decides) | |
| peak RSS join | $(mib "${RSS[join]}") MiB | ≤ lookup file $(mib $((PEOPLE_BYTES / 1024))) MiB + flat run $(mib "${RSS[flat]}") MiB + 32 MiB = $(mib "$BUDGET_KIB") MiB | $MEM_OK |
EOF

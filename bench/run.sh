#!/usr/bin/env bash
# bench/run.sh - ocstat throughput / memory benchmark against DuckDB and GNU datamash.
#
#   bash bench/run.sh                 # 10 M rows (+ a 1 M run), markdown table on stdout
#   ROWS=2000000 SMALL_ROWS=0 bash bench/run.sh
#
# Environment (all optional):
#   ROWS=10000000          rows of the main run
#   SMALL_ROWS=1000000     rows of the second, smaller run (shows memory is flat); 0 = skip
#   BENCH_DIR=/tmp/ocstat-bench   scratch dir for gen, the data and logs (never the repo)
#   OCSTAT=<repo>/build/cli/ocstat   the ocstat binary (skipped with a message if missing)
#   REPEAT=3               runs per measurement; the table shows the median time
#   GZIP_LEVEL=6           gzip level of the .gz copy (gzip -N -n)
#   SEED=42                generator seed
#   DUCKDB_THREADS=2       DuckDB threads
#   TOOLS="floor ocstat duckdb datamash"   which rows of the table to measure
#   RUN_TIMEOUT=900        seconds before one run is killed (reported as TIMEOUT)
#   BENCH_INSTALL=1        apt-get install GNU time / datamash if missing (root only);
#                          npm ci the DuckDB package into bench/node_modules if missing
#
# Progress goes to stderr; the report (markdown) goes to stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

ROWS=${ROWS:-10000000}
SMALL_ROWS=${SMALL_ROWS:-1000000}
BENCH_DIR=${BENCH_DIR:-/tmp/ocstat-bench}
OCSTAT=${OCSTAT:-$REPO/build/cli/ocstat}
REPEAT=${REPEAT:-3}
GZIP_LEVEL=${GZIP_LEVEL:-6}
SEED=${SEED:-42}
DUCKDB_THREADS=${DUCKDB_THREADS:-2}
TOOLS=${TOOLS:-"floor ocstat duckdb datamash"}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
BENCH_INSTALL=${BENCH_INSTALL:-1}
SCHEMA=$HERE/data/bench.yaml
BY=YEAR,REGION,SEX,AGE

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
has_tool() { [[ " $TOOLS " == *" $1 "* ]]; }

case "$ROWS$SMALL_ROWS$REPEAT$GZIP_LEVEL$SEED" in *[!0-9]*) die "ROWS, SMALL_ROWS, REPEAT, GZIP_LEVEL, SEED must be integers";; esac
((ROWS > 0)) || die "ROWS must be > 0"
((REPEAT > 0)) || die "REPEAT must be > 0"
BENCH_DIR=$(realpath -m "$BENCH_DIR")
case "$BENCH_DIR/" in
    "$REPO"/*) die "BENCH_DIR must be outside the repository ($BENCH_DIR)";;
esac

apt_install() { # pkg: install a Debian package if allowed
    [[ $BENCH_INSTALL == 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
    log "installing Debian package $1"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >&2 ||
        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >&2; }
}

# ---------------------------------------------------------------- prerequisites
if [[ ! -x /usr/bin/time ]]; then
    apt_install time || die "/usr/bin/time (Debian package 'time') is required"
fi
command -v cc >/dev/null || die "a C compiler (cc) is required"
command -v gzip >/dev/null || die "gzip is required"

mkdir -p "$BENCH_DIR"

log "building gen and the floor programs"
cc -std=c11 -O2 -o "$BENCH_DIR/gen" "$HERE/gen.c"
FLOORS_OK=1
cc -std=c11 -O2 -o "$BENCH_DIR/floor_libcsv" "$HERE/floor_libcsv.c" -lcsv 2>/dev/null &&
    cc -std=c11 -O2 -o "$BENCH_DIR/floor_zlib" "$HERE/floor_zlib.c" -lz 2>/dev/null ||
    { FLOORS_OK=0; log "libcsv/zlib floors not built (need libcsv-dev, zlib1g-dev)"; }
GEN_SUM=$(cat "$HERE/gen.c" "$HERE/prng.h" | sha256sum | cut -c1-16)

# make_data ROWS: sets DATA (plain) and DATAGZ; reuses files made by the same gen.c/seed/level
make_data() {
    local rows=$1 base="$BENCH_DIR/records-$1-s$SEED"
    DATA=$base.csv
    DATAGZ=$base.csv.gz
    local stamp="gen=$GEN_SUM rows=$rows seed=$SEED"
    if [[ ! -s $DATA || "$(cat "$DATA.stamp" 2>/dev/null)" != "$stamp" ]]; then
        rm -f "$DATA" "$DATA.stamp" "$DATAGZ" "$DATAGZ.stamp"
        log "generating $rows rows -> $DATA"
        local t0=$SECONDS
        "$BENCH_DIR/gen" --seed "$SEED" "$rows" > "$DATA.tmp"
        mv "$DATA.tmp" "$DATA"
        echo "$stamp" > "$DATA.stamp"
        log "generated in $((SECONDS - t0)) s"
    fi
    local gzstamp="$stamp level=$GZIP_LEVEL"
    if [[ ! -s $DATAGZ || "$(cat "$DATAGZ.stamp" 2>/dev/null)" != "$gzstamp" ]]; then
        log "gzip -$GZIP_LEVEL -n -> $DATAGZ"
        gzip -"$GZIP_LEVEL" -n -c "$DATA" > "$DATAGZ.tmp"
        mv "$DATAGZ.tmp" "$DATAGZ"
        echo "$gzstamp" > "$DATAGZ.stamp"
        sync -f "$DATAGZ" 2>/dev/null || sync  # no write-back during the timed runs
    fi
}

# ------------------------------------------------------------------ tool checks
OCSTAT_OK=0 OCSTAT_WHY="" OCSTAT_VER=""
if has_tool ocstat; then
    if [[ ! -x $OCSTAT ]]; then
        OCSTAT_WHY="binary not found at $OCSTAT (build it: cmake -S . -B build && cmake --build build)"
    elif ! OCSTAT_VER=$("$OCSTAT" --version 2>&1 | head -n1 | sed 's/^ocstat //'); then
        OCSTAT_WHY="'$OCSTAT --version' failed: $OCSTAT_VER"
    else
        OCSTAT_OK=1
    fi
    ((OCSTAT_OK)) || log "skipping ocstat: $OCSTAT_WHY"
fi

DUCK_OK=0 DUCK_WHY="" DUCK_VER=""
if has_tool duckdb; then
    if ! command -v node >/dev/null; then
        DUCK_WHY="node not found"
    else
        if [[ ! -d $HERE/node_modules/@duckdb/node-api && $BENCH_INSTALL == 1 ]]; then
            log "npm ci --prefix bench (DuckDB engine, into bench/node_modules)"
            npm ci --prefix "$HERE" --no-audit --no-fund >&2 || true
        fi
        if [[ -d $HERE/node_modules/@duckdb/node-api ]]; then
            DUCK_OK=1
            DUCK_VER=$(node -e 'console.log(require(process.argv[1]).version)' \
                "$HERE/node_modules/@duckdb/node-api/package.json" 2>/dev/null || echo '?')
        else
            DUCK_WHY="bench/node_modules missing (run: npm ci --prefix bench)"
        fi
    fi
    ((DUCK_OK)) || log "skipping duckdb: $DUCK_WHY"
fi

DM_OK=0 DM_WHY="" DM_VER=""
if has_tool datamash; then
    command -v datamash >/dev/null || apt_install datamash || true
    if command -v datamash >/dev/null; then
        DM_OK=1
        DM_VER=$(datamash --version | head -n1 | awk '{print $NF}')
    else
        DM_WHY="datamash not installed (apt-get install -y datamash)"
        log "skipping datamash: $DM_WHY"
    fi
fi

# ------------------------------------------------------------------ measurement
ROWS_OUT=()   # markdown table rows

# measure TOOL INPUT ROWS BYTES CMD...: REPEAT runs of CMD (stdout -> /dev/null),
# median wall time, max peak RSS (GNU time %M covers the process and its children)
measure() {
    local tool=$1 input=$2 rows=$3 bytes=$4
    shift 4
    local i rc times=() rss=0 tf="$BENCH_DIR/time.out" ef="$BENCH_DIR/$(printf '%s' "$tool" | tr -c 'a-z0-9' '_')-$input-$rows.err"
    log "$tool $input $rows: $*"
    for ((i = 1; i <= REPEAT; i++)); do
        rc=0
        local t0=$EPOCHREALTIME
        /usr/bin/time -f '%e %M' -o "$tf" timeout "$RUN_TIMEOUT" "$@" > /dev/null 2> "$ef" || rc=$?
        local t1=$EPOCHREALTIME
        if ((rc != 0)); then
            local why="exit $rc"
            ((rc == 124)) && why="TIMEOUT after ${RUN_TIMEOUT}s"
            log "  run $i failed ($why); stderr (last lines of $ef):"
            tail -n 5 "$ef" >&2 || true
            ROWS_OUT+=("| $tool | $input | $rows | FAILED ($why) | | | |")
            return 0
        fi
        local e m
        read -r e m < <(tail -n 1 "$tf")
        # wall time from bash's microsecond clock (GNU time's %e has 10 ms resolution)
        e=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN{printf "%.3f", b - a}')
        times+=("$e")
        ((m > rss)) && rss=$m
        log "  run $i: ${e} s, ${m} KiB"
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    ROWS_OUT+=("$(awk -v t="$tool" -v in_="$input" -v r="$rows" -v b="$bytes" -v s="$med" -v m="$rss" \
        -v all="$(printf '%s ' "${times[@]}")" 'BEGIN{
            sub(/ $/, "", all)
            mbs = (s > 0) ? sprintf("%.0f", b / 1e6 / s) : "-"
            printf "| %s | %s | %d | %.3f | %s | %.1f | %s |", t, in_, r, s, mbs, m / 1024, all }')")
}

skip_row() { ROWS_OUT+=("| $1 | $2 | $3 | skipped: $4 | | | |"); }

bench_size() {
    local rows=$1
    make_data "$rows"
    local bytes
    bytes=$(stat -c %s "$DATA")
    SIZES_INFO+=("- $rows rows: plain $(awk -v b="$bytes" 'BEGIN{printf "%.1f MB (%.1f B/line)", b/1e6, b/('"$rows"'+1)}'), gzip -$GZIP_LEVEL $(stat -c %s "$DATAGZ" | awk '{printf "%.1f MB", $1/1e6}')")

    if has_tool floor; then
        measure "wc -l (floor)" plain "$rows" "$bytes" wc -l "$DATA"
        measure "zcat (floor)" gzip "$rows" "$bytes" zcat "$DATAGZ"
        if ((FLOORS_OK)); then
            measure "libcsv parse alone (floor)" plain "$rows" "$bytes" "$BENCH_DIR/floor_libcsv" "$DATA"
            measure "zlib inflate alone (floor)" gzip "$rows" "$bytes" "$BENCH_DIR/floor_zlib" "$DATAGZ"
        fi
    fi
    if has_tool ocstat; then
        if ((OCSTAT_OK)); then
            local f kind
            for kind in plain gzip; do
                f=$DATA; [[ $kind == gzip ]] && f=$DATAGZ
                measure ocstat "$kind" "$rows" "$bytes" \
                    "$OCSTAT" tabulate --schema "$SCHEMA" --by "$BY" --totals --min-count 3 --no-secondary "$f"
            done
        else
            skip_row ocstat "plain, gzip" "$rows" "$OCSTAT_WHY"
        fi
    fi
    if has_tool duckdb; then
        if ((DUCK_OK)); then
            measure "duckdb ($DUCKDB_THREADS thr)" plain "$rows" "$bytes" \
                node "$HERE/duckdb_tab.mjs" --threads "$DUCKDB_THREADS" "$DATA"
            measure "duckdb ($DUCKDB_THREADS thr)" gzip "$rows" "$bytes" \
                node "$HERE/duckdb_tab.mjs" --threads "$DUCKDB_THREADS" "$DATAGZ"
        else
            skip_row duckdb "plain, gzip" "$rows" "$DUCK_WHY"
        fi
    fi
    if has_tool datamash; then
        if ((DM_OK)); then
            # -s makes datamash pipe its input through sort(1); sort sizes its buffer
            # from a regular file (plain) but spills to temp files when fed by a pipe (gzip).
            measure "datamash*" plain "$rows" "$bytes" \
                bash -c 'exec datamash -t, -H -s -g 2,3,5,6 count 1 < "$1"' _ "$DATA"
            measure "datamash*" gzip "$rows" "$bytes" \
                bash -c 'set -o pipefail; zcat "$1" | datamash -t, -H -s -g 2,3,5,6 count 1' _ "$DATAGZ"
        else
            skip_row datamash "plain, gzip" "$rows" "$DM_WHY"
        fi
    fi
}

# cross_check ROWS: ocstat's table (plain and gzip input) must equal DuckDB's non-zero cells
CHECK_INFO="not run (needs ocstat and duckdb)"
cross_check() {
    local rows=$1 kind f out res
    ((OCSTAT_OK && DUCK_OK)) || return 0
    make_data "$rows"
    CHECK_INFO=""
    for kind in plain gzip; do
        f=$DATA; [[ $kind == gzip ]] && f=$DATAGZ
        out="$BENCH_DIR/ocstat-$kind-$rows.csv"
        log "cross-check $kind $rows rows: ocstat vs duckdb"
        if ! "$OCSTAT" tabulate --schema "$SCHEMA" --by "$BY" --totals --min-count 3 --no-secondary \
                --quiet -o "$out" "$f" 2> "$BENCH_DIR/check.err"; then
            tail -n 5 "$BENCH_DIR/check.err" >&2
            CHECK_INFO+="$kind: ocstat FAILED; "
            continue
        fi
        res=$(node "$HERE/duckdb_tab.mjs" --threads "$DUCKDB_THREADS" --compare "$out" "$f" 2>&1 |
              grep '^compare:' || echo "compare: duckdb_tab.mjs failed")
        log "  $res"
        if [[ $res == *IDENTICAL ]]; then
            CHECK_INFO+="$kind $rows rows: identical ($(sed -E 's/.*ocstat ([0-9]+) non-zero.*/\1/' <<<"$res") non-zero cells); "
        else
            CHECK_INFO+="$kind $rows rows: DIFFERENT (${res#compare: }); "
        fi
        rm -f "$out"
    done
    CHECK_INFO=${CHECK_INFO%; }
}

LOAD_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
awk -v l="$LOAD_START" 'BEGIN{exit !(l > 0.5)}' 2>/dev/null &&
    log "warning: load average is $LOAD_START before the bench; timings may be noisy"
SIZES_INFO=()
if ((SMALL_ROWS > 0)); then cross_check "$SMALL_ROWS"; else cross_check "$ROWS"; fi
bench_size "$ROWS"
if ((SMALL_ROWS > 0 && SMALL_ROWS != ROWS)); then
    bench_size "$SMALL_ROWS"
fi
rm -f "$BENCH_DIR/time.out"

# ------------------------------------------------------------------------ report
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo '?')
mem=$(awk '/^MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo '?')
cat <<EOF
## ocstat benchmark ($(date -u +%Y-%m-%dT%H:%MZ))

Machine: $(nproc) cores ($cpu), $mem RAM; files in page cache (warm); 1-min load average
$LOAD_START at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?') at the end (the bench itself adds ~1-2).
Data: \`bench/gen.c\` seed $SEED (gen.c sha256 $GEN_SUM…), input files:
$(printf '%s\n' "${SIZES_INFO[@]}")

Query: \`ocstat tabulate --schema bench/data/bench.yaml --by $BY --totals --min-count 3 --no-secondary FILE > /dev/null\` (reading and counting; protection is measured by build/bench/sdc_bench)
and its equivalents. Seconds = wall time, median of $REPEAT runs (all runs listed); MB/s = uncompressed
input bytes / 10^6 / median seconds; peak RSS = max over the runs of GNU time's %M.
Cross-check of ocstat against DuckDB (cells, values, status flags; zero cells aside): $CHECK_INFO.
Versions: ocstat ${OCSTAT_VER:-n/a}; DuckDB node-api ${DUCK_VER:-n/a} (threads=$DUCKDB_THREADS); datamash ${DM_VER:-n/a}.

| tool | input | rows | seconds | MB/s | peak RSS MiB | runs (s) |
|---|---|---:|---:|---:|---:|---|
EOF
printf '%s\n' "${ROWS_OUT[@]}"
cat <<'EOF'

Notes:
- ocstat: single pass, full cross product of the codes (zero cells too) plus `_T` margins,
  primary suppression (< 3), code-list validation of every schema column; no secondary
  suppression (`--no-secondary`, like the peers here): protection is measured on its own
  by build/bench/sdc_bench.
- duckdb: `bench/duckdb_tab.mjs`: read_csv + GROUP BY CUBE + primary suppression only,
  sorted CSV to /dev/null; no empty cells, no secondary suppression, offence/role not validated.
- datamash*: rough lower bound, not the same result: it does not parse CSV quoting (the quoted
  note is the last column here, so columns 2,3,5,6 are still right), groups by raw age (no
  bands, no missing mapping), no margins, no suppression; `-s` sorts the whole input first.
- floor: `wc -l` (plain) and `zcat > /dev/null` (gzip) bound what any reader can do.
EOF

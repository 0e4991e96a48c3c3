#!/usr/bin/env bash
# nibrs.sh - independent cross-check of the bundled example release
# (examples/nibrs-dc-2021) against a recount with zcat + awk.
#
#   tests/crosscheck/nibrs.sh OCSTAT REPO_ROOT
#
# 1. Runs `OCSTAT run REPO_ROOT/examples/nibrs-dc-2021/release.yaml --out TMP/rel --quiet`.
# 2. Recounts every cell of OFF_SEX_AGE, VIC_SEX_AGE, VIC_SEX_AGE_STATUS and VIC_SEX_AGE_DETAIL,
#    _T margins included, straight from the gzip inputs.  No ocstat code is
#    used: the rules below are transcribed by hand from offenders.yaml,
#    victims.yaml and release.yaml (the band limits are read from the band
#    CSV files those schemas name).  If the example's configuration changes,
#    change the rules here too.
# 3. Compares with ocstat's CSV tables: the same set of cells; a published
#    cell (A,F) has the recounted value and is not a small count; a primary
#    suppressed cell (Q,A) has a recount n with 1 <= n < min_count; a
#    secondary suppressed cell (Q,D), if any, has no value and n is not a
#    primary one.
# 4. Checks that the other formats (SDMX-CSV 1.0 and 2.0, JSON) carry the same
#    cells as the CSV, and verifies manifest.json: every listed file's sha256,
#    size and row count, no unlisted file, the inputs' sha256 and size, and
#    each table's cell and row accounting.
#
# Prints `crosscheck: N cells compared, D differences` and exits 0 only when
# D is 0 and every other check holds.  Needs bash, awk (mawk or gawk), sort,
# sha256sum, zcat and coreutils.
set -euo pipefail
export LC_ALL=C

if [[ $# -ne 2 ]]; then
    echo "usage: $0 OCSTAT REPO_ROOT" >&2
    exit 2
fi
ocstat=$1
root=$2
ex=$root/examples/nibrs-dc-2021
bands=$root/schemas/bands

die() { echo "crosscheck: $*" >&2; exit 1; }

[[ -x $ocstat ]] || die "$ocstat is not an executable"
[[ -f $ex/release.yaml ]] || die "no $ex/release.yaml"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocstat-crosscheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rel=$tmp/rel

rc=0
"$ocstat" run "$ex/release.yaml" --out "$rel" --quiet || rc=$?
[[ $rc -eq 0 ]] || die "ocstat run failed with exit status $rc"
[[ -f $rel/manifest.json ]] || die "ocstat wrote no manifest.json"

# ---------------------------------------------------------------------------
# The rules, from the example's configuration:
#   release.yaml: every table has totals: true and protect: {min_count: 5};
#     OFF_SEX_AGE         offenders where OFFENDER=KNOWN,  by YEAR, SEX, AGE
#     VIC_SEX_AGE         victims   where VICTIM_TYPE=PERSON, by YEAR, SEX, AGE
#     VIC_SEX_AGE_STATUS  victims   where VICTIM_TYPE=PERSON, by YEAR, SEX, AGE_STATUS
#     VIC_SEX_AGE_DETAIL  victims   where VICTIM_TYPE=PERSON, by YEAR, SEX, AGE_DETAIL (UN-CTS bands)
#     output: agency OCSTAT, version "1.0"
#   offenders.yaml:
#     data_year        integer 1991..2100                       -> YEAR
#     offender_seq_num integer 0..999, bands offender-known.csv -> OFFENDER
#     age_num          integer 0..99, missing "", "00", "NS"; tokens NN NB BB = 0
#                      bands age-iccs.csv (+ _U for missing)    -> AGE
#     sex_code         M->M F->F U->_U X->_U ""->_U             -> SEX (M, F, _U)
#   victims.yaml:
#     data_year        as above
#     victim_type_id   1 2 3 6 7 8 -> NONPERSON, 4 5 -> PERSON, 9 -> _U
#     age_num          as above; bands age-iccs.csv -> AGE, age-child-adult.csv -> AGE_STATUS
#     sex_code         M->M F->F U->_U X->_Z                    -> SEX (M, F, _U, _Z)
# Any other value would be a reject, and ocstat stops at the first reject,
# so the recount treats one as a difference.
MIN_COUNT=5
AGENCY=OCSTAT
VERSION=1.0

cat > "$tmp/recount.awk" <<'AWK'
# Recounts one table.  Variables: kind (offenders|victims), table, input (name for messages),
# agebands (band file of the table's age dimension), known (offender-known
# bands), iccs (age-iccs bands, validated for every row like ocstat does),
# out_stats (file for "read counted filtered").
# Output: YEAR,SEX,AGECODE,count for every cell of the full cross product.
function fail(msg) { printf "crosscheck: %s: %s\n", table, msg > "/dev/stderr"; failed = 1; exit 1 }
function rowfail(c, msg) { fail(input ":" NR ": " c ": " msg) }
function load_bands(file, p,   line, f, n, hdr, r) {
    n = 0
    hdr = ""
    while ((r = (getline line < file)) > 0) {
        sub(/\r$/, "", line)
        if (hdr == "") { hdr = line; continue }
        if (line == "") continue
        split(line, f, ",")
        if (f[2] !~ /^[+-]?[0-9]+$/ || (f[3] != "" && f[3] !~ /^[+-]?[0-9]+$/))
            fail(file ": bad band line '" line "'")
        n++
        BC[p, n] = f[1]; BL[p, n] = f[2] + 0; BH[p, n] = f[3]
    }
    if (r < 0) fail("cannot read " file)
    close(file)
    if (hdr !~ /^code,lo,hi(,|$)/) fail(file ": expected a header code,lo,hi[,label], got '" hdr "'")
    if (n == 0) fail(file ": no bands")
    NBANDS[p] = n
}
function band(p, v,   i) {
    for (i = 1; i <= NBANDS[p]; i++)
        if (v >= BL[p, i] && (BH[p, i] == "" || v <= BH[p, i] + 0))
            return BC[p, i]
    return ""
}
function integer(c, s, lo, hi) {
    if (s !~ /^[+-]?[0-9]+$/) rowfail(c, "invalid integer '" s "' (ocstat would have rejected the row)")
    if (s + 0 < lo || s + 0 > hi) rowfail(c, "'" s "' out of range [" lo ", " hi "] (ocstat would have rejected the row)")
    return s + 0
}
# age_num: sets AGE_MISSING, returns the value
function age(s) {
    AGE_MISSING = 0
    if (s == "" || s == "00" || s == "NS") { AGE_MISSING = 1; return -1 }
    if (s == "NN" || s == "NB" || s == "BB") return 0
    return integer("age_num", s, 0, 99)
}
function col(name) {
    if (!(name in COL)) fail(input ": the header has no column '" name "'")
    return COL[name]
}
BEGIN {
    FS = ","
    BOM = sprintf("%c%c%c", 239, 187, 191)
    if (kind != "offenders" && kind != "victims") fail("unknown kind '" kind "'")
    load_bands(agebands, "age")
    load_bands(iccs, "iccs")
    if (kind == "offenders") {
        load_bands(known, "known")
        NSEX = split("M F _U", SEXES, " ")
        SEXMAP["M"] = "M"; SEXMAP["F"] = "F"; SEXMAP["U"] = "_U"; SEXMAP["X"] = "_U"; SEXMAP[""] = "_U"
    } else {
        NSEX = split("M F _U _Z", SEXES, " ")
        SEXMAP["M"] = "M"; SEXMAP["F"] = "F"; SEXMAP["U"] = "_U"; SEXMAP["X"] = "_Z"
        TYPEMAP["1"] = "NONPERSON"; TYPEMAP["2"] = "NONPERSON"; TYPEMAP["3"] = "NONPERSON"
        TYPEMAP["4"] = "PERSON"; TYPEMAP["5"] = "PERSON"
        TYPEMAP["6"] = "NONPERSON"; TYPEMAP["7"] = "NONPERSON"; TYPEMAP["8"] = "NONPERSON"
        TYPEMAP["9"] = "_U"
    }
    NAGE = 0
    for (i = 1; i <= NBANDS["age"]; i++) AGES[++NAGE] = BC["age", i]
    AGES[++NAGE] = "_U"     # age_num has missing values
}
{ sub(/\r$/, "") }
NR == 1 {
    if (substr($0, 1, 3) == BOM) $0 = substr($0, 4)
    NFIELDS = NF
    for (i = 1; i <= NF; i++) COL[$i] = i
    c_year = col("data_year"); c_age = col("age_num"); c_sex = col("sex_code")
    if (kind == "offenders") c_seq = col("offender_seq_num"); else c_type = col("victim_type_id")
    next
}
$0 == "" { next }      # a blank line is no record
{
    if (index($0, "\"") > 0) fail(input ":" NR ": quoted fields: this recount splits at commas only")
    if (NF != NFIELDS) rowfail("-", "expected " NFIELDS " fields, got " NF)
    read++
    # validate every declared column, as ocstat does, then code the dimensions
    year = integer("data_year", $c_year, 1991, 2100)
    a = age($c_age)
    if (!($c_sex in SEXMAP)) rowfail("sex_code", "unknown code '" $c_sex "'")
    sex = SEXMAP[$c_sex]
    if (kind == "offenders") {
        seq = integer("offender_seq_num", $c_seq, 0, 999)
        if ((who = band("known", seq)) == "") rowfail("offender_seq_num", "no band holds " seq)
        keep = who == "KNOWN"
    } else {
        if (!($c_type in TYPEMAP)) rowfail("victim_type_id", "unknown code '" $c_type "'")
        keep = TYPEMAP[$c_type] == "PERSON"
    }
    if (AGE_MISSING) {
        agecode = "_U"
    } else {
        # every band dimension of the schema must hold the value
        if (band("iccs", a) == "") rowfail("age_num", "no band holds " a)
        if ((agecode = band("age", a)) == "") rowfail("age_num", "no band holds " a)
    }
    YEARS[year] = 1         # the dataset's years: an open dimension
    if (!keep) { filtered++; next }
    counted++
    ny = split(year " _T", ys, " ")
    ns = split(sex " _T", ss, " ")
    na = split(agecode " _T", as, " ")
    for (i = 1; i <= ny; i++)
        for (j = 1; j <= ns; j++)
            for (k = 1; k <= na; k++)
                N[ys[i], ss[j], as[k]]++
}
END {
    if (failed) exit 1
    if (NR == 0) fail("empty input")
    printf "%d %d %d\n", read, counted, filtered > out_stats
    yl = "_T"
    for (y in YEARS) yl = yl " " y
    ny = split(yl, ys, " ")
    for (i = 1; i <= ny; i++) {
        for (j = 0; j <= NSEX; j++) {
            s = j ? SEXES[j] : "_T"
            for (k = 0; k <= NAGE; k++) {
                g = k ? AGES[k] : "_T"
                printf "%s,%s,%s,%d\n", ys[i], s, g, N[ys[i], s, g] + 0
            }
        }
    }
}
AWK

cat > "$tmp/compare.awk" <<'AWK'
# Compares ocstat's CSV table with the recount.  Variables: table, K
# (min_count), hdr (expected header).  First file: the recount, second:
# ocstat's CSV.  Prints "cells differences" on stdout; differences on stderr.
function diff(msg) {
    ndiff++
    if (ndiff <= 50) printf "crosscheck: %s: %s\n", table, msg > "/dev/stderr"
    else if (ndiff == 51) printf "crosscheck: %s: (more differences not shown)\n", table > "/dev/stderr"
}
BEGIN { FS = "," }
FNR == NR { E[$1 "," $2 "," $3] = $4; next }
FNR == 1 {
    if ($0 != hdr) diff("header is '" $0 "', expected '" hdr "'")
    next
}
{
    if (NF != 6) { diff("line " FNR ": " NF " fields: " $0); next }
    key = $1 "," $2 "," $3
    cells++
    if (key in SEEN) { diff("cell " key " appears twice"); next }
    SEEN[key] = 1
    if (!(key in E)) { diff("cell " key " is in ocstat's table but not in the recount"); next }
    n = E[key] + 0
    st = $5 "/" $6
    if (st == "A/F") {
        if ($4 "" != n "") diff("cell " key ": ocstat " $4 ", recount " n)
        else if (n >= 1 && n < K) diff("cell " key ": published count " n " is below min_count " K)
    } else if (st == "Q/A") {
        if ($4 != "") diff("cell " key ": primary suppressed but has the value " $4)
        if (!(n >= 1 && n < K)) diff("cell " key ": primary suppressed, but the recount is " n " (not 1.." K - 1 ")")
    } else if (st == "Q/D") {
        if ($4 != "") diff("cell " key ": secondary suppressed but has the value " $4)
        if (n >= 1 && n < K) diff("cell " key ": recount " n " needs primary suppression (Q,A), got Q,D")
    } else {
        diff("cell " key ": unknown status " $5 "," $6)
    }
}
END {
    for (key in E)
        if (!(key in SEEN)) diff("cell " key " (recount " E[key] ") is missing from ocstat's table")
    printf "%d %d\n", cells, ndiff
}
AWK

# Other formats: reduce each to the CSV's lines and compare in order.
cat > "$tmp/formats.awk" <<'AWK'
# Variables: fmt (sdmx|sdmx2|json), flow (AGENCY:ID(VERSION)); one input file.
# Prints the table as the CSV would be; problems go to stderr, exit 1.
function fail(msg) { printf "crosscheck: %s: %s\n", FILENAME, msg > "/dev/stderr"; bad = 1 }
fmt == "sdmx" && FNR == 1 { if (substr($0, 1, 9) != "DATAFLOW,") fail("header '" $0 "'"); print substr($0, 10); next }
fmt == "sdmx" {
    p = flow ","
    if (substr($0, 1, length(p)) != p) fail("line " FNR " does not start with " p)
    print substr($0, length(p) + 1); next
}
fmt == "sdmx2" && FNR == 1 {
    p = "STRUCTURE,STRUCTURE_ID,ACTION,"
    if (substr($0, 1, length(p)) != p) fail("header '" $0 "'")
    print substr($0, length(p) + 1); next
}
fmt == "sdmx2" {
    p = "dataflow," flow ",I,"
    if (substr($0, 1, length(p)) != p) fail("line " FNR " does not start with " p)
    print substr($0, length(p) + 1); next
}
fmt == "json" && /^  "dimensions": \[/ { indims = 1; next }
fmt == "json" && indims && /^    \{"id": / {
    # dimension ids, in order, for the header
    s = $0; sub(/^    \{"id": "/, "", s); sub(/".*/, "", s)
    hdr = hdr s ","
    next
}
fmt == "json" && /^  \],?$/ { indims = 0; next }
fmt == "json" && /^  "cells": \[/ { incells = 1; print hdr "OBS_VALUE,OBS_STATUS,CONF_STATUS"; next }
fmt == "json" && incells && /^    \{/ {
    s = $0
    sub(/^    \{/, "", s); sub(/\},?$/, "", s)
    n = split(s, kv, ", ")
    line = ""
    for (i = 1; i <= n; i++) {
        v = kv[i]
        sub(/^"[^"]*": /, "", v)
        if (v == "null") v = ""
        gsub(/"/, "", v)
        line = line (i > 1 ? "," : "") v
    }
    print line
    next
}
END { if (bad) exit 1 }
AWK

total_cells=0
total_diffs=0
problems=0
note() { echo "crosscheck: $*" >&2; problems=$((problems + 1)); }

declare -A STATS
recount() { # table kind input agebands
    local table=$1 kind=$2 input=$3 agebands=$4
    zcat "$ex/data/$input" | awk -v table="$table" -v kind="$kind" -v input="$input" -v agebands="$agebands" \
        -v iccs="$bands/age-iccs.csv" -v known="$ex/offender-known.csv" \
        -v out_stats="$tmp/$table.stats" -f "$tmp/recount.awk" > "$tmp/$table.recount" ||
        die "$table: the recount failed (see above)"
    STATS[$table]=$(cat "$tmp/$table.stats")
}

check_table() { # table kind input agebands agedim
    local table=$1 agedim=$5 result cells diffs
    recount "$1" "$2" "$3" "$4"
    [[ -f $rel/$table.csv ]] || { note "$table.csv is missing from the release"; return; }
    result=$(awk -v table="$table" -v K="$MIN_COUNT" \
                 -v hdr="YEAR,SEX,$agedim,OBS_VALUE,OBS_STATUS,CONF_STATUS" \
                 -f "$tmp/compare.awk" "$tmp/$table.recount" "$rel/$table.csv")
    read -r cells diffs <<< "$result"
    total_cells=$((total_cells + cells))
    total_diffs=$((total_diffs + diffs))
    # the other formats must carry the same cells, in the same order
    local fmt ext
    for fmt in sdmx sdmx2 json; do
        case $fmt in sdmx) ext=sdmx.csv ;; sdmx2) ext=sdmx2.csv ;; json) ext=json ;; esac
        [[ -f $rel/$table.$ext ]] || continue
        if ! awk -v fmt="$fmt" -v flow="$AGENCY:$table($VERSION)" -f "$tmp/formats.awk" \
                 "$rel/$table.$ext" > "$tmp/$table.$fmt.as-csv"; then
            note "$table.$ext is malformed (see above)"
        elif ! cmp -s "$tmp/$table.$fmt.as-csv" "$rel/$table.csv"; then
            note "$table.$ext does not carry the same cells as $table.csv"
        fi
    done
}

check_table OFF_SEX_AGE        offenders NIBRS_OFFENDER.csv.gz "$bands/age-iccs.csv"        AGE
check_table VIC_SEX_AGE        victims   NIBRS_VICTIM.csv.gz   "$bands/age-iccs.csv"        AGE
check_table VIC_SEX_AGE_STATUS victims   NIBRS_VICTIM.csv.gz   "$bands/age-child-adult.csv" AGE_STATUS
check_table VIC_SEX_AGE_DETAIL victims   NIBRS_VICTIM.csv.gz   "$bands/age-uncts-homicide.csv" AGE_DETAIL

# ---------------------------------------------------------------------------
# manifest.json
man=$rel/manifest.json
# files: one entry a line: {"name": "X", "sha256": "H", "bytes": N, "rows": R}
awk '
/^  "files": \[/ { infiles = 1; next }
infiles && /^  \]/ { infiles = 0; next }
infiles {
    s = $0
    if (s !~ /^    \{"name": "[^"]*", "sha256": "[0-9a-f]+", "bytes": [0-9]+, "rows": [0-9]+\},?$/) {
        print "BAD " s; next
    }
    gsub(/[{}",:]/, " ", s)
    split(s, f, " ")    # name X sha256 H bytes N rows R
    print f[2], f[4], f[6], f[8]
}' "$man" > "$tmp/files.lst"
if grep -q '^BAD ' "$tmp/files.lst"; then
    note "manifest.json: unexpected files entry: $(grep '^BAD ' "$tmp/files.lst" | head -1)"
fi
[[ -s $tmp/files.lst ]] || note "manifest.json lists no files"

nfiles=0
while read -r name sha bytes rows; do
    [[ $name == BAD ]] && continue
    nfiles=$((nfiles + 1))
    f=$rel/$name
    if [[ ! -f $f ]]; then note "manifest.json lists $name, which is not in the release"; continue; fi
    got=$(sha256sum < "$f"); got=${got%% *}
    [[ $got == "$sha" ]] || note "$name: sha256 $got, manifest says $sha"
    got=$(wc -c < "$f")
    [[ $got -eq $bytes ]] || note "$name: $got bytes, manifest says $bytes"
    case $name in
        *.json) got=$(awk '/^  "cells": \[/ { c = 1; next } c && /^    \{/ { n++ } END { print n + 0 }' "$f") ;;
        *.csv)  got=$(awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$f") ;;
        # the workbook and the report hold every table's cells (their places:
        # tests/release/xlsx_check.py and report_check.py)
        *.xlsx|*.html) got=0
                for c in "$rel"/*.csv; do
                    [[ ${c##*/} == *.*.csv || ${c##*/} == QUALITY.csv ]] && continue   # .sdmx.csv, .sdmx2.csv: the same cells
                    got=$((got + $(awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$c")))
                done ;;
        QUALITY.csv) got=$(awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$f") ;;
        *)      note "$name: unknown kind of file"; continue ;;
    esac
    [[ $got -eq $rows ]] || note "$name: $got rows, manifest says $rows"
done < "$tmp/files.lst"

# no file in the release that the manifest does not list
for f in "$rel"/* "$rel"/.[!.]*; do
    [[ -e $f ]] || continue
    name=${f##*/}
    [[ $name == manifest.json ]] && continue
    awk -v n="$name" '$1 == n { found = 1 } END { exit !found }' "$tmp/files.lst" ||
        note "$name is in the release but not in manifest.json"
done
for t in OFF_SEX_AGE VIC_SEX_AGE VIC_SEX_AGE_STATUS VIC_SEX_AGE_DETAIL; do
    awk -v n="$t.csv" '$1 == n { found = 1 } END { exit !found }' "$tmp/files.lst" ||
        note "manifest.json does not list $t.csv"
done

# inputs: {"dataset": D, "path": P, "sha256": H, "bytes": N, "gzip": true, "rows_read": R, "rows_rejected": 0}
awk '
/^  "inputs": \[/ { on = 1; next }
on && /^  \]/ { on = 0; next }
on {
    s = $0
    gsub(/[{}",:]/, " ", s)
    n = split(s, f, " ")
    for (i = 1; i < n; i += 2) v[f[i]] = f[i + 1]
    print v["path"], v["sha256"], v["bytes"], v["gzip"], v["rows_read"], v["rows_rejected"]
}' "$man" > "$tmp/inputs.lst"
[[ $(wc -l < "$tmp/inputs.lst") -eq 2 ]] || note "manifest.json: expected 2 inputs, found $(wc -l < "$tmp/inputs.lst")"
while read -r path sha bytes gz rread rrej; do
    f=$ex/$path
    if [[ ! -f $f ]]; then note "manifest.json input $path: no such file"; continue; fi
    got=$(sha256sum < "$f"); got=${got%% *}
    [[ $got == "$sha" ]] || note "input $path: sha256 $got, manifest says $sha"
    got=$(wc -c < "$f")
    [[ $got -eq $bytes ]] || note "input $path: $got bytes, manifest says $bytes"
    [[ $gz == true ]] || note "input $path: manifest says gzip $gz"
    [[ $rrej == 0 ]] || note "input $path: manifest says $rrej rows rejected"
    case $path in
        *OFFENDER*) want=${STATS[OFF_SEX_AGE]%% *} ;;
        *VICTIM*)   want=${STATS[VIC_SEX_AGE]%% *} ;;
        *)          want=? ;;
    esac
    [[ $rread == "$want" ]] || note "input $path: manifest says $rread rows read, the recount read $want"
done < "$tmp/inputs.lst"

# tables: {"id": T, "dataset": D, "cells": C, "primary_suppressed": P, ..., "rows_read": R,
#          "rows_counted": C, "rows_filtered": F, "rows_rejected": 0}
awk '
/^  "tables": \[/ { on = 1; next }
on && /^  \]/ { on = 0; next }
on {
    s = $0
    gsub(/[{}",:]/, " ", s)
    n = split(s, f, " ")
    for (i = 1; i < n; i += 2) v[f[i]] = f[i + 1]
    print v["id"], v["cells"], v["primary_suppressed"], v["rows_read"], v["rows_counted"], v["rows_filtered"], v["rows_rejected"]
}' "$man" > "$tmp/tables.lst"
[[ $(wc -l < "$tmp/tables.lst") -eq 4 ]] || note "manifest.json: expected 4 tables, found $(wc -l < "$tmp/tables.lst")"
while read -r id cells prim rread rcount rfilt rrej; do
    if [[ -z ${STATS[$id]+x} ]]; then note "manifest.json lists an unknown table $id"; continue; fi
    read -r want_read want_count want_filt <<< "${STATS[$id]}"
    got=$(awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$rel/$id.csv")
    [[ $cells -eq $got ]] || note "$id: manifest says $cells cells, $id.csv has $got"
    got=$(awk -F, 'NR > 1 && $5 == "Q" && $6 == "A" { n++ } END { print n + 0 }' "$rel/$id.csv")
    [[ $prim -eq $got ]] || note "$id: manifest says $prim primary suppressed cells, $id.csv has $got"
    [[ $rread -eq $want_read ]] || note "$id: manifest says $rread rows read, the recount read $want_read"
    [[ $rcount -eq $want_count ]] || note "$id: manifest says $rcount rows counted, the recount counted $want_count"
    [[ $rfilt -eq $want_filt ]] || note "$id: manifest says $rfilt rows filtered, the recount filtered $want_filt"
    [[ $rrej -eq 0 ]] || note "$id: manifest says $rrej rows rejected"
done < "$tmp/tables.lst"

# the quality profile: persons among the victims (types 4 individual and 5
# law enforcement officer), their unknown sex (U), recounted
read -r persons unknown_sex < <(zcat "$ex/data/NIBRS_VICTIM.csv.gz" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["victim_type_id"] == 4 || $c["victim_type_id"] == 5 { n++; if ($c["sex_code"] == "U") u++ }
    END { print n + 0, u + 0 }')
want=$(awk -v n="$persons" -v u="$unknown_sex" 'BEGIN { printf "victims,YEAR=2021;VICTIM_TYPE=PERSON,%d,UNKNOWN:SEX,%d,,A", int((n + 5) / 10) * 10, int(100 * u / n + 0.5) }')
grep -qxF "$want" "$rel/QUALITY.csv" || note "QUALITY.csv lacks '$want' (recount: $unknown_sex of $persons persons)"

echo "crosscheck: $total_cells cells compared, $total_diffs differences; $nfiles files in the manifest checked, $problems other problems"
if [[ $total_diffs -ne 0 || $problems -ne 0 ]]; then
    exit 1
fi
exit 0

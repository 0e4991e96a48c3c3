#!/usr/bin/env bash
# nibrs_joins.sh - independent cross-check of the lookup joins in the
# bundled NIBRS example (examples/nibrs-dc-2021/victims.yaml and
# offenders.yaml) against a recount with zcat, awk and sort.
#
#   tests/crosscheck/nibrs_joins.sh OCSTAT REPO_ROOT
#
# ocstat tabulates, without protection, victims and offenders by ICCS x SEX x
# GANG.  The recount joins the same files by hand, with the rules written
# in the schemas' comments, not with ocstat's code:
#   victim   -> NIBRS_VICTIM_OFFENSE (victim_id) -> NIBRS_OFFENSE (offense_id)
#   offender -> NIBRS_OFFENSE (incident_id)
#   principal offence = the smallest rank of nibrs-iccs.csv among the
#     person's offences (first in file order on a tie);
#   GANG = some offence of the person (victim: its own offences; offender:
#     the incident's) has a NIBRS_CRIMINAL_ACT row whose activity code is G
#     or J (taken from NIBRS_CRIMINAL_ACT_TYPE.csv by letter, not by id);
#   sex M, F; U -> _U; victims X -> _Z, offenders X and "" -> _U.
# Every cell must agree and every person must be counted once.
# Prints `crosscheck joins: N cells compared, D differences`.
set -euo pipefail
export LC_ALL=C

if [[ $# -ne 2 ]]; then
    echo "usage: $0 OCSTAT REPO_ROOT" >&2
    exit 2
fi
ocstat=$1
root=$2
ex=$root/examples/nibrs-dc-2021
data=$ex/data
die() { echo "crosscheck joins: $*" >&2; exit 1; }
[[ -x $ocstat ]] || die "$ocstat is not an executable"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocstat-joins.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The activity ids of G and J, from the code table shipped with the data
# (the example's lookup reads ids; the table says which ids are gangs).
acttype=$data/NIBRS_CRIMINAL_ACT_TYPE.csv
[[ -f $acttype ]] || die "no $acttype"
gangids=$(awk -F, 'NR > 1 && ($2 == "G" || $2 == "J") { printf "%s%s", s, $1; s = " " }' "$acttype")
[[ -n $gangids ]] || die "no G or J code in $acttype"

recount() { # kind: victims | offenders; persons=1: victims of type 4 or 5 only
    local kind=$1 persons=${2:-0}
    {
        zcat "$data/NIBRS_CRIMINAL_ACT.csv.gz" | sed 's/^/ACT,/'
        zcat "$data/NIBRS_OFFENSE.csv.gz" | sed 's/^/OFF,/'
        [[ $kind == victims ]] && zcat "$data/NIBRS_VICTIM_OFFENSE.csv.gz" | sed 's/^/VO,/'
        if [[ $kind == victims ]]; then
            zcat "$data/NIBRS_VICTIM.csv.gz" | sed 's/^/P,/'
        else
            zcat "$data/NIBRS_OFFENDER.csv.gz" | sed 's/^/P,/'
        fi
    } | awk -F, -v kind="$kind" -v only_persons="$persons" -v gangids="$gangids" -v corr="$root/schemas/codelists/nibrs-iccs.csv" '
    BEGIN {
        n = split(gangids, g, " "); for (i = 1; i <= n; i++) isgang[g[i]] = 1
        while ((getline line < corr) > 0) {
            if (++ln == 1) continue
            split(line, f, ","); iccs[f[1]] = f[2]; rank[f[1]] = f[3] + 0
        }
    }
    # headers: data_year first
    $2 == "data_year" { next }
    $1 == "ACT" { if ($3 in isgang) gangoff[$4] = 1; next }
    $1 == "OFF" {                 # data_year,offense_id,incident_id,offense_code,...
        code[$3] = $5
        if (!($5 in rank)) { print "unmapped offence code " $5 > "/dev/stderr"; bad = 1 }
        if (kind == "offenders") link($4, $3)
        next
    }
    $1 == "VO" { link($3, $4); next }   # data_year,victim_id,offense_id
    $1 == "P" {
        if (kind == "victims" && only_persons && $6 != 4 && $6 != 5) next   # victim_type_id
        if (kind == "victims") { id = $3; sex = $12 }  # victim_id, sex_code (after the tag)
        else { id = $4; sex = $8 }                      # incident_id, sex_code
        if (!(id in best)) { print "no offence for " kind " key " id > "/dev/stderr"; bad = 1; next }
        if (sex == "U" || (kind == "offenders" && (sex == "X" || sex == ""))) sex = "_U"
        else if (sex == "X") sex = "_Z"
        o = best[id]
        cell[iccs[code[o]] "," sex "," (anygang[id] ? "GANG" : "NONE")]++
        persons++
        next
    }
    function link(person, off) {
        # off is seen in file order of the link file
        if (!(person in best) || rank[code[off]] < rank[code[best[person]]]) best[person] = off
        if (off in gangoff) anygang[person] = 1
    }
    END {
        for (k in cell) print k "," cell[k]
        print "persons," persons > "/dev/stderr"
        exit bad
    }' | sort
}

check() { # kind schema input
    local kind=$1 schema=$2 input=$3
    recount "$kind" > "$tmp/$kind.recount" 2> "$tmp/$kind.log" || { cat "$tmp/$kind.log" >&2; die "$kind: recount failed"; }
    "$ocstat" tabulate --schema "$schema" --by ICCS,SEX,GANG --quiet "$input" > "$tmp/$kind.out" ||
        die "$kind: ocstat tabulate failed"
    # the same with the lookups resolved ahead by the reading thread (used for large
    # lookups; the first block of the input, 1 MiB, before the header is known, is not)
    OCSTAT_LOOKUP_PREFETCH=1 "$ocstat" tabulate --schema "$schema" --by ICCS,SEX,GANG --quiet "$input" \
        > "$tmp/$kind.prefetch" || die "$kind: ocstat tabulate (prefetch) failed"
    cmp -s "$tmp/$kind.out" "$tmp/$kind.prefetch" || die "$kind: resolving ahead gives another table"
    # ocstat lists every code of the closed lists, zeros included: compare non-zero cells,
    # and check the total separately
    awk -F, 'NR > 1 && $4 != 0 { print $1 "," $2 "," $3 "," $4 }' "$tmp/$kind.out" | sort > "$tmp/$kind.ocstat"
    local want got
    want=$(zcat "$input" | awk 'END { print NR - 1 }')
    got=$(awk -F, '{ s += $4 } END { print s + 0 }' "$tmp/$kind.ocstat")
    [[ $want == "$got" ]] || die "$kind: ocstat counted $got persons, the input has $want"
    cells=$((cells + $(wc -l < "$tmp/$kind.recount")))
    if ! diff "$tmp/$kind.recount" "$tmp/$kind.ocstat" > "$tmp/$kind.diff"; then
        diffs=$((diffs + $(grep -c '^[<>]' "$tmp/$kind.diff")))
        head -20 "$tmp/$kind.diff" >&2
    fi
}

cells=0
diffs=0
check victims "$ex/victims.yaml" "$data/NIBRS_VICTIM.csv.gz"
check offenders "$ex/offenders.yaml" "$data/NIBRS_OFFENDER.csv.gz"
# The example release over the joins runs, and every published cell of
# victims by ICCS code x sex (age total) is the recount (summed over GANG).
"$ocstat" run "$ex/offences.yaml" --out "$tmp/rel" --quiet || die "ocstat run offences.yaml failed"
for t in VIC_ICCS_SEX_AGE VIC_GANG_SEX_AGE OFF_ICCS_SEX_AGE; do
    for f in csv sdmx.csv sdmx2.csv json; do
        [[ -s $tmp/rel/$t.$f ]] || die "offences.yaml wrote no $t.$f"
    done
done
# expected: a code's cell is the sum of the recounts of the codes below it
# (ICCS codes nest by prefix), persons only
recount victims 1 > "$tmp/persons.recount" 2> /dev/null || die "persons recount failed"
awk -F, '{ n[$1 "," $2] += $4 } END { for (k in n) print k "," n[k] }' "$tmp/persons.recount" > "$tmp/v2.recount"
awk -F, 'NR > 1 && $1 == "2021" && $4 == "_T" && $6 == "A" && $2 != "_T" && $3 != "_T" { print $2 "," $3 "," $5 }' \
    "$tmp/rel/VIC_ICCS_SEX_AGE.csv" > "$tmp/v2.published"
published=$(wc -l < "$tmp/v2.published")
[[ $published -gt 20 ]] || die "too few published cells in VIC_ICCS_SEX_AGE ($published)"
bad=$(awk -F, 'NR == FNR { r[NR] = $0; nr = NR; next }
    { want = 0
      for (i = 1; i <= nr; i++) { split(r[i], f, ","); if (f[2] == $2 && index(f[1], $1) == 1) want += f[3] }
      if (want != $3) print $1 "," $2 ": published " $3 ", recount " want }' "$tmp/v2.recount" "$tmp/v2.published")
[[ -z $bad ]] || die "VIC_ICCS_SEX_AGE differs from the recount: $bad"
cells=$((cells + published))

# Rejects come out the same, in input order, with and without resolving
# ahead: a victim with no offence link (no_match), one with a bad age, and a
# ragged row; quoted records (which the reading thread splits at the
# delimiter alone) and CRLF line ends in between.  The input is the victims
# twice (3.6 MB); the same changes are made again 30,000 rows into the
# second copy, in its fourth MiB, where lookups are resolved ahead whatever
# the threads' timing (the reading thread starts once the header is known).
{ zcat "$data/NIBRS_VICTIM.csv.gz"; zcat "$data/NIBRS_VICTIM.csv.gz" | tail -n +2; } |
    awk -F, -v o=65424 'NR == 40 || NR == o + 40 { $2 = "999999999" } NR == 77 || NR == o + 77 { $10 = "4o" }
    NR == 120 || NR == o + 120 { $0 = "2021,1" }
    NR == 30 || NR == 90 || NR == o + 30 || NR == o + 90 { $2 = "\"" $2 "\"" }
    (NR >= 100 && NR < 110) || (NR >= o + 100 && NR < o + 110) { $0 = $0 "\r" }
    { print }' OFS=, > "$tmp/bad.csv"
for b in 0 1; do
    OCSTAT_LOOKUP_PREFETCH=$b "$ocstat" tabulate --schema "$ex/victims.yaml" --by ICCS,SEX --rejects "$tmp/rej$b.csv" \
        "$tmp/bad.csv" > "$tmp/t$b.csv" 2> "$tmp/e$b.txt" || die "tabulate with rejects failed (resolving ahead: $b)"
done
cmp -s "$tmp/rej0.csv" "$tmp/rej1.csv" || die "rejects differ when resolving ahead"
cmp -s "$tmp/t0.csv" "$tmp/t1.csv" || die "tables with rejects differ when resolving ahead"
[[ $(wc -l < "$tmp/rej0.csv") -eq 7 ]] || die "expected 6 rejects, got $(($(wc -l < "$tmp/rej0.csv") - 1))"
grep -q ',no_match,' "$tmp/rej0.csv" || die "no no_match reject"
# ... and a run stopped by --max-rejects stops at the same row either way
for b in 0 1; do
    rc=0
    OCSTAT_LOOKUP_PREFETCH=$b "$ocstat" tabulate --schema "$ex/victims.yaml" --by ICCS,SEX --rejects "$tmp/stop$b.csv" \
        --max-rejects 1 "$tmp/bad.csv" > /dev/null 2> "$tmp/stop$b.txt" || rc=$?
    [[ $rc -eq 1 ]] || die "--max-rejects 1 should stop with exit 1 (resolving ahead: $b), got $rc"
done
cmp -s "$tmp/stop0.csv" "$tmp/stop1.csv" || die "a stopped run's rejects differ when resolving ahead"
sed -i 's/stop[01]\.csv/stop.csv/' "$tmp/stop0.txt" "$tmp/stop1.txt"   # the rejects file names differ
cmp -s "$tmp/stop0.txt" "$tmp/stop1.txt" || die "a stopped run's messages differ when resolving ahead"
[[ $(wc -l < "$tmp/stop0.csv") -eq 3 ]] || die "the stopped run should have written 2 rejects"
# ... also from a pipe that stays open (1.1 MB come, then nothing for 6 s): the stop
# does not wait for more input (a plain pipe is not read ahead in blocks)
rc=0
{ head -c 1100000 "$tmp/bad.csv"; sleep 6; } | OCSTAT_LOOKUP_PREFETCH=1 timeout 4 "$ocstat" tabulate --schema "$ex/victims.yaml" \
    --by ICCS,SEX --max-rejects 1 - > /dev/null 2> "$tmp/pipe.txt" || rc=$?
[[ $rc -eq 1 ]] || die "--max-rejects 1 on an open pipe should stop at once with exit 1, got $rc"

echo "crosscheck joins: $cells cells compared, $diffs differences"
[[ $cells -gt 50 && $diffs -eq 0 ]]

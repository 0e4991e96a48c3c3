#!/usr/bin/env bash
# Nightly operations: output.keep writes versions with a `latest` link and
# keeps the newest N; a second run on the same output while one is running
# exits 4 and names the first; a run killed with SIGKILL at any moment
# leaves `latest` pointing at a complete, checksummed release, and the next
# run clears what the killed one left.
set -euo pipefail
OCSTAT=$1
ROOT=$2
T=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
fail() { echo "nightly: FAIL: $*" >&2; exit 1; }
EX=$ROOT/examples/nibrs-dc-2021

pipeline() { # input keep
    cat <<EOF
release: nightly-test
datasets:
  victims:   {schema: $EX/victims.yaml, input: "$1"}
  offenders: {schema: $EX/offenders.yaml, input: $EX/data/NIBRS_OFFENDER.csv.gz}
tables:
  - {id: VIC_SEX_AGE, title: Victims, dataset: victims, where: {VICTIM_TYPE: PERSON},
     by: [YEAR, SEX, AGE], totals: true, protect: {min_count: 5}}
  - {id: OFF_SEX_AGE, title: Offenders, dataset: offenders, where: {OFFENDER: KNOWN},
     by: [YEAR, SEX, AGE], totals: true, protect: {min_count: 5}}
output: {formats: [csv, json], keep: $2}
EOF
}
pipeline - 3 > "$T/stdin.yaml"
pipeline "$EX/data/NIBRS_VICTIM.csv.gz" 3 > "$T/files.yaml"

# latest must point at a complete release: every file the manifest lists,
# with its checksum, and nothing else
check_latest() {
    local d=$T/rel/latest n sum
    [ -L "$d" ] || fail "no latest link ($1)"
    [ -f "$d/manifest.json" ] || fail "latest has no manifest ($1)"
    for f in "$d"/*; do
        n=$(basename "$f")
        [ "$n" = manifest.json ] && continue
        sum=$(sha256sum "$f" | cut -d' ' -f1)
        grep -q "\"name\": \"$n\", \"sha256\": \"$sum\"" "$d/manifest.json" || fail "latest: $n does not match the manifest ($1)"
    done
    [ "$(grep -c '{"name": "[^"]*", "sha256"' "$d/manifest.json")" -eq 4 ] || fail "latest: the manifest does not list 4 files ($1)"
}

# 1. versions and latest; the newest 3 kept
for i in 1 2 3 4; do
    SOURCE_DATE_EPOCH=$((1700000000 + i)) "$OCSTAT" run "$T/files.yaml" --out "$T/rel" --quiet
done
[ "$(readlink "$T/rel/latest")" = nightly-test-20231114T221324Z ] || fail "latest -> $(readlink "$T/rel/latest")"
[ "$(ls "$T/rel" | grep -c '^nightly-test-')" -eq 3 ] || fail "expected 3 versions: $(ls "$T/rel")"
[ -e "$T/rel/nightly-test-20231114T221321Z" ] && fail "the oldest version was not removed"
check_latest "after 4 runs"

# 2. the lock: run A waits on its stdin (a fifo held open), run B is refused
mkfifo "$T/fifo"
"$OCSTAT" run "$T/stdin.yaml" --out "$T/rel" --quiet < "$T/fifo" > "$T/a.out" 2> "$T/a.err" &
apid=$!
exec 3> "$T/fifo"
for _ in $(seq 600); do grep -q "^$apid$" "$T/rel.lock" 2>/dev/null && break; sleep 0.05; done   # up to 30 s: slow machines
grep -q "^$apid$" "$T/rel.lock" || fail "run A did not take the lock"
rc=0
"$OCSTAT" run "$T/files.yaml" --out "$T/rel" --quiet 2> "$T/b.err" || rc=$?
[ $rc -eq 4 ] || fail "second run: exit $rc, expected 4 ($(cat "$T/b.err"))"
grep -q "another ocstat run (process $apid) is writing" "$T/b.err" || fail "second run's message: $(cat "$T/b.err")"
# --dry-run takes no lock
"$OCSTAT" run "$T/files.yaml" --out "$T/rel" --dry-run > /dev/null || fail "--dry-run refused while a run holds the lock"
zcat "$EX/data/NIBRS_VICTIM.csv.gz" >&3
exec 3>&-
wait $apid || fail "run A failed: $(cat "$T/a.err")"
check_latest "after the locked run"

# 3. SIGKILL at varied moments: latest stays complete (either the previous
#    release or the new one), and the next run clears the leftovers
for delay in 0.02 0.05 0.08 0.11 0.14 0.17 0.2 0.25 0.3 0.4; do
    before=$(readlink "$T/rel/latest")
    "$OCSTAT" run "$T/files.yaml" --out "$T/rel" --quiet 2>/dev/null &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    check_latest "killed after $delay s (latest was $before)"
done
"$OCSTAT" run "$T/files.yaml" --out "$T/rel" --quiet
check_latest "after the killed runs"
ls -A "$T/rel" | grep -q '^\.tmp-\|^\.latest-' && fail "leftovers of killed runs: $(ls -A "$T/rel")"
ls "$T" | grep -q 'rel\.tmp-' && fail "leftovers next to the output: $(ls "$T")"
[ "$(ls "$T/rel" | grep -c '^nightly-test-')" -le 3 ] || fail "more than 3 versions kept: $(ls "$T/rel")"
echo "nightly: ok"

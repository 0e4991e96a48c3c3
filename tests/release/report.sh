#!/usr/bin/env bash
# The HTML report of both bundled releases: its cells against the CSV and
# self-contained (report_check.py), byte-identical across runs, and rendered
# by headless Chromium (Debian package chromium): the page loads without a
# console error and yields a screenshot.
set -euo pipefail
OCSTAT=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "report: FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || fail "python3 is required"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is required (Debian package chromium)"
for ex in nibrs-dc-2021 unodc-long; do
    "$OCSTAT" run "$ROOT/examples/$ex/release.yaml" --out "$T/$ex" --quiet 2> /dev/null
    "$OCSTAT" run "$ROOT/examples/$ex/release.yaml" --out "$T/$ex.2" --quiet 2> /dev/null
    html=$(ls "$T/$ex"/*.html)
    cmp -s "$html" "$T/$ex.2/$(basename "$html")" || fail "$ex: two runs give different reports"
    python3 "$ROOT/tests/release/report_check.py" "$T/$ex" "$html"
    # a fresh profile each time; no network, no GPU; console errors go to stderr
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
        --user-data-dir="$T/profile-$ex" --enable-logging=stderr --v=0 --window-size=1000,2000 \
        --screenshot="$T/$ex.png" "file://$html" > "$T/$ex.chromium.out" 2> "$T/$ex.chromium.err" ||
        fail "$ex: chromium failed: $(tail -5 "$T/$ex.chromium.err")"
    if grep -E 'CONSOLE|Uncaught|Failed to load resource|net::ERR' "$T/$ex.chromium.err"; then
        fail "$ex: the page logged errors"
    fi
    [ -s "$T/$ex.png" ] || fail "$ex: no screenshot"
    [ "$(head -c 8 "$T/$ex.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$ex: the screenshot is not a PNG"
    [ "$(stat -c %s "$T/$ex.png")" -gt 20000 ] || fail "$ex: the screenshot is nearly empty"
    echo "report: $ex rendered ($(stat -c %s "$T/$ex.png") bytes of PNG)"
done
echo "report: ok"

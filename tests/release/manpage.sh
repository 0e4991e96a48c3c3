#!/usr/bin/env bash
# The man page (cli/ocstat.1): groff formats it without a warning, and it
# names every command, every option that `ocstat COMMAND --help` lists,
# and every exit status of the README's table.
set -euo pipefail
OCSTAT=$1
ROOT=$2
PAGE=$ROOT/cli/ocstat.1
fail() { echo "manpage: FAIL: $*" >&2; exit 1; }
command -v groff >/dev/null || fail "groff is required (Debian package groff-base)"
warn=$(groff -man -ww -z "$PAGE" 2>&1) || fail "groff failed: $warn"
[ -z "$warn" ] || fail "groff warnings: $warn"
text=$(sed 's/\\-/-/g' "$PAGE")
for cmd in run tabulate validate audit; do
    grep -q "^\.B $cmd\$\|^\.B ocstat $cmd" <<< "$text" || fail "command $cmd not described"
    for opt in $("$OCSTAT" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -q -- "$opt" <<< "$text" || fail "$cmd: option $opt missing"
    done
done
for code in 0 1 2 3 4; do
    grep -A1 '^\.SH EXIT STATUS' -A40 "$PAGE" | grep -q "^\.B $code\$" || fail "exit status $code missing"
done
echo "manpage: ok"

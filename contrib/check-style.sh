#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Style gate run by CI: every source file carries the SPDX line and every C file is
# formatted by the root .clang-format (clang-format 14, Debian 12's).
#   contrib/check-style.sh        check, list offenders, exit 1 if any
#   contrib/check-style.sh --fix  rewrite the C files with clang-format -i
set -u
cd "$(dirname "$0")/.."
SPDX='SPDX-License-Identifier: BSD-2-Clause'
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
bad=0

c_files=$(git ls-files '*.c' '*.h')
scripts=$(git ls-files '*.sh' '*.py' '*.inc' 'Makefile.am' 'configure.ac' \
	'regress/run-all' 'fuzz/run-fuzz' 'bench/run' 'bench/soak' '.ci/run')

for f in $c_files; do
	if [ "$(head -n 1 "$f")" != "/* $SPDX */" ]; then
		echo "$f: first line is not /* $SPDX */"
		bad=1
	fi
done
for f in $scripts; do
	if ! head -n 3 "$f" | grep -q "$SPDX"; then
		echo "$f: no $SPDX in its first three lines"
		bad=1
	fi
done

if [ "${1:-}" = --fix ]; then
	# shellcheck disable=SC2086
	$CLANG_FORMAT -i $c_files
fi
for f in $c_files; do
	if ! $CLANG_FORMAT --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "$f: not formatted (clang-format -i $f)"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "style: $(echo $c_files $scripts | wc -w) files ok"
exit $bad

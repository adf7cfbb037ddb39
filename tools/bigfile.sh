#!/usr/bin/env bash
# make bigfile [BLOCKS=n]: boot, run `bigfile n` (default MAXFILE blocks:
# write, refuse one byte more, read back, unlink), then fsck the image and
# compare the data blocks in use with a fresh image: all must come back.
set -u
cd "$(dirname "$0")/.."
B=build
img=$B/bigfile.img
used() { python3 tools/fsck/fsck.py --file-blocks "$1" | sed -n 's/^fsck: \([0-9]*\) blocks held by regular files/\1/p'; }
# The run's image holds one more file than build/fs.img: /autorun (1 block).
# (Directories are not counted: the root may have grown by a block.)
before=$(($(used $B/fs.img) + 1))
KEEP_IMG=$img tools/run.sh "bigfile ${1:-}" "${BIGFILE_TIMEOUT:-3600}" || exit 1
python3 tools/fsck/fsck.py $img || exit 1
after=$(used $img)
echo "bigfile: blocks held by files: $before before, $after after"
[ "$before" = "$after" ] || { echo "bigfile: FAIL: blocks not returned"; exit 1; }
echo "bigfile: PASS"

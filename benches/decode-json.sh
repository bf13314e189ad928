#!/usr/bin/env bash
# `novatel-reader decode` with its JSON output (one object per frame, to /dev/null) over the real
# recordings, each repeated to about 50 MB, and over a recording of a log without a decoder
# (RAWWAASFRAME, 44-byte bodies printed as hexadecimal): frames per second, MB per second, CPU
# seconds per million frames and peak memory, the median of 3 runs.
#
#   benches/decode-json.sh                       the release binary of this checkout
#   READER=/path/novatel-reader benches/decode-json.sh
#                                                another build (an older checkout's, say)
#   EDIE=1 benches/decode-json.sh                also NovAtel's own SDK (novatel-edie from PyPI,
#                                                installed in a virtualenv under BENCH_DIR),
#                                                each message converted to its JSON
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d -p "${BENCH_DIR:-/tmp}")
trap 'rm -rf "$work"' EXIT
reader=${READER:-target/release/novatel-reader}
if [ -z "${READER:-}" ]; then
  scripts/build-release -p novatel-reader
fi

python3 - "$work" <<'EOF'
import pathlib, random, struct, sys, zlib

work = pathlib.Path(sys.argv[1])
real = pathlib.Path("fixtures/real")
for name in ["test2_rcvr1.dat", "test2_rcvr1_decompressed.ASC", "OneEach.GPS", "bestpos.gps"]:
    data = (real / name).read_bytes()
    (work / name).write_bytes(data * (50_000_000 // len(data) + 1))

def crc(data):  # NovAtel's CRC-32: initial value 0, no final XOR
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF

rng = random.Random(1)
out = bytearray()
for i in range(300_000):
    body = rng.randbytes(44)
    frame = b"\xAA\x44\x12\x1C" + struct.pack(
        "<HBBHHBBHIIHH", 287, 0, 0x20, len(body), 0, 180, 180, 2000, i * 1000, 0, 0, 0) + body
    out += frame + struct.pack("<I", crc(frame))
(work / "undecoded.gps").write_bytes(out)
EOF

if [ -n "${EDIE:-}" ]; then
  python3 -m venv "$work/edie" && "$work/edie/bin/pip" install -q novatel-edie
  cat > "$work/edie.py" <<'EOF'
import sys
from novatel_edie import oem

out = open("/dev/null", "wb")
for message in oem.FileParser(sys.argv[1]):
    if hasattr(message, "to_json"):
        try:
            out.write(message.to_json().message)
        except RuntimeError:  # a field type its JSON encoder lacks
            pass
        out.write(b"\n")
EOF
fi

# Median of 3 runs of "$@": wall seconds, user + system seconds, peak RSS in KB.
median_run() {
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > /dev/null 2>&1
    cat "$work/time"
  done | sort -n | sed -n 2p
}

printf '%-30s %-14s %10s %12s %8s %16s %9s\n' recording decoder frames frames/s MB/s 'CPU-s/M frames' 'RSS MB'
for file in "$work"/*.dat "$work"/*.ASC "$work"/*.GPS "$work"/*.gps; do
  frames=$("$reader" decode --summary-only "$file" 2>&1 | awk '/ frames, /{ print $1 }')
  bytes=$(stat -c %s "$file")
  runs=("novatel-reader:$reader decode $file")
  [ -n "${EDIE:-}" ] && runs+=("edie:$work/edie/bin/python $work/edie.py $file")
  for run in "${runs[@]}"; do
    read -r wall user sys rss <<< "$(median_run ${run#*:})"
    awk -v f="$(basename "$file")" -v d="${run%%:*}" -v n="$frames" -v b="$bytes" -v w="$wall" \
      -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN {
      printf "%-30s %-14s %10d %12.0f %8.1f %16.2f %9.1f\n", f, d, n, n / w, b / 1e6 / w,
        (u + s) / n * 1e6, r / 1024 }'
  done
done

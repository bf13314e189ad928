"""Compares novatel-reader's decoded log bodies with NovAtel's own decoder SDK, novatel_edie.

Run through scripts/check-decoders-against-novatel-sdk, which provides the SDK's virtualenv.

    python novatel_sdk_check.py READER FILE...

For every file: `READER decode FILE` gives our frames (one JSON line each), `oem.FileParser(FILE)`
the SDK's messages. The two sequences of log names are aligned (difflib; the SDK also yields
responses and unknown bytes, which are dropped, and names repeated logs `BESTPOS_2`, which is
stripped), and each pair whose body we decoded is compared field by field: both bodies are
flattened into leaves in order (our JSON is in wire order, the SDK's to_dict() in its database
order, which is the same) and compared positionally. Numbers: integers exactly; floats exactly when the SDK's value is a
float32 widened to double (the field is a float32), else to a relative 1e-12; enums by name (an
SDK IntEnum against our name, or against our number when we have no name for it); strings
exactly. Exit status 1 on any disagreement not in ALLOWED below.
"""

import difflib
import json
import math
import re
import struct
import subprocess
import sys
from collections import defaultdict
from enum import Enum

from novatel_edie import oem

# Known, explained differences: (log, our field path with array indices replaced by [], why).
# A disagreement is forgiven when its log and path match an entry; "*" matches any log.
# Empty: every compared field agrees. SDK conventions that are only presentation are normalised
# in equal() instead of listed here: a Char as its character code (BESTUTM zone_letter), an
# ULong we print in hexadecimal (RAWIMU* imu_status), booleans against our TRUE/FALSE, byte
# arrays against our hexadecimal, and values grouped differently (CORRIMUDATA's rates as one
# array of three). The SDK's to_json() would also print LOGLIST's logged message id as a log
# name ("RXSTATUSEVENTA"); to_dict(), used here, keeps the number, as we do.
ALLOWED = [
    # ("LOG", "field[].path", "why"),
]

# Logs whose records the SDK leaves undecoded: only the number of records is compared.
# RANGECMP: FileParser yields the 24-byte compressed records as bytes (its
# decompress_range_cmp does not turn RANGECMP into RANGE); the RANGE of the decompressed ASCII
# recording test2_rcvr1_decompressed.ASC, compared in full, covers the same observations.
RECORDS_ONLY = {"RANGECMP": ("obs", "range_c_entry")}

MAX_DETAILS = 60
# Detailed disagreements shown per log and field.
PER_KIND = 2


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def is_f32(x):
    try:
        return math.isnan(x) or math.isinf(x) or f32(x) == x
    except OverflowError:
        return False


def sdk_plain(value):
    """An SDK to_dict() value as plain dicts and lists; array counts (`x_length` before `x`)
    dropped, since our JSON has the array only."""
    if hasattr(value, "to_dict") and not isinstance(value, Enum):
        value = value.to_dict()
    if isinstance(value, dict):
        return {
            k: sdk_plain(v)
            for k, v in value.items()
            if not (k.endswith("_length") and k[: -len("_length")] in value)
        }
    if isinstance(value, (list, tuple)):
        return [sdk_plain(v) for v in value]
    return value


def flatten(value, path, out):
    """Leaves of a value in order, with their path; byte arrays (lists of small ints from the SDK)
    are one leaf."""
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(v, f"{path}.{k}" if path else k, out)
    elif isinstance(value, list) and not is_bytes(value):
        for i, v in enumerate(value):
            flatten(v, f"{path}[{i}]", out)
    else:
        out.append((path, value))
    return out


def walk(ours, sdk, path, out):
    """Pairs our leaves with the SDK's positionally: (our path, ours, SDK path, SDK's). The two
    sometimes group the same values differently (CORRIMUDATA: three scalars here, one array of
    three in the SDK), so only the leaves' order counts; a leaf count that differs is reported
    as one more disagreement."""
    a, b = flatten(ours, path, []), flatten(sdk, path, [])
    for (p, v), (q, w) in zip(a, b):
        out.append((p, v, q, w))
    if len(a) != len(b):
        out.append((f"{len(a)} fields", MISSING, f"{len(b)} fields", MISSING))
    return out


class Missing:
    def __repr__(self):
        return "(no field)"


MISSING = Missing()


def is_bytes(x):
    return isinstance(x, list) and x and all(type(v) is int and 0 <= v < 256 for v in x)


def generic(path):
    return re.sub(r"\[\d+\]", "[]", path)


def equal(ours, sdk):
    """Whether our leaf value equals the SDK's; both come from the same bytes or text."""
    if isinstance(sdk, Enum):
        if isinstance(ours, str):
            return ours == sdk.name or ours.upper() == sdk.name.upper()
        if isinstance(ours, bool):
            return False
        if isinstance(ours, int):  # a value we have no name for
            if ours == sdk.value and not sdk.name.startswith("UNKNOWN"):
                UNNAMED[(type(sdk).__name__, sdk.name)] += 1
            return ours == sdk.value
        return False
    if sdk is MISSING or ours is MISSING:  # field counts differ
        return False
    if isinstance(sdk, list):  # bytes, which we print as hexadecimal
        if isinstance(ours, str):
            return ours.lower() == bytes(sdk).hex()
        return ours == sdk
    if isinstance(sdk, bool):
        if isinstance(ours, str):
            return ours == ("TRUE" if sdk else "FALSE")
        return ours == sdk
    if isinstance(sdk, int):
        if isinstance(ours, bool):
            return int(ours) == sdk
        if isinstance(ours, str) and len(ours) == 1:  # a Char, which the SDK gives as its code
            return ord(ours) == sdk
        if isinstance(ours, str) and re.fullmatch(r"[0-9a-f]{8}", ours):  # a hexadecimal ULong
            return int(ours, 16) == sdk
        if isinstance(ours, (int, float)):
            return ours == sdk
        return False
    if isinstance(sdk, float):
        if ours is None:  # serde_json writes NaN and infinities as null
            return math.isnan(sdk) or math.isinf(sdk)
        if not isinstance(ours, (int, float)) or isinstance(ours, bool):
            return False
        ours = float(ours)
        if math.isnan(sdk):
            return math.isnan(ours)
        if is_f32(sdk):
            return f32(ours) == sdk
        return ours == sdk or abs(ours - sdk) <= 1e-12 * max(abs(ours), abs(sdk))
    if isinstance(sdk, (bytes, bytearray)):
        if isinstance(ours, str):
            return ours.lower() == sdk.hex() or ours == sdk.decode("latin-1").rstrip("\0")
        return False
    if isinstance(sdk, str):
        return isinstance(ours, str) and ours == sdk
    return ours == sdk


# Enum values the SDK names and we print as numbers (not a disagreement; reported).
UNNAMED = defaultdict(int)


def allowed(log, path):
    for a_log, a_path, _why in ALLOWED:
        if a_log in ("*", log) and a_path == generic(path):
            return True
    return False


def our_frames(reader, path):
    run = subprocess.run([reader, "decode", path], capture_output=True, check=True)
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]


def sdk_messages(path):
    parser = oem.FileParser(path)
    parser.decompress_range_cmp = False  # we decode RANGECMP's compressed records as they are
    out = []
    for m in parser:
        if type(m).__name__ in ("UnknownBytes", "Response", "UnknownMessage"):
            continue
        if not hasattr(m, "to_dict"):
            continue
        out.append(m)
    return out


DATABASE = oem.get_builtin_database()


def unpaired_note(log):
    """Why a frame we decoded has no SDK message to compare with."""
    if DATABASE.get_msg_def(log) is None:
        return "not in the SDK's database"
    # e.g. BESTUTMBIN.GPS: an ASCII log after a "<OK" reply and a "[USB1]" port prompt,
    # which the SDK takes for part of the reply
    return "not among the SDK's messages (it read the bytes as a reply or unknown bytes)"


def main():
    reader, files = sys.argv[1], sys.argv[2:]
    rows = []  # (file, log, frames, fields, disagreements, note)
    details = []
    unforgiven = 0
    forgiven = defaultdict(int)
    kinds = defaultdict(int)  # disagreements per (log, field)
    for path in files:
        ours = our_frames(reader, path)
        sdk = sdk_messages(path)
        a = [f["name"] for f in ours]
        b = [m.name for m in sdk]
        stats = defaultdict(lambda: [0, 0, 0, set()])
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                frame, m = ours[block.a + k], sdk[block.b + k]
                log = frame["name"]
                s = stats[log]
                if frame.get("body") is None:
                    s[3].add("not decoded by us")
                    continue
                try:
                    theirs = m.to_dict()
                except RuntimeError as e:
                    s[3].add(f"SDK cannot convert ({e})")
                    continue
                theirs.pop("header", None)
                s[0] += 1
                where = f"{path} @{frame['offset']} {log}"
                if log in RECORDS_ONLY:
                    ours_key, sdk_key = RECORDS_ONLY[log]
                    s[3].add("SDK leaves records compressed: record count compared only")
                    body = {"records": len(frame["body"][ours_key])}
                    theirs = {"records": len(theirs[sdk_key])}
                else:
                    body, theirs = frame["body"], sdk_plain(theirs)
                for p, v, q, w in walk(body, theirs, "", []):
                    s[1] += 1
                    if equal(v, w):
                        continue
                    if allowed(log, p):
                        forgiven[(log, generic(p))] += 1
                        continue
                    s[2] += 1
                    unforgiven += 1
                    w_shown = f"{type(w).__name__}.{w.name}" if isinstance(w, Enum) else repr(w)
                    kinds[(log, generic(p))] += 1
                    if kinds[(log, generic(p))] <= PER_KIND:
                        details.append(f"{where}: {p} = {v!r}, SDK {q} = {w_shown}")
        for i in range(len(a)):
            if not any(blk.a <= i < blk.a + blk.size for blk in matcher.get_matching_blocks()):
                if ours[i].get("body") is not None:
                    stats[a[i]][3].add(unpaired_note(a[i]))
        for log, (frames, fields, bad, notes) in sorted(stats.items()):
            rows.append((path, log, frames, fields, bad, "; ".join(sorted(notes))))

    width = max(len(r[0]) for r in rows) if rows else 4
    print(f"{'file':<{width}}  {'log':<20} {'frames':>6} {'fields':>7} {'disagree':>8}  note")
    for file, log, frames, fields, bad, note in rows:
        print(f"{file:<{width}}  {log:<20} {frames:>6} {fields:>7} {bad:>8}  {note}")
    total = [sum(r[i] for r in rows) for i in (2, 3, 4)]
    print(f"{'total':<{width}}  {'':<20} {total[0]:>6} {total[1]:>7} {total[2]:>8}")
    if forgiven:
        print("\nallowed (see ALLOWED in scripts/novatel_sdk_check.py):")
        for (log, p), n in sorted(forgiven.items()):
            print(f"  {log} {p}: {n}")
    if UNNAMED:
        print("\nenum values the SDK names and we print as numbers:")
        for (enum, name), n in sorted(UNNAMED.items()):
            print(f"  {enum}.{name}: {n}")
    if details:
        print("\ndisagreements per log and field:")
        for (log, p), n in sorted(kinds.items()):
            print(f"  {log} {p}: {n}")
        print(f"\nfirst {min(len(details), MAX_DETAILS)} in detail ({PER_KIND} per log and field):")
        for d in details[:MAX_DETAILS]:
            print("  " + d)
    sys.exit(1 if unforgiven else 0)


if __name__ == "__main__":
    main()

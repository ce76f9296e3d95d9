#!/usr/bin/env python3
"""Extracts the PSBT test vectors of BIP 174 and BIP 370 from their
mediawiki texts into psbt.txt (see README.md in this directory).

Usage: extract.py bip-0174.mediawiki bip-0370.mediawiki > psbt.txt
"""
import re
import sys

PRE = re.compile(r"<pre>(.*?)</pre>")
TT = re.compile(r"<tt>(.*?)</tt>")
ROLES = ["creator", "updater", "updater_sighash", "signer1", "signer2", "combined",
         "finalized", "extracted", "unknown1", "unknown2", "unknown_combined"]


def main():
    for path in sys.argv[1:]:
        bip = re.search(r"bip-0*(\d+)", path).group(1)
        print("# BIP %s" % bip)
        text = open(path, encoding="utf-8").read()
        text = text[text.index("==Test Vectors=="):]
        text = text[:text.index("==Rationale==")]
        kind = None
        roles = False
        role = 0
        case = ""
        for line in text.splitlines():
            s = line.strip()
            low = s.lower()
            if "are invalid psbts" in low:
                kind = "invalid"
            elif "are valid psbts" in low or low.startswith("fails signer checks"):
                kind = "valid"
            elif "should be computed to be" in low:
                kind = "locktime " + re.search(r"computed to be (\d+)", s).group(1)
            elif "cannot be computed" in low:
                kind = "locktime none"
            elif "private keys in the tests below" in low:
                roles = True
            if s.startswith("* Case:"):
                case = s[len("* Case:"):].strip()
            if roles:
                if s.startswith("* scriptPubKey:"):
                    tts = TT.findall(s)
                    print("creator_out %s %s" % (tts[0], tts[1]))
                elif s.startswith("* TXID:"):
                    tts = TT.findall(s)
                    print("creator_in %s %s" % (tts[0], tts[1]))
                elif "Bytes in Hex" in s:
                    print("role %s %s" % (ROLES[role], PRE.findall(s)[0]))
                    role += 1
                continue
            if "Bytes in Hex" in s and kind:
                print("## " + case)
                print("%s %s" % (kind, PRE.findall(s)[0]))


main()

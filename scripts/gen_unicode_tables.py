#!/usr/bin/python3
"""Writes include/embedkit/text/detail/unicode_tables.hpp, the Unicode character data the text
layer needs (general category, White_Space, full lowercase mapping, canonical decomposition and
combining class, Cased / Case_Ignorable), from the Unicode Character Database files.

Needs the UCD text files, as Debian's `unicode-data` package installs them in
/usr/share/unicode/ (UnicodeData.txt, PropList.txt, SpecialCasing.txt,
DerivedCoreProperties.txt, ReadMe.txt). Run it with the system interpreter:

    /usr/bin/python3 scripts/gen_unicode_tables.py                # rewrite the header
    /usr/bin/python3 scripts/gen_unicode_tables.py --check        # compare, write nothing
    /usr/bin/python3 scripts/gen_unicode_tables.py --ucd DIR      # read the UCD from DIR

Layout (chosen for a per-character lookup in the tokenizer's inner loop):
  * props: a two-level table, stage1[cp >> 7] -> block, props_blocks[block * 128 + (cp & 127)]
    -> uint16: bits 0-4 the general category (the GeneralCategory enum's order), bit 5
    White_Space, bit 6 "has a lowercase mapping", bit 7 "has a canonical decomposition"
    (Hangul syllables excluded: they decompose by arithmetic), bits 8-15 the canonical
    combining class. Identical blocks are stored once.
  * lower_*: the full lowercase mapping of every character that has one, sorted by code
    point: the simple mapping of UnicodeData.txt, replaced by SpecialCasing.txt's
    unconditional entries (U+0130 -> U+0069 U+0307). Conditional entries (Final_Sigma,
    language-specific) are left to the code.
  * decomp_*: the full canonical decomposition (applied recursively) of every character that
    has one, sorted by code point.
  * cased / case_ignorable: sorted [first, last] ranges (only the Final_Sigma rule reads them).

The script also compares the general category, the decompositions, the combining classes and
the lowercase mappings with Python's unicodedata for every code point that both versions
assign, and prints the differences (expected: none, or characters whose data changed between
the two Unicode versions).
"""

import argparse
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "include", "embedkit", "text", "detail", "unicode_tables.hpp")

CATEGORIES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd",
              "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc",
              "Cf", "Cs", "Co", "Cn"]
BLOCK_SHIFT = 7
NCP = 0x110000
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield [field.strip() for field in line.split(";")]


def parse_range(text):
    if ".." in text:
        a, b = text.split("..")
        return int(a, 16), int(b, 16)
    return int(text, 16), int(text, 16)


def unicode_version(ucd):
    with open(os.path.join(ucd, "ReadMe.txt"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"Version (\d+\.\d+\.\d+)", text) or \
        re.search(r"/Public/(\d+\.\d+\.\d+)/", text)
    if m:
        return m.group(1)
    # The ReadMe of some releases names no version; DerivedAge.txt's newest age does.
    ages = [f[1] for f in read_lines(os.path.join(ucd, "DerivedAge.txt"))]
    return max(ages, key=lambda v: tuple(int(x) for x in v.split("."))) + ".0"


def load(ucd):
    gc = bytearray([CATEGORIES.index("Cn")]) * NCP
    ccc = bytearray(NCP)
    decomp = {}
    lower = {}
    first = None
    for f in read_lines(os.path.join(ucd, "UnicodeData.txt")):
        cp, name, cat = int(f[0], 16), f[1], f[2]
        if name.endswith(", First>"):
            first = cp
            continue
        lo = first if name.endswith(", Last>") else cp
        first = None
        for c in range(lo, cp + 1):
            gc[c] = CATEGORIES.index(cat)
            ccc[c] = int(f[3])
        if f[5] and not f[5].startswith("<"):
            decomp[cp] = [int(x, 16) for x in f[5].split()]
        if f[13]:
            lower[cp] = [int(f[13], 16)]
    white = bytearray(NCP)
    for f in read_lines(os.path.join(ucd, "PropList.txt")):
        if f[1] == "White_Space":
            lo, hi = parse_range(f[0])
            for c in range(lo, hi + 1):
                white[c] = 1
    for f in read_lines(os.path.join(ucd, "SpecialCasing.txt")):
        # code; lower; title; upper; (condition;) -- only unconditional entries apply always.
        if len(f) > 4 and f[4]:
            continue
        cp = int(f[0], 16)
        mapped = [int(x, 16) for x in f[1].split()]
        if mapped == [cp]:
            lower.pop(cp, None)
        else:
            lower[cp] = mapped
    props = {"Cased": [], "Case_Ignorable": []}
    for f in read_lines(os.path.join(ucd, "DerivedCoreProperties.txt")):
        if f[1] in props:
            props[f[1]].append(parse_range(f[0]))

    def full(cp):
        out = []
        for c in decomp.get(cp, [cp]):
            out += full(c) if c in decomp and c != cp else [c]
        return out

    full_decomp = {cp: full(cp) for cp in decomp}
    return gc, ccc, white, lower, full_decomp, props


def merge_ranges(ranges):
    out = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def compare_with_python(gc, ccc, lower, decomp, new_in_this_version):
    """Differences between the UCD read here and Python's unicodedata (another version)."""
    diffs = []
    for cp in range(NCP):
        c = chr(cp)
        py_cat = unicodedata.category(c)
        if py_cat == "Cn" or cp in new_in_this_version:
            continue
        if py_cat != CATEGORIES[gc[cp]]:
            diffs.append("U+%04X category %s here, %s in Python" % (cp, CATEGORIES[gc[cp]],
                                                                    py_cat))
        if unicodedata.combining(c) != ccc[cp]:
            diffs.append("U+%04X combining class %d here, %d in Python" %
                         (cp, ccc[cp], unicodedata.combining(c)))
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue
        mine = "".join(chr(x) for x in decomp.get(cp, [cp]))
        if mine != unicodedata.normalize("NFD", c):
            diffs.append("U+%04X decomposition differs" % cp)
        if "".join(chr(x) for x in lower.get(cp, [cp])) != c.lower():
            diffs.append("U+%04X lowercase differs" % cp)
    return diffs


def c_array(ctype, name, values, per_line=24, comment=None):
    lines = []
    if comment:
        lines.append("// " + comment)
    lines.append("inline constexpr %s %s[%d] = {" % (ctype, name, len(values)))
    for i in range(0, len(values), per_line):
        lines.append("    " + ",".join(str(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def render(ucd):
    version = unicode_version(ucd)
    gc, ccc, white, lower, decomp, props = load(ucd)

    values = []
    for cp in range(NCP):
        v = gc[cp] | (white[cp] << 5)
        if cp in lower:
            v |= 1 << 6
        if cp in decomp:
            v |= 1 << 7
        v |= ccc[cp] << 8
        values.append(v)
    block = 1 << BLOCK_SHIFT
    blocks, index, stage1 = [], {}, []
    for start in range(0, NCP, block):
        key = tuple(values[start:start + block])
        if key not in index:
            index[key] = len(blocks)
            blocks.append(key)
        stage1.append(index[key])
    props_blocks = [v for b in blocks for v in b]

    lower_keys = sorted(lower)
    lower_index, lower_data = [], []
    for cp in lower_keys:
        lower_index.append(len(lower_data))
        lower_data += lower[cp]
    lower_index.append(len(lower_data))

    decomp_keys = sorted(decomp)
    decomp_index, decomp_data = [], []
    for cp in decomp_keys:
        decomp_index.append(len(decomp_data))
        decomp_data += decomp[cp]
    decomp_index.append(len(decomp_data))
    assert max(len(v) for v in decomp.values()) <= 4
    assert max(len(v) for v in lower.values()) <= 3

    cased = merge_ranges(props["Cased"])
    ignorable = merge_ranges(props["Case_Ignorable"])

    parts = [
        "// Unicode character data for embedkit's text layer (general category, White_Space, full",
        "// lowercase mapping, canonical decomposition and combining class, Cased and",
        "// Case_Ignorable), Unicode %s." % version,
        "//",
        "// Generated by scripts/gen_unicode_tables.py from the Unicode Character Database files",
        "// (UnicodeData.txt, PropList.txt, SpecialCasing.txt, DerivedCoreProperties.txt) of",
        "// Debian's unicode-data package; do not edit. The layout is described in the script;",
        "// text/unicode.hpp is the interface.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "",
        "namespace embedkit::detail::unicode_tables {",
        "",
        'inline constexpr char version[] = "%s";' % version,
        "inline constexpr int block_shift = %d;" % BLOCK_SHIFT,
        "inline constexpr std::uint16_t gc_mask = 0x1F;",
        "inline constexpr std::uint16_t white_space_bit = 1u << 5;",
        "inline constexpr std::uint16_t lower_bit = 1u << 6;",
        "inline constexpr std::uint16_t decomp_bit = 1u << 7;",
        "inline constexpr int ccc_shift = 8;",
        "",
        c_array("std::uint16_t", "stage1", stage1,
                comment="Block of each run of %d code points." % block),
        "",
        c_array("std::uint16_t", "props_blocks", props_blocks, per_line=32,
                comment="%d distinct blocks of %d entries." % (len(blocks), block)),
        "",
        c_array("std::uint32_t", "lower_keys", lower_keys, per_line=12,
                comment="Code points with a lowercase mapping, sorted."),
        c_array("std::uint16_t", "lower_index", lower_index, per_line=20,
                comment="lower_data[lower_index[i] .. lower_index[i + 1]) maps lower_keys[i]."),
        c_array("std::uint32_t", "lower_data", lower_data, per_line=12),
        "",
        c_array("std::uint32_t", "decomp_keys", decomp_keys, per_line=12,
                comment="Code points with a canonical decomposition (Hangul syllables aside)."),
        c_array("std::uint16_t", "decomp_index", decomp_index, per_line=20,
                comment="decomp_data[decomp_index[i] .. decomp_index[i + 1]) is the full "
                        "decomposition of decomp_keys[i]."),
        c_array("std::uint32_t", "decomp_data", decomp_data, per_line=12),
        "",
        c_array("std::uint32_t", "cased_ranges", [x for r in cased for x in r], per_line=12,
                comment="Cased: [first, last] pairs, sorted."),
        c_array("std::uint32_t", "case_ignorable_ranges", [x for r in ignorable for x in r],
                per_line=12, comment="Case_Ignorable: [first, last] pairs, sorted."),
        "",
        "}  // namespace embedkit::detail::unicode_tables",
        "",
    ]
    return "\n".join(parts), (gc, ccc, lower, decomp)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ucd", default="/usr/share/unicode",
                        help="folder of the UCD files (default: /usr/share/unicode)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed header instead of writing it")
    args = parser.parse_args()
    text, (gc, ccc, lower, decomp) = render(args.ucd)

    new = set()
    age_file = os.path.join(args.ucd, "DerivedAge.txt")
    if os.path.exists(age_file):
        ages = list(read_lines(age_file))
        newest = max((f[1] for f in ages), key=lambda v: tuple(int(x) for x in v.split(".")))
        for f in ages:
            if f[1] == newest:
                lo, hi = parse_range(f[0])
                new.update(range(lo, hi + 1))
    diffs = compare_with_python(gc, ccc, lower, decomp, new)
    print("compared with Python's unicodedata %s: %d differences" %
          (unicodedata.unidata_version, len(diffs)))
    for d in diffs[:50]:
        print("  " + d)

    if args.check:
        with open(OUT, encoding="utf-8") as f:
            same = f.read() == text
        print("%s %s" % (os.path.relpath(OUT, ROOT), "is up to date" if same else "DIFFERS"))
        return 0 if same else 1
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %s (%d bytes)" % (os.path.relpath(OUT, ROOT), len(text.encode("utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

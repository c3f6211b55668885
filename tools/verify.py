#!/usr/bin/env python3
"""Independent verifier of fairdraw draws (algorithm `fairdraw-draw/1`), Python standard library only.

fairdraw 摇号记录独立核验工具：只用 Python 标准库，按公开规范 docs/draw-protocol.md 重算一切。

This program was written from the public specification alone, without reading fairdraw's Rust code, so that
the two implementations check each other: if they disagree on any record or test vector, the specification is
ambiguous or one of them is wrong. It contains its own ChaCha20 block function. A bundle exported from a sealed
ceremony is also checked against its journal and its record hash (§15), and with --record-hash against the number
printed on the paper record.

Usage:
    python3 tools/verify.py BUNDLE            # a *.fairdraw.zip or a folder holding the bundle's files
    python3 tools/verify.py --json BUNDLE     # the same, as one JSON object on standard output
    python3 tools/verify.py --vectors DIR     # run every test vector DIR/*.json
    python3 tools/verify.py --record-hash HEX BUNDLE   # also compare with the record hash on the paper record

Exit codes: 0 everything matches; 3 a recomputed value differs from the recorded one (or a vector failed);
1 the bundle or a vector cannot be read or breaks a rule of the specification; 2 wrong usage.

Section numbers (§) refer to docs/draw-protocol.md.
"""

import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import re
import struct
import sys
import unicodedata
import zipfile

ALGORITHM = "fairdraw-draw/1"
BUNDLE_FORMAT = "fairdraw-bundle/1"
UNCLASSIFIED = "未分类"

EXIT_MATCH = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_MISMATCH = 3


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------


class VerifyError(Exception):
    """An input error: the inputs cannot be read, or break a rule of the specification.

    `subject` names what the error is about, e.g. ("entity", "9143...") or ("stratum", "A"), when the
    specification says the error names one; file/line/column/field say where in the bundle or vector it is.
    """

    kind = "input"

    def __init__(self, zh, en, file=None, line=None, column=None, field=None, subject=None):
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.subject = subject

    def place(self):
        """Where the error is, as one readable line (empty if unknown)."""
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append("行 line %d" % self.line)
        if self.column is not None:
            parts.append("列 column %s" % self.column)
        if self.field:
            parts.append(str(self.field))
        return ", ".join(parts)

    def as_json(self):
        out = {"kind": self.kind, "message_zh": self.zh, "message_en": self.en}
        for name in ("file", "line", "column", "field"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.subject is not None:
            out[self.subject[0]] = self.subject[1]
        return out


class Infeasible(VerifyError):
    """The rules cannot be met by these inputs (§7.2, §8.2, §8.4); no draw may take place."""

    kind = "infeasible"


# ---------------------------------------------------------------------------------------------------------
# §2 Primitive encodings
# ---------------------------------------------------------------------------------------------------------

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def enc_u32(n):
    """`u32(n)`: 4 bytes big-endian."""
    if not 0 <= n < 1 << 32:
        raise ValueError("u32 out of range: %r" % (n,))
    return _U32.pack(n)


def enc_u64(n):
    """`u64(n)`: 8 bytes big-endian."""
    if not 0 <= n < 1 << 64:
        raise ValueError("u64 out of range: %r" % (n,))
    return _U64.pack(n)


def enc_bool(b):
    """`bool(b)`: 0x01 or 0x00."""
    return b"\x01" if b else b"\x00"


def enc_bytes(b):
    """`bytes(b)`: length-prefixed bytes."""
    return _U32.pack(len(b)) + b


def enc_str(s):
    """`str(s)`: the UTF-8 bytes of `s`, prefixed by their length in bytes."""
    b = s.encode("utf-8")
    return _U32.pack(len(b)) + b


def enc_list(f, xs):
    """`list(f, xs)`: the count, then each element's encoding."""
    return _U32.pack(len(xs)) + b"".join([f(x) for x in xs])


def enc_opt_u32(x):
    """`opt_u32(x)`: 0x00 if absent, else 0x01 || u32(x)."""
    return b"\x00" if x is None else b"\x01" + enc_u32(x)


def sha256(data):
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------------------------------------------------
# §3 ChaCha20 and uniform integers
# ---------------------------------------------------------------------------------------------------------

_M32 = 0xFFFFFFFF
_SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"


def chacha20_blocks(key_words, counter, count, nonce=0):
    """The output of `count` consecutive DJB ChaCha20 blocks (20 rounds), as lists of 16 words.

    `key_words` are the eight little-endian key words, `counter` the 64-bit block counter of the first block
    (words 12-13), `nonce` the 64-bit nonce / stream id (words 14-15).

    CPython is slow at small-integer arithmetic, so the blocks are computed side by side: each of the 16 state
    variables is one big integer holding that word of every block in its own 64-bit lane (bits 64·i to 64·i+31
    for block i). Additions carry into the unused upper half of a lane and rotations spill into it; masking
    with `L` after each step clears those bits, so every lane follows exactly the 32-bit quarter round
    a += b; d ^= a; d <<<= 16; c += d; b ^= c; b <<<= 12; a += b; d ^= a; d <<<= 8; c += d; b ^= c; b <<<= 7.
    With count = 1 this is the plain block function.
    """
    R = 0
    c12 = 0
    c13 = 0
    for i in range(count):
        R |= 1 << (64 * i)
        c = counter + i
        c12 |= (c & _M32) << (64 * i)
        c13 |= ((c >> 32) & _M32) << (64 * i)
    L = _M32 * R
    state = [_SIGMA[0] * R, _SIGMA[1] * R, _SIGMA[2] * R, _SIGMA[3] * R] + [k * R for k in key_words] + [
        c12, c13, (nonce & _M32) * R, ((nonce >> 32) & _M32) * R]
    x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15 = state
    for _ in range(10):
        # column round: (0,4,8,12) (1,5,9,13) (2,6,10,14) (3,7,11,15)
        x0 = (x0 + x4) & L; x12 ^= x0; x12 = ((x12 << 16) | (x12 >> 16)) & L
        x8 = (x8 + x12) & L; x4 ^= x8; x4 = ((x4 << 12) | (x4 >> 20)) & L
        x0 = (x0 + x4) & L; x12 ^= x0; x12 = ((x12 << 8) | (x12 >> 24)) & L
        x8 = (x8 + x12) & L; x4 ^= x8; x4 = ((x4 << 7) | (x4 >> 25)) & L

        x1 = (x1 + x5) & L; x13 ^= x1; x13 = ((x13 << 16) | (x13 >> 16)) & L
        x9 = (x9 + x13) & L; x5 ^= x9; x5 = ((x5 << 12) | (x5 >> 20)) & L
        x1 = (x1 + x5) & L; x13 ^= x1; x13 = ((x13 << 8) | (x13 >> 24)) & L
        x9 = (x9 + x13) & L; x5 ^= x9; x5 = ((x5 << 7) | (x5 >> 25)) & L

        x2 = (x2 + x6) & L; x14 ^= x2; x14 = ((x14 << 16) | (x14 >> 16)) & L
        x10 = (x10 + x14) & L; x6 ^= x10; x6 = ((x6 << 12) | (x6 >> 20)) & L
        x2 = (x2 + x6) & L; x14 ^= x2; x14 = ((x14 << 8) | (x14 >> 24)) & L
        x10 = (x10 + x14) & L; x6 ^= x10; x6 = ((x6 << 7) | (x6 >> 25)) & L

        x3 = (x3 + x7) & L; x15 ^= x3; x15 = ((x15 << 16) | (x15 >> 16)) & L
        x11 = (x11 + x15) & L; x7 ^= x11; x7 = ((x7 << 12) | (x7 >> 20)) & L
        x3 = (x3 + x7) & L; x15 ^= x3; x15 = ((x15 << 8) | (x15 >> 24)) & L
        x11 = (x11 + x15) & L; x7 ^= x11; x7 = ((x7 << 7) | (x7 >> 25)) & L

        # diagonal round: (0,5,10,15) (1,6,11,12) (2,7,8,13) (3,4,9,14)
        x0 = (x0 + x5) & L; x15 ^= x0; x15 = ((x15 << 16) | (x15 >> 16)) & L
        x10 = (x10 + x15) & L; x5 ^= x10; x5 = ((x5 << 12) | (x5 >> 20)) & L
        x0 = (x0 + x5) & L; x15 ^= x0; x15 = ((x15 << 8) | (x15 >> 24)) & L
        x10 = (x10 + x15) & L; x5 ^= x10; x5 = ((x5 << 7) | (x5 >> 25)) & L

        x1 = (x1 + x6) & L; x12 ^= x1; x12 = ((x12 << 16) | (x12 >> 16)) & L
        x11 = (x11 + x12) & L; x6 ^= x11; x6 = ((x6 << 12) | (x6 >> 20)) & L
        x1 = (x1 + x6) & L; x12 ^= x1; x12 = ((x12 << 8) | (x12 >> 24)) & L
        x11 = (x11 + x12) & L; x6 ^= x11; x6 = ((x6 << 7) | (x6 >> 25)) & L

        x2 = (x2 + x7) & L; x13 ^= x2; x13 = ((x13 << 16) | (x13 >> 16)) & L
        x8 = (x8 + x13) & L; x7 ^= x8; x7 = ((x7 << 12) | (x7 >> 20)) & L
        x2 = (x2 + x7) & L; x13 ^= x2; x13 = ((x13 << 8) | (x13 >> 24)) & L
        x8 = (x8 + x13) & L; x7 ^= x8; x7 = ((x7 << 7) | (x7 >> 25)) & L

        x3 = (x3 + x4) & L; x14 ^= x3; x14 = ((x14 << 16) | (x14 >> 16)) & L
        x9 = (x9 + x14) & L; x4 ^= x9; x4 = ((x4 << 12) | (x4 >> 20)) & L
        x3 = (x3 + x4) & L; x14 ^= x3; x14 = ((x14 << 8) | (x14 >> 24)) & L
        x9 = (x9 + x14) & L; x4 ^= x9; x4 = ((x4 << 7) | (x4 >> 25)) & L
    out = [(o + s) & L for o, s in zip((x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15),
                                        state)]
    lanes = [o.to_bytes(8 * count, "little") for o in out]
    return [[int.from_bytes(lane[8 * i:8 * i + 4], "little") for lane in lanes] for i in range(count)]


def chacha20_block(key_words, counter, nonce=0):
    """The 16 output words of one ChaCha20 block (§3.1)."""
    return chacha20_blocks(key_words, counter, 1, nonce)[0]


class ChaCha20Rng:
    """The word stream of §3.1: ChaCha20 keyed by 32 bytes, nonce zero, block counter from zero.

    Equal to Rust's `rand_chacha::ChaCha20Rng::from_seed(key)` read through `next_u32`/`next_u64`. Blocks are
    computed 16 at a time (see chacha20_blocks); computing a block that is never read changes nothing.
    """

    BATCH = 16

    def __init__(self, key):
        if len(key) != 32:
            raise ValueError("ChaCha20 key must be 32 bytes")
        self._key = struct.unpack("<8I", key)
        self._block = 0
        self._words = []
        self._index = 0

    def _refill(self):
        words = []
        for block in chacha20_blocks(self._key, self._block, self.BATCH):
            words.extend(block)
        self._block += self.BATCH
        self._words = words
        self._index = 0

    def next_u32(self):
        """The next word `w[i]`."""
        if self._index >= len(self._words):
            self._refill()
        w = self._words[self._index]
        self._index += 1
        return w

    def next_u64(self):
        """`w[i] + 2^32 · w[i+1]`, low word first (§3.1)."""
        i = self._index
        words = self._words
        if i + 1 < len(words):
            self._index = i + 2
            return words[i] | (words[i + 1] << 32)
        lo = self.next_u32()
        return lo | (self.next_u32() << 32)


_TWO64 = 1 << 64


def uniform(rng, n):
    """An integer in [0, n) with equal probabilities, by the rejection rule of §3.2."""
    if not 1 <= n <= 1 << 32:
        raise ValueError("uniform: n out of range: %r" % (n,))
    threshold = _TWO64 % n
    while True:
        x = rng.next_u64()
        if x >= threshold:
            return x % n


def subseed(seed, label, key):
    """§3.3: the key of an independent sub-generator."""
    return sha256(enc_str("fairdraw-subseed/1") + enc_bytes(seed) + enc_str(label) + enc_str(key))


# ---------------------------------------------------------------------------------------------------------
# §2 Text rules
# ---------------------------------------------------------------------------------------------------------

# Characters with the Unicode White_Space property (Unicode 15). This is the set Rust's `str::trim` uses.
# Python's str.isspace() differs (it also counts U+001C..U+001F), so it is not used for this check.
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def text_problem(s):
    """Why `s` breaks the text rules of §2 (as (zh, en)), or None if it is fine."""
    if s and (s[0] in WHITE_SPACE or s[-1] in WHITE_SPACE):
        return ("首尾有空白字符", "leading or trailing white space")
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            return ("不是有效的 Unicode 文本（孤立代理项）", "not valid Unicode text (lone surrogate)")
        if not unicodedata.is_normalized("NFC", s):
            return ("文本不是 Unicode NFC 规范形式", "text is not in Unicode NFC")
    return None


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def parse_date(s):
    """The `datetime.date` of a `YYYY-MM-DD` string, or None if it is not a valid date."""
    if not _DATE_RE.match(s):
        return None
    try:
        return datetime.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------
# Reading JSON with paths in error messages
# ---------------------------------------------------------------------------------------------------------


def _no_duplicate_members(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("duplicate member %r" % key)
        seen[key] = value
    return seen


def _no_constants(name):
    raise ValueError("%s is not valid JSON" % name)


def load_json(data, file):
    """Parse JSON bytes strictly (UTF-8, no duplicate members, no NaN); errors name line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise VerifyError("不是有效的 UTF-8", "not valid UTF-8", file=file, line=line, column=column)
    if text.startswith("\ufeff"):
        raise VerifyError("文件以 BOM 开头", "file starts with a byte order mark (BOM)", file=file, line=1, column=1)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_members, parse_constant=_no_constants)
    except json.JSONDecodeError as e:
        raise VerifyError("JSON 语法错误：" + e.msg, "JSON syntax error: " + e.msg, file=file, line=e.lineno,
                          column=e.colno)
    except ValueError as e:
        raise VerifyError("JSON 无效：%s" % e, "invalid JSON: %s" % e, file=file)


class JsonReader:
    """Typed access to parsed JSON; every error names the file and the member's path."""

    def __init__(self, file):
        self.file = file

    def fail(self, path, zh, en, subject=None, cls=VerifyError):
        raise cls(zh, en, file=self.file, field=path, subject=subject)

    def obj(self, v, path, members, optional=()):
        if not isinstance(v, dict):
            self.fail(path, "应为 JSON 对象", "must be a JSON object")
        for m in members:
            if m not in v:
                self.fail(path + "." + m if path else m, "缺少此成员", "member is missing")
        for m in v:
            if m not in members and m not in optional:
                self.fail(path + "." + m if path else m, "未知成员", "unknown member")
        return v

    def text(self, v, path):
        if not isinstance(v, str):
            self.fail(path, "应为字符串", "must be a string")
        problem = text_problem(v)
        if problem:
            self.fail(path, problem[0], problem[1])
        return v

    def uint(self, v, path, minimum=0):
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(path, "应为整数", "must be an integer")
        if not minimum <= v < 1 << 32:
            self.fail(path, "应为 %d 至 4294967295 之间的整数" % minimum,
                      "must be an integer from %d to 4294967295" % minimum)
        return v

    def opt_uint(self, v, path):
        return None if v is None else self.uint(v, path)

    def boolean(self, v, path):
        if not isinstance(v, bool):
            self.fail(path, "应为 true 或 false", "must be true or false")
        return v

    def array(self, v, path):
        if not isinstance(v, list):
            self.fail(path, "应为 JSON 数组", "must be a JSON array")
        return v

    def sorted_texts(self, v, path):
        """A list of strings, ascending by UTF-8 bytes, without duplicates (checked, never repaired)."""
        items = [self.text(x, "%s[%d]" % (path, i)) for i, x in enumerate(self.array(v, path))]
        for i in range(1, len(items)):
            if not items[i - 1] < items[i]:
                self.fail("%s[%d]" % (path, i), "列表未按升序排列或有重复", "list is not sorted ascending or has a duplicate")
        return items

    def date(self, v, path, allow_empty):
        s = self.text(v, path)
        if s == "" and allow_empty:
            return s
        if parse_date(s) is None:
            self.fail(path, "应为 YYYY-MM-DD 格式的有效日期", "must be a valid date YYYY-MM-DD")
        return s

    def hex32(self, v, path):
        if not isinstance(v, str) or not re.match(r"[0-9a-f]{64}\Z", v):
            self.fail(path, "应为 64 位小写十六进制", "must be 64 lower-case hex digits")
        return bytes.fromhex(v)


# ---------------------------------------------------------------------------------------------------------
# §4.4 Rules
# ---------------------------------------------------------------------------------------------------------


class Rules:
    """The parsed `rules` object of §4.4, validated; `encode()` is its binary form."""

    def __init__(self, obj, reader, path="rules"):
        r = reader
        p = path
        r.obj(obj, p, ("algorithm", "task", "draw_date", "scope", "exclusions", "strata", "quota",
                       "reserve_per_stratum", "inspectors"))
        self.algorithm = r.text(obj["algorithm"], p + ".algorithm")
        if self.algorithm != ALGORITHM:
            r.fail(p + ".algorithm", "本工具只核验 %s，记录使用的是 %s" % (ALGORITHM, self.algorithm),
                   "this verifier checks %s only; the record uses %s" % (ALGORITHM, self.algorithm))
        task = r.obj(obj["task"], p + ".task", ("number", "name", "attempt"))
        self.task_number = r.text(task["number"], p + ".task.number")
        self.task_name = r.text(task["name"], p + ".task.name")
        self.attempt = r.uint(task["attempt"], p + ".task.attempt", minimum=1)
        self.draw_date = r.date(obj["draw_date"], p + ".draw_date", allow_empty=False)
        self.draw_day = parse_date(self.draw_date).toordinal()

        scope = r.obj(obj["scope"], p + ".scope", ("regions", "industries", "entity_types", "risk_classes", "tags_any"))
        self.scope_regions = r.sorted_texts(scope["regions"], p + ".scope.regions")
        self.scope_industries = r.sorted_texts(scope["industries"], p + ".scope.industries")
        self.scope_entity_types = r.sorted_texts(scope["entity_types"], p + ".scope.entity_types")
        self.scope_risk_classes = r.sorted_texts(scope["risk_classes"], p + ".scope.risk_classes")
        self.scope_tags_any = r.sorted_texts(scope["tags_any"], p + ".scope.tags_any")

        ex = r.obj(obj["exclusions"], p + ".exclusions", ("statuses", "inspected_within_days", "entities"))
        self.excluded_statuses = r.sorted_texts(ex["statuses"], p + ".exclusions.statuses")
        self.inspected_within_days = r.opt_uint(ex["inspected_within_days"], p + ".exclusions.inspected_within_days")
        self.excluded_entities = []
        for i, e in enumerate(r.array(ex["entities"], p + ".exclusions.entities")):
            ep = "%s.exclusions.entities[%d]" % (p, i)
            r.obj(e, ep, ("code", "reason"))
            code = r.text(e["code"], ep + ".code")
            reason = r.text(e["reason"], ep + ".reason")
            if self.excluded_entities and not self.excluded_entities[-1][0] < code:
                r.fail(ep + ".code", "未按代码升序排列或代码重复", "not sorted by code or code repeated")
            self.excluded_entities.append((code, reason))

        self.strata = r.text(obj["strata"], p + ".strata")
        if self.strata not in ("none", "risk_class", "region"):
            r.fail(p + ".strata", "应为 none、risk_class 或 region", "must be none, risk_class or region")

        q = obj["quota"]
        qp = p + ".quota"
        if not isinstance(q, dict) or "mode" not in q:
            r.fail(qp, "应为含 mode 成员的对象", "must be an object with a mode member")
        self.quota_mode = r.text(q["mode"], qp + ".mode")
        self.ratios = {}
        self.default_bp = None
        self.counts = {}
        self.total = None
        if self.quota_mode == "ratio":
            r.obj(q, qp, ("mode", "ratios", "default_bp"))
            self._keyed(r, q["ratios"], qp + ".ratios", "bp", self.ratios)
            self.default_bp = r.opt_uint(q["default_bp"], qp + ".default_bp")
        elif self.quota_mode == "count":
            r.obj(q, qp, ("mode", "total"))
            self.total = r.uint(q["total"], qp + ".total")
        elif self.quota_mode == "per_stratum":
            r.obj(q, qp, ("mode", "counts"))
            self._keyed(r, q["counts"], qp + ".counts", "count", self.counts)
        else:
            r.fail(qp + ".mode", "应为 ratio、count 或 per_stratum", "must be ratio, count or per_stratum")

        self.reserve_per_stratum = r.opt_uint(obj["reserve_per_stratum"], p + ".reserve_per_stratum")

        ins = r.obj(obj["inspectors"], p + ".inspectors",
                    ("departments", "group_size", "groups", "leader", "expert_required", "required_qualifications",
                     "active_statuses", "recuse_same_region"))
        ip = p + ".inspectors"
        deps = [r.text(x, "%s.departments[%d]" % (ip, i)) for i, x in enumerate(r.array(ins["departments"], ip + ".departments"))]
        if not deps:
            r.fail(ip + ".departments", "至少要有牵头部门", "must list at least the lead department")
        for i in range(1, len(deps)):
            if deps[i] == deps[0] or (i > 1 and not deps[i - 1] < deps[i]):
                r.fail("%s.departments[%d]" % (ip, i), "配合部门应按升序排列且不重复（牵头部门在首位）",
                       "participating departments must be ascending and unique, after the lead department")
        self.departments = deps
        self.group_size = r.uint(ins["group_size"], ip + ".group_size")
        groups = ins["groups"]
        gp = ip + ".groups"
        if not isinstance(groups, dict) or "mode" not in groups:
            r.fail(gp, "应为含 mode 成员的对象", "must be an object with a mode member")
        self.groups_mode = r.text(groups["mode"], gp + ".mode")
        if self.groups_mode == "fixed":
            r.obj(groups, gp, ("mode", "count"))
            self.groups_value = r.uint(groups["count"], gp + ".count", minimum=1)
        elif self.groups_mode == "per_targets":
            r.obj(groups, gp, ("mode", "max_targets"))
            self.groups_value = r.uint(groups["max_targets"], gp + ".max_targets", minimum=1)
        else:
            r.fail(gp + ".mode", "应为 fixed 或 per_targets", "must be fixed or per_targets")
        leader = r.obj(ins["leader"], ip + ".leader", ("required", "qualification"))
        self.leader_required = r.boolean(leader["required"], ip + ".leader.required")
        self.leader_qualification = r.text(leader["qualification"], ip + ".leader.qualification")
        self.expert_required = r.boolean(ins["expert_required"], ip + ".expert_required")
        self.required_qualifications = r.sorted_texts(ins["required_qualifications"], ip + ".required_qualifications")
        self.active_statuses = r.sorted_texts(ins["active_statuses"], ip + ".active_statuses")
        self.recuse_same_region = r.boolean(ins["recuse_same_region"], ip + ".recuse_same_region")

    @staticmethod
    def _keyed(r, v, path, name, into):
        """`quota.ratios` / `quota.counts`: entries sorted by stratum, strata unique."""
        prev = None
        for i, x in enumerate(r.array(v, path)):
            xp = "%s[%d]" % (path, i)
            r.obj(x, xp, ("stratum", name))
            key = r.text(x["stratum"], xp + ".stratum")
            if prev is not None and not prev < key:
                r.fail(xp + ".stratum", "未按分层升序排列或分层重复", "not sorted by stratum or stratum repeated")
            prev = key
            into[key] = r.uint(x[name], xp + "." + name)

    def stratum_key(self, region, risk_class):
        if self.strata == "none":
            return ""
        if self.strata == "risk_class":
            return risk_class or UNCLASSIFIED
        return region or UNCLASSIFIED

    def encode(self):
        """The binary encoding of §4.4 that `fp_rules` hashes."""
        s = enc_str
        parts = [
            s("fairdraw-rules/1"), s(self.algorithm),
            s(self.task_number), s(self.task_name), enc_u32(self.attempt),
            s(self.draw_date),
            enc_list(s, self.scope_regions), enc_list(s, self.scope_industries), enc_list(s, self.scope_entity_types),
            enc_list(s, self.scope_risk_classes), enc_list(s, self.scope_tags_any),
            enc_list(s, self.excluded_statuses), enc_opt_u32(self.inspected_within_days),
            enc_list(lambda x: s(x[0]) + s(x[1]), self.excluded_entities),
            s(self.strata),
        ]
        if self.quota_mode == "ratio":
            parts += [s("ratio"), enc_list(lambda k: s(k) + enc_u32(self.ratios[k]), sorted(self.ratios)),
                      enc_opt_u32(self.default_bp)]
        elif self.quota_mode == "count":
            parts += [s("count"), enc_u32(self.total)]
        else:
            parts += [s("per_stratum"), enc_list(lambda k: s(k) + enc_u32(self.counts[k]), sorted(self.counts))]
        parts += [
            enc_opt_u32(self.reserve_per_stratum),
            enc_list(s, self.departments), enc_u32(self.group_size),
            s(self.groups_mode), enc_u32(self.groups_value),
            enc_bool(self.leader_required), s(self.leader_qualification), enc_bool(self.expert_required),
            enc_list(s, self.required_qualifications), enc_list(s, self.active_statuses),
            enc_bool(self.recuse_same_region),
        ]
        return b"".join(parts)


# ---------------------------------------------------------------------------------------------------------
# §4.1 Population, §6 scope and exclusions, §7.1 strata (one streaming pass)
# ---------------------------------------------------------------------------------------------------------

ENTITY_FIELDS = ("code", "name", "entity_type", "industry", "address", "authority", "region", "town",
                 "established", "status", "risk_class", "tags", "last_inspected")
INSPECTOR_FIELDS = ("staff_no", "name", "department", "certificate_no", "certificate_valid_until",
                    "qualifications", "expert", "region", "status")
RECUSAL_FIELDS = ("staff_no", "entity_code", "reason")

_RISK_CLASSES = frozenset(("", "A", "B", "C", "D"))


class NotInCanonicalOrder(Exception):
    """Raised by the streaming reader when rows are not ascending by key; the caller then sorts."""


class Stratum:
    __slots__ = ("key", "codes", "regions")

    def __init__(self, key):
        self.key = key
        self.codes = []
        self.regions = []


class PopulationBuilder:
    """Takes the entities one by one in canonical order, checks them (§2, §4.1, §6.1), hashes them (§4.1),
    applies the exclusions (§6.2) and sorts the rest into strata (§7.1), keeping only what the draw needs.

    `add(values, key)`: `values` are the 13 fields in §4.1 order, `tags` as a tuple of strings; `key` says where
    the entity came from (a line number, an index), and `where(key, field)` returns the keyword arguments
    (file, line, column, field) of an error about that field.
    """

    def __init__(self, rules, where):
        self.rules = rules
        self._where = where
        self.count = 0
        self._chunks = []
        self._pending = []
        self._prev_code = None
        # One cache per repeating field: value -> validated str(value).
        self._caches = [{} for _ in range(9)]
        self._tag_cache = {}
        self._date_cache = {}
        self.excluded = []
        self.strata = {}
        self._explicit = {code for code, _ in rules.excluded_entities}
        self._ex_statuses = frozenset(rules.excluded_statuses)
        self._scope = [
            (6, frozenset(rules.scope_regions)), (3, frozenset(rules.scope_industries)),
            (2, frozenset(rules.scope_entity_types)),
        ]
        self._scope = [(i, s) for i, s in self._scope if s]
        self._scope_risk = frozenset(rules.scope_risk_classes)
        self._scope_tags = frozenset(rules.scope_tags_any)
        self._region_intern = {}
        self._any_scope = bool(self._scope or self._scope_risk or self._scope_tags)
        self._within = rules.inspected_within_days
        self._draw_day = rules.draw_day
        self._strata_mode = rules.strata

    def _miss(self, cache, field, value, key):
        """Validate and encode a value of a repeating field the first time it is seen."""
        if not isinstance(value, str):
            raise VerifyError("应为字符串", "must be a string", **self._where(key, field))
        problem = text_problem(value)
        if problem:
            raise VerifyError(problem[0], problem[1], **self._where(key, field))
        if field in ("established", "last_inspected") and value != "" and parse_date(value) is None:
            raise VerifyError("应为 YYYY-MM-DD 格式的有效日期或空", "must be a valid date YYYY-MM-DD or empty",
                              **self._where(key, field))
        if field == "risk_class" and value not in _RISK_CLASSES:
            raise VerifyError("信用风险分类应为 A、B、C、D 或空", "risk_class must be A, B, C, D or empty",
                              **self._where(key, field))
        enc = cache[value] = enc_str(value)
        return enc

    def _tags_encoded(self, tags, key):
        """`list(str, tags)` for a tuple of tags, checked and cached."""
        enc = self._tag_cache.get(tags) if isinstance(tags, tuple) else None
        if enc is None:
            if not isinstance(tags, tuple):
                raise VerifyError("应为字符串列表", "must be a list of strings", **self._where(key, "tags"))
            for i, t in enumerate(tags):
                if not isinstance(t, str):
                    raise VerifyError("应为字符串列表", "must be a list of strings", **self._where(key, "tags"))
                problem = text_problem(t)
                if problem:
                    raise VerifyError(problem[0], problem[1], **self._where(key, "tags"))
                if i and not tags[i - 1] < t:
                    raise VerifyError("标签未按升序排列或有重复", "tags are not sorted ascending or have a duplicate",
                                      **self._where(key, "tags"))
            enc = enc_list(enc_str, tags)
            self._tag_cache[tags] = enc
        return enc

    def _free_text_problem(self, values, key):
        """Called when the fast check of code, name and address failed: find the field and raise."""
        for index in (0, 1, 4):
            field, value = ENTITY_FIELDS[index], values[index]
            if not isinstance(value, str):
                raise VerifyError("应为字符串", "must be a string", **self._where(key, field))
            problem = text_problem(value)
            if problem:
                raise VerifyError(problem[0], problem[1], **self._where(key, field))

    def add(self, values, key):
        (code, name, entity_type, industry, address, authority, region, town, established, status, risk_class,
         tags, last_inspected) = values
        # The three fields whose values rarely repeat (code, name, address) are checked here on a fast path
        # (a NUL between them is a normalisation boundary, so one NFC check covers all three); anything unusual
        # goes to _free_text_problem, which names the field. The other fields are checked once per distinct
        # value, in _miss. This method runs once per entity, so it avoids needless lookups.
        try:
            joined = code + "\x00" + name + "\x00" + address
        except TypeError:
            joined = None
        ws = WHITE_SPACE
        if (joined is None
                or (code and (code[0] in ws or code[-1] in ws))
                or (name and (name[0] in ws or name[-1] in ws))
                or (address and (address[0] in ws or address[-1] in ws))
                or (not joined.isascii() and text_problem(joined) is not None)):
            self._free_text_problem(values, key)
        prev = self._prev_code
        if prev is None or prev < code:
            if code == "":
                raise VerifyError("代码为空", "code is empty", **self._where(key, "code"))
        elif prev == code:
            raise VerifyError("代码重复：%s" % code, "duplicate code: %s" % code, subject=("entity", code),
                              **self._where(key, "code"))
        else:
            raise NotInCanonicalOrder()
        self._prev_code = code
        c0, c1, c2, c3, c4, c5, c6, c7, c8 = self._caches
        miss = self._miss
        b_code = code.encode("utf-8")
        b_name = name.encode("utf-8")
        b_address = address.encode("utf-8")
        pack = _U32.pack
        pending = self._pending
        pending.append(b"".join((
            pack(len(b_code)), b_code,
            pack(len(b_name)), b_name,
            c0.get(entity_type) or miss(c0, "entity_type", entity_type, key),
            c1.get(industry) or miss(c1, "industry", industry, key),
            pack(len(b_address)), b_address,
            c2.get(authority) or miss(c2, "authority", authority, key),
            c3.get(region) or miss(c3, "region", region, key),
            c4.get(town) or miss(c4, "town", town, key),
            c5.get(established) or miss(c5, "established", established, key),
            c6.get(status) or miss(c6, "status", status, key),
            c7.get(risk_class) or miss(c7, "risk_class", risk_class, key),
            self._tag_cache.get(tags) or self._tags_encoded(tags, key),
            c8.get(last_inspected) or miss(c8, "last_inspected", last_inspected, key),
        )))
        if len(pending) >= 4096:
            self._chunks.append(b"".join(pending))
            self._pending = []
        self.count += 1

        # §6.1 scope: an entity outside the task's own scope is an input error.
        if self._any_scope:
            self._check_scope(values, key)

        # §6.2 exclusions, first reason that applies.
        if code in self._explicit:
            self.excluded.append((code, "explicit"))
            return
        if status in self._ex_statuses:
            self.excluded.append((code, "status"))
            return
        if last_inspected != "" and self._within is not None:
            day = self._date_cache.get(last_inspected)
            if day is None:
                day = self._date_cache[last_inspected] = parse_date(last_inspected).toordinal()
            if self._draw_day - day < self._within:
                self.excluded.append((code, "recently_inspected"))
                return

        # §7.1 strata.
        mode = self._strata_mode
        if mode == "none":
            stratum_key = ""
        else:
            stratum_key = (risk_class if mode == "risk_class" else region) or UNCLASSIFIED
        stratum = self.strata.get(stratum_key)
        if stratum is None:
            stratum = self.strata[stratum_key] = Stratum(stratum_key)
        stratum.codes.append(code)
        stratum.regions.append(self._region_intern.setdefault(region, region))

    def _check_scope(self, values, key):
        code = values[0]
        for index, allowed in self._scope:
            if values[index] not in allowed:
                self._out_of_scope(code, ENTITY_FIELDS[index], key)
        if self._scope_risk and (values[10] or UNCLASSIFIED) not in self._scope_risk:
            self._out_of_scope(code, "risk_class", key)
        if self._scope_tags and not any(t in self._scope_tags for t in values[11]):
            self._out_of_scope(code, "tags", key)

    def _out_of_scope(self, code, field, key):
        raise VerifyError("检查对象 %s 不在任务范围内（%s）" % (code, field),
                          "entity %s is outside the task's scope (%s)" % (code, field),
                          subject=("entity", code), **self._where(key, field))

    def fingerprint(self):
        h = hashlib.sha256()
        h.update(enc_str("fairdraw-population/1"))
        h.update(enc_u32(self.count))
        for chunk in self._chunks:
            h.update(chunk)
        h.update(b"".join(self._pending))
        return h.digest()


# ---------------------------------------------------------------------------------------------------------
# §4.2 Inspectors, §4.3 recusals
# ---------------------------------------------------------------------------------------------------------


class Inspector:
    __slots__ = ("staff_no", "name", "department", "certificate_no", "certificate_valid_until", "qualifications",
                 "expert", "region", "status")

    def __init__(self, values):
        for field, value in zip(INSPECTOR_FIELDS, values):
            setattr(self, field, value)

    def encode(self):
        s = enc_str
        return b"".join((s(self.staff_no), s(self.name), s(self.department), s(self.certificate_no),
                         s(self.certificate_valid_until), enc_list(s, self.qualifications), enc_bool(self.expert),
                         s(self.region), s(self.status)))


def check_inspector(values, where):
    """Validate the 9 fields of an inspector (qualifications a list, expert a bool) and build it."""
    for field, value in zip(INSPECTOR_FIELDS, values):
        if field == "qualifications":
            if not isinstance(value, (list, tuple)) or not all(isinstance(q, str) for q in value):
                raise VerifyError("应为字符串列表", "must be a list of strings", **where(field))
            for i, q in enumerate(value):
                problem = text_problem(q)
                if problem:
                    raise VerifyError(problem[0], problem[1], **where(field))
                if i and not value[i - 1] < q:
                    raise VerifyError("资格未按升序排列或有重复", "qualifications are not sorted ascending or have a duplicate",
                                      **where(field))
        elif field == "expert":
            if not isinstance(value, bool):
                raise VerifyError("应为 true 或 false", "must be true or false", **where(field))
        else:
            if not isinstance(value, str):
                raise VerifyError("应为字符串", "must be a string", **where(field))
            problem = text_problem(value)
            if problem:
                raise VerifyError(problem[0], problem[1], **where(field))
    inspector = Inspector(values)
    if inspector.staff_no == "":
        raise VerifyError("工号为空", "staff_no is empty", **where("staff_no"))
    if inspector.certificate_valid_until != "" and parse_date(inspector.certificate_valid_until) is None:
        raise VerifyError("应为 YYYY-MM-DD 格式的有效日期或空", "must be a valid date YYYY-MM-DD or empty",
                          **where("certificate_valid_until"))
    return inspector


def inspectors_fingerprint(pool):
    """`pool` sorted by staff_no; duplicates were rejected before."""
    h = hashlib.sha256()
    h.update(enc_str("fairdraw-inspectors/1"))
    h.update(enc_u32(len(pool)))
    for i in pool:
        h.update(i.encode())
    return h.digest()


def check_recusal(values, where):
    for field, value in zip(RECUSAL_FIELDS, values):
        if not isinstance(value, str):
            raise VerifyError("应为字符串", "must be a string", **where(field))
        problem = text_problem(value)
        if problem:
            raise VerifyError(problem[0], problem[1], **where(field))
    return tuple(values)


def recusals_fingerprint(entries):
    h = hashlib.sha256()
    h.update(enc_str("fairdraw-recusals/1"))
    h.update(enc_u32(len(entries)))
    for staff_no, code, reason in entries:
        h.update(enc_str(staff_no) + enc_str(code) + enc_str(reason))
    return h.digest()


def sort_unique(items, key, where_of, what_zh, what_en):
    """Sort (item, where) pairs by key; a repeated key is an input error at its later row."""
    items.sort(key=lambda iw: key(iw[0]))
    for (a, _), (b, wb) in zip(items, items[1:]):
        if key(a) == key(b):
            raise VerifyError("%s重复：%s" % (what_zh, key(b)), "duplicate %s: %s" % (what_en, key(b)), **wb(where_of))
    return [i for i, _ in items]


# ---------------------------------------------------------------------------------------------------------
# The frozen inputs and the draw (§5–§10)
# ---------------------------------------------------------------------------------------------------------


class Inputs:
    """Everything a draw needs, parsed and checked: rules, population summary, pool, recusals."""

    def __init__(self, rules, population, pool, recusals, secret, entropies):
        self.rules = rules
        self.population = population  # a finished PopulationBuilder
        self.pool = pool  # Inspectors ascending by staff_no
        self.recusals = recusals  # (staff_no, entity_code, reason) ascending
        self.secret = secret
        self.entropies = entropies


class Result:
    """What the verifier recomputed: fingerprints, commitment, seed, and the outcome or the infeasibility."""

    def __init__(self):
        self.fingerprints = {}
        self.commitment = None
        self.seed = None
        self.outcome = None
        self.infeasible = None


def hx(b):
    return b.hex()


def compute(inputs):
    """Recompute fingerprints (§4), commitment and seed (§5), and the outcome (§6–§10)."""
    rules = inputs.rules
    res = Result()
    fp_population = inputs.population.fingerprint()
    fp_inspectors = inspectors_fingerprint(inputs.pool)
    fp_recusals = recusals_fingerprint(inputs.recusals)
    fp_rules = sha256(rules.encode())
    fp_inputs = sha256(enc_str("fairdraw-inputs/1") + enc_bytes(fp_population) + enc_bytes(fp_inspectors)
                       + enc_bytes(fp_recusals) + enc_bytes(fp_rules))
    res.fingerprints = {"population": hx(fp_population), "inspectors": hx(fp_inspectors),
                        "recusals": hx(fp_recusals), "rules": hx(fp_rules), "inputs": hx(fp_inputs)}
    res.commitment = hx(sha256(enc_str("fairdraw-commit/1") + enc_bytes(fp_inputs) + enc_bytes(inputs.secret)))
    if len(inputs.entropies) < 1:
        raise VerifyError("至少需要一位见证人的随机数", "at least one witness entropy is required", field="entropies")
    seed = sha256(enc_str("fairdraw-seed/1") + enc_str(rules.algorithm) + enc_bytes(fp_inputs)
                  + enc_bytes(inputs.secret) + enc_list(enc_str, inputs.entropies))
    res.seed = hx(seed)
    try:
        plan = plan_draw(inputs)
    except Infeasible as e:
        res.infeasible = e
        return res
    res.outcome = run_draw(inputs, plan, seed)
    res.fingerprints["outcome"] = hx(outcome_fingerprint(res.outcome, seed))
    return res


class Plan:
    """The part of the draw that depends only on the frozen inputs (checked before randomness exists)."""

    def __init__(self):
        self.strata = []  # (key, size, quota, reserve, Stratum or None)
        self.k = 0
        self.eligible = []
        self.ineligible = []
        self.g = 0
        self.recused = {}  # entity code -> set of staff_no (only eligible inspectors)


def plan_draw(inputs):
    rules = inputs.rules
    pop = inputs.population
    plan = Plan()

    # §7.1 strata, §7.2 quotas.
    listed = set(rules.ratios) | set(rules.counts)
    keys = sorted(set(pop.strata) | listed)
    sizes = {key: len(pop.strata[key].codes) if key in pop.strata else 0 for key in keys}
    quotas = {}
    if rules.quota_mode == "ratio":
        for key in keys:
            n = sizes[key]
            bp = rules.ratios.get(key, rules.default_bp)
            if n == 0:
                quotas[key] = 0
                continue
            if bp is None:
                raise Infeasible("分层“%s”没有抽查比例" % key, "stratum %r has no ratio" % key, subject=("stratum", key))
            q = (n * bp + 9999) // 10000
            if bp > 0 and q < 1:
                q = 1
            quotas[key] = min(q, n)
    elif rules.quota_mode == "count":
        total_n = sum(sizes.values())
        t = rules.total
        if t > total_n:
            raise Infeasible("抽取总数 %d 超过可抽对象数 %d" % (t, total_n),
                             "total %d exceeds the %d entities that can be drawn" % (t, total_n),
                             subject=("condition", "total"))
        remainders = {}
        for key in keys:
            quotas[key] = t * sizes[key] // total_n if total_n else 0
            remainders[key] = t * sizes[key] % total_n if total_n else 0
        left = t - sum(quotas.values())
        order = sorted(keys, key=lambda k: (-remainders[k], -sizes[k], k))
        for key in order[:left]:
            quotas[key] += 1
    else:
        for key in keys:
            q = rules.counts.get(key, 0)
            if q > sizes[key]:
                raise Infeasible("分层“%s”要抽 %d 户，但只有 %d 户" % (key, q, sizes[key]),
                                 "stratum %r: count %d exceeds its %d entities" % (key, q, sizes[key]),
                                 subject=("stratum", key))
            quotas[key] = q
    for key in keys:
        n, q = sizes[key], quotas[key]
        cap = q if rules.reserve_per_stratum is None else rules.reserve_per_stratum
        reserve = 0 if q == 0 else min(n - q, cap)  # a stratum without targets has nothing to replace
        plan.strata.append((key, n, q, reserve, pop.strata.get(key)))
    plan.k = sum(quotas.values())

    # §8.1 eligibility.
    deps = set(rules.departments)
    active = set(rules.active_statuses)
    for i in inputs.pool:
        if i.department not in deps:
            reason = "department"
        elif i.status not in active:
            reason = "status"
        elif i.certificate_no == "":
            reason = "no_certificate"
        elif i.certificate_valid_until == "":
            reason = "certificate_unknown"
        elif i.certificate_valid_until < rules.draw_date:
            reason = "certificate_expired"
        elif any(q not in i.qualifications for q in rules.required_qualifications):
            reason = "qualification"
        else:
            plan.eligible.append(i)
            continue
        plan.ineligible.append((i.staff_no, reason))

    if plan.k == 0:
        return plan

    # §8.2 number of groups and feasibility.
    k = plan.k
    if rules.groups_mode == "fixed":
        plan.g = min(rules.groups_value, k)
    else:
        plan.g = -(-k // rules.groups_value)
    g = plan.g
    shortage = group_shortage(rules, PoolCounts(rules, plan.eligible), g)
    if shortage is not None:
        what, zh, en = shortage
        raise Infeasible(zh, en, subject=what)

    # §8.4 every possible target must have a recusal-free group of its own.
    eligible_nos = {i.staff_no for i in plan.eligible}
    for staff_no, code, _ in inputs.recusals:
        if staff_no in eligible_nos:
            plan.recused.setdefault(code, set()).add(staff_no)
    by_region = {}
    if rules.recuse_same_region:
        for i in plan.eligible:
            if i.region != "":
                by_region.setdefault(i.region, set()).add(i.staff_no)
    # Count the pool once; for an entity, subtract the few inspectors that conflict with it.
    base = PoolCounts(rules, plan.eligible)
    by_no = {i.staff_no: i for i in plan.eligible}
    failing = []
    region_ok = {}
    for key, n, q, r, stratum in plan.strata:
        if q == 0 or stratum is None:
            continue
        for code, region in zip(stratum.codes, stratum.regions):
            recused = plan.recused.get(code)
            same = by_region.get(region) if rules.recuse_same_region else None
            if not recused and not same:
                continue
            if not recused:
                ok = region_ok.get(region)
                if ok is None:
                    ok = region_ok[region] = group_shortage(rules, base.without(by_no[x] for x in same), 1) is None
            else:
                conflicting = recused | same if same else recused
                ok = group_shortage(rules, base.without(by_no[x] for x in conflicting), 1) is None
            if not ok:
                failing.append(code)
    if failing:
        code = min(failing)
        raise Infeasible("回避后没有人员能组成检查对象 %s 的检查组" % code,
                         "after recusal no group can be formed for entity %s" % code, subject=("entity", code))
    return plan


def _is_leader_candidate(rules, i):
    return i.department == rules.departments[0] and (
        rules.leader_qualification == "" or rules.leader_qualification in i.qualifications)


class PoolCounts:
    """What §8.2 counts in a list of eligible inspectors: leader candidates, experts, members per department."""

    def __init__(self, rules, eligible=()):
        self.rules = rules
        self.leaders = 0
        self.experts = 0
        self.total = 0
        self.departments = {}
        for i in eligible:
            self._add(i, 1)

    def _add(self, i, sign):
        self.total += sign
        if _is_leader_candidate(self.rules, i):
            self.leaders += sign
        if i.expert:
            self.experts += sign
        self.departments[i.department] = self.departments.get(i.department, 0) + sign

    def without(self, removed):
        other = PoolCounts(self.rules)
        other.leaders, other.experts, other.total = self.leaders, self.experts, self.total
        other.departments = dict(self.departments)
        for i in removed:
            other._add(i, -1)
        return other


def group_shortage(rules, counts, g):
    """The first condition of §8.2 that the pool described by `counts` (PoolCounts) fails for `g` groups, or None.

    Returns (subject, zh, en).
    """
    s = rules.group_size
    deps = rules.departments
    need = len(deps) + 1 if (rules.leader_required and rules.expert_required) else len(deps)
    if s < 2 or s < need:
        return (("condition", "group_size"), "每组人数 %d 不足（至少 %d）" % (s, max(2, need)),
                "group size %d is too small (at least %d)" % (s, max(2, need)))
    if rules.leader_required and counts.leaders < g:
        return (("department", deps[0]), "牵头部门 %s 可任组长的人员 %d 人，少于 %d 组" % (deps[0], counts.leaders, g),
                "lead department %s has %d leader candidates for %d groups" % (deps[0], counts.leaders, g))
    if rules.expert_required and counts.experts < g:
        return (("condition", "expert"), "专家 %d 人，少于 %d 组" % (counts.experts, g),
                "%d experts for %d groups" % (counts.experts, g))
    for d in deps:
        count = counts.departments.get(d, 0)
        if count < g:
            return (("department", d), "部门 %s 符合条件的人员 %d 人，少于 %d 组" % (d, count, g),
                    "department %s has %d eligible inspectors for %d groups" % (d, count, g))
    if counts.total < g * s:
        return (("condition", "pool"), "符合条件的人员 %d 人，不够 %d 组、每组 %d 人" % (counts.total, g, s),
                "%d eligible inspectors are too few for %d groups of %d" % (counts.total, g, s))
    return None


def run_draw(inputs, plan, seed):
    """§7.3–§10: the random part, given the plan and the seed."""
    rules = inputs.rules
    targets = []  # (code, stratum key, region)
    reserves = []
    strata_out = []
    for key, n, q, r, stratum in plan.strata:
        strata_out.append({"key": key, "size": n, "quota": q, "reserve": r})
        steps = q + r
        if steps == 0:
            continue
        a = partial_shuffle(ChaCha20Rng(subseed(seed, "stratum", key)), n, steps)
        codes, regions = stratum.codes, stratum.regions
        targets.extend((codes[x], key, regions[x]) for x in a[:q])
        reserves.extend({"code": codes[x], "stratum": key} for x in a[q:steps])

    groups = form_groups(rules, plan, seed)
    assignment, unassigned = assign_targets(rules, plan, groups, targets)

    group_of = {}
    groups_out = []
    for number, (members, leader) in enumerate(groups, 1):
        for j in assignment[number - 1]:
            group_of[j] = number
        groups_out.append({"number": number, "leader": leader, "members": [m.staff_no for m in members],
                           "targets": [targets[j][0] for j in assignment[number - 1]]})
    return {
        "algorithm": rules.algorithm,
        "seed": hx(seed),
        "excluded": [{"code": c, "reason": r} for c, r in inputs.population.excluded],
        "strata": strata_out,
        "targets": [{"code": c, "stratum": key, "group": group_of.get(j)} for j, (c, key, _) in enumerate(targets)],
        "reserves": reserves,
        "ineligible_inspectors": [{"staff_no": s, "reason": r} for s, r in plan.ineligible],
        "groups": groups_out,
        "unassigned": [targets[j][0] for j in unassigned],
    }


def partial_shuffle(rng, n, steps):
    """§7.3: the first `steps` steps of a forward Fisher–Yates shuffle of the indices 0…n−1."""
    a = list(range(n))
    for i in range(steps):
        j = i + uniform(rng, n - i)
        a[i], a[j] = a[j], a[i]
    return a


def form_groups(rules, plan, seed):
    """§8.3: returns [(members, leader staff_no or None)] for groups 1…g."""
    g = plan.g
    if g == 0:
        return []
    rng = ChaCha20Rng(subseed(seed, "inspectors", ""))
    pool = plan.eligible
    drawn = set()
    members = [[] for _ in range(g)]
    leaders = [None] * g

    def draw(group, condition):
        candidates = [i for i in pool if i.staff_no not in drawn and condition(i)]
        if not candidates:
            raise Infeasible("内部错误：候选人员为空", "internal error: no candidate left", subject=("condition", "internal"))
        x = candidates[uniform(rng, len(candidates))]
        drawn.add(x.staff_no)
        members[group].append(x)
        return x

    if rules.leader_required:
        for G in range(g):
            leaders[G] = draw(G, lambda i: _is_leader_candidate(rules, i)).staff_no
    if rules.expert_required:
        for G in range(g):
            if not any(m.expert for m in members[G]):
                draw(G, lambda i: i.expert)
    for d in rules.departments:
        for G in range(g):
            if not any(m.department == d for m in members[G]):
                draw(G, lambda i, d=d: i.department == d)
    for G in range(g):
        while len(members[G]) < rules.group_size:
            draw(G, lambda i: True)
    return list(zip(members, leaders))


def assign_targets(rules, plan, groups, targets):
    """§9: balanced, recusal-free assignment with augmenting paths. Returns (per-group target indices, unassigned)."""
    g = len(groups)
    k = len(targets)
    if g == 0:
        return [], []
    capacity = [k // g + (1 if i < k % g else 0) for i in range(g)]
    member_nos = [{m.staff_no for m in members} for members, _ in groups]
    member_regions = [{m.region for m in members if m.region != ""} for members, _ in groups]
    recused = plan.recused
    same_region = rules.recuse_same_region

    def conflict(G, j):
        code, _, region = targets[j]
        r = recused.get(code)
        if r and not r.isdisjoint(member_nos[G]):
            return True
        return same_region and region != "" and region in member_regions[G]

    def scan(j):
        start = j % g
        return [(start + i) % g for i in range(g)]

    lists = [[] for _ in range(g)]
    unassigned = []
    for j in range(k):
        direct = None
        start = j % g
        for offset in range(g):
            G = start + offset
            if G >= g:
                G -= g
            if len(lists[G]) < capacity[G] and not conflict(G, j):
                direct = G
                break
        if direct is not None:
            lists[direct].append(j)
            continue
        parent = {}
        queue = []
        for G in scan(j):
            if not conflict(G, j):
                parent[G] = None
                queue.append(G)
        found = None
        head = 0
        while head < len(queue) and found is None:
            G = queue[head]
            head += 1
            for u in list(lists[G]):
                for H in scan(u):
                    if H in parent or conflict(H, u):
                        continue
                    parent[H] = (G, u)
                    if len(lists[H]) < capacity[H]:
                        found = H
                        break
                    queue.append(H)
                if found is not None:
                    break
        if found is None:
            unassigned.append(j)
            continue
        H = found
        while parent[H] is not None:
            G, u = parent[H]
            lists[G].remove(u)
            lists[H].append(u)
            H = G
        lists[H].append(j)
    return lists, unassigned


def outcome_fingerprint(o, seed):
    """§10 `fp_outcome`."""
    s = enc_str
    parts = [
        s("fairdraw-outcome/1"), s(o["algorithm"]), enc_bytes(seed),
        enc_list(lambda x: s(x["code"]) + s(x["reason"]), o["excluded"]),
        enc_list(lambda x: s(x["key"]) + enc_u32(x["size"]) + enc_u32(x["quota"]) + enc_u32(x["reserve"]), o["strata"]),
        enc_list(lambda x: s(x["code"]) + s(x["stratum"]) + enc_opt_u32(x["group"]), o["targets"]),
        enc_list(lambda x: s(x["code"]) + s(x["stratum"]), o["reserves"]),
        enc_list(lambda x: s(x["staff_no"]) + s(x["reason"]), o["ineligible_inspectors"]),
        enc_list(lambda x: enc_u32(x["number"]) + s(x["leader"] or "") + enc_list(s, x["members"])
                 + enc_list(s, x["targets"]), o["groups"]),
        enc_list(s, o["unassigned"]),
    ]
    return sha256(b"".join(parts))


# ---------------------------------------------------------------------------------------------------------
# Reading a bundle (§12)
# ---------------------------------------------------------------------------------------------------------


class BundleSource:
    """The files of a bundle, from a zip archive or a folder. Files may sit at the root or in one folder."""

    def __init__(self, path):
        self.path = path
        self.zip = None
        self.prefix = ""
        if os.path.isdir(path):
            return
        if not os.path.exists(path):
            raise VerifyError("找不到记录包", "bundle not found", file=path)
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as e:
            raise VerifyError("不是 zip 文件，也不是文件夹：%s" % e, "neither a zip file nor a folder: %s" % e, file=path)
        names = set(self.zip.namelist())
        if "bundle.json" not in names:
            tops = [n[:-len("bundle.json")] for n in names if n.endswith("/bundle.json") and n.count("/") == 1]
            if len(tops) == 1:
                self.prefix = tops[0]

    def has(self, name):
        if self.zip is not None:
            return (self.prefix + name) in self.zip.namelist()
        return os.path.isfile(os.path.join(self.path, name))

    def open(self, name):
        """A binary file object, or a VerifyError naming the missing file."""
        if not self.has(name):
            raise VerifyError("记录包中缺少此文件", "file missing from the bundle", file=name)
        try:
            if self.zip is not None:
                return self.zip.open(self.prefix + name)
            return open(os.path.join(self.path, name), "rb")
        except (OSError, zipfile.BadZipFile, RuntimeError) as e:
            raise VerifyError("无法读取：%s" % e, "cannot read: %s" % e, file=name)

    def read(self, name):
        with self.open(name) as f:
            try:
                return f.read()
            except (OSError, zipfile.BadZipFile) as e:
                raise VerifyError("无法读取：%s" % e, "cannot read: %s" % e, file=name)


def _find_bad_utf8(source, name):
    """Re-read a file whose decoding failed, to report the line and byte column of the first bad byte."""
    with source.open(name) as f:
        for number, raw in enumerate(f, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                return VerifyError("不是有效的 UTF-8", "not valid UTF-8", file=name, line=number, column=e.start + 1)
    return VerifyError("不是有效的 UTF-8", "not valid UTF-8", file=name)


class CsvFile:
    """One CSV file of a bundle (§12): UTF-8 without BOM, RFC 4180, one header row naming the columns.

    Iterating yields (values in `fields` order, line number of the record); `where(line, field)` gives the
    error location of a field. Decoding runs in C (TextIOWrapper); only after a decoding error is the file
    read again byte by byte to say where the bad byte is.
    """

    def __init__(self, source, name, fields):
        self.source = source
        self.name = name
        self.fields = fields
        self.column_of = {}

    def where(self, line, field):
        return {"file": self.name, "line": line, "column": self.column_of.get(field), "field": field}

    def where_fn(self, line):
        return lambda field: self.where(line, field)

    def __iter__(self):
        name, fields = self.name, self.fields
        with self.source.open(name) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
            reader = csv.reader(text, strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    raise VerifyError("文件为空（缺少表头行）", "file is empty (no header row)", file=name, line=1)
                index = self._columns(header)
                identity = index == list(range(len(fields)))
                width = len(header)
                start = reader.line_num + 1
                for row in reader:
                    line = start
                    start = reader.line_num + 1
                    if len(row) != width:
                        raise VerifyError("应有 %d 列，实有 %d 列" % (width, len(row)),
                                          "expected %d columns, found %d" % (width, len(row)), file=name, line=line)
                    yield (row if identity else [row[i] for i in index]), line
            except UnicodeDecodeError:
                raise _find_bad_utf8(self.source, name)
            except csv.Error as e:
                raise VerifyError("CSV 格式错误：%s" % e, "CSV format error: %s" % e, file=name,
                                  line=reader.line_num)

    def _columns(self, header):
        """Check the header row; returns, for each field, the index of its column."""
        name, fields = self.name, self.fields
        if header and header[0].startswith("\ufeff"):
            raise VerifyError("CSV 文件不应以 BOM 开头", "CSV file must not start with a byte order mark (BOM)",
                              file=name, line=1, column=1)
        for c, col in enumerate(header):
            if col not in fields:
                raise VerifyError("未知列名“%s”" % col, "unknown column %r" % col, file=name, line=1, column=c + 1)
            if header.index(col) != c:
                raise VerifyError("列名重复“%s”" % col, "duplicate column %r" % col, file=name, line=1, column=c + 1)
        for field in fields:
            if field not in header:
                raise VerifyError("缺少列“%s”" % field, "missing column %r" % field, file=name, line=1)
        index = [header.index(field) for field in fields]
        self.column_of = {field: i + 1 for field, i in zip(fields, index)}
        return index


def _parse_list_cell(cell, where, field, cache):
    """A list field of a CSV (`tags`, `qualifications`) as a tuple: a JSON array of strings; an empty cell is ()."""
    value = cache.get(cell)
    if value is None:
        if cell == "":
            value = ()
        else:
            try:
                value = json.loads(cell)
            except ValueError:
                value = None
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise VerifyError("应为字符串的 JSON 数组，如 [\"食品经营\"]", "must be a JSON array of strings, e.g. [\"x\"]",
                                  **where(field))
            value = tuple(value)
        cache[cell] = value
    return value


def read_population_csv(source, rules):
    """Stream population.csv through a PopulationBuilder; if the file is not in canonical order, sort it."""
    tag_cache = {}
    tags_at = ENTITY_FIELDS.index("tags")
    table = CsvFile(source, "population.csv", ENTITY_FIELDS)
    where = table.where
    builder = PopulationBuilder(rules, where)
    try:
        for row, line in table:
            tags = tag_cache.get(row[tags_at])
            row[tags_at] = tags if tags is not None else _parse_list_cell(
                row[tags_at], table.where_fn(line), "tags", tag_cache)
            builder.add(row, line)
        return builder, True
    except (NotInCanonicalOrder, VerifyError):
        # Out of order, or an error that must be reported in canonical order (§8.5) although the rows after
        # it are unknown: read everything, sort, and check again.
        pass
    rows = []
    for row, line in table:
        row[tags_at] = _parse_list_cell(row[tags_at], table.where_fn(line), "tags", tag_cache)
        rows.append((row, line))
    rows.sort(key=lambda rl: rl[0][0])
    builder = PopulationBuilder(rules, where)
    for row, line in rows:
        builder.add(row, line)
    return builder, False


def read_inspectors_csv(source):
    items = []
    cache = {}
    q_at = INSPECTOR_FIELDS.index("qualifications")
    e_at = INSPECTOR_FIELDS.index("expert")
    table = CsvFile(source, "inspectors.csv", INSPECTOR_FIELDS)
    for row, line in table:
        where = table.where_fn(line)
        row[q_at] = _parse_list_cell(row[q_at], where, "qualifications", cache)
        if row[e_at] == "true":
            row[e_at] = True
        elif row[e_at] == "false":
            row[e_at] = False
        else:
            raise VerifyError("应为 true 或 false", "must be true or false", **where("expert"))
        items.append((check_inspector(row, where), where))
    return sort_unique(items, lambda i: i.staff_no, "staff_no", "工号", "staff_no")


def read_recusals_csv(source):
    table = CsvFile(source, "recusals.csv", RECUSAL_FIELDS)
    items = []
    for row, line in table:
        where = table.where_fn(line)
        items.append((check_recusal(row, where), where))
    return sort_unique(items, lambda r: (r[0], r[1]), "entity_code", "回避条目", "recusal pair")


class Bundle:
    """A bundle read and checked: its inputs, and the values it records."""

    def __init__(self, path):
        source = BundleSource(path)
        data = load_json(source.read("bundle.json"), "bundle.json")
        r = JsonReader("bundle.json")
        r.obj(data, "", ("format", "rules", "departments", "fingerprints", "commitment", "secret", "witnesses",
                         "seed", "outcome"), optional=("attempt", "events", "addenda"))
        if data["format"] != BUNDLE_FORMAT:
            r.fail("format", "不支持的记录包格式 %r" % (data["format"],), "unsupported bundle format %r" % (data["format"],))
        rules = Rules(data["rules"], r)
        self.recorded = data
        secret = r.hex32(data["secret"], "secret")
        entropies = []
        for i, w in enumerate(r.array(data["witnesses"], "witnesses")):
            wp = "witnesses[%d]" % i
            r.obj(w, wp, ("name", "role", "unit", "entropy"))
            for m in ("name", "role", "unit"):
                r.text(w[m], wp + "." + m)
            entropies.append(r.text(w["entropy"], wp + ".entropy"))
        if not entropies:
            r.fail("witnesses", "至少需要一位见证人", "at least one witness is required")
        self.ceremony = None
        if any(m in data for m in ("attempt", "events", "addenda")):
            self.ceremony = CeremonyRecord(data, r)
        population, self.population_sorted = read_population_csv(source, rules)
        pool = read_inspectors_csv(source)
        recusals = read_recusals_csv(source)
        self.inputs = Inputs(rules, population, pool, recusals, secret, entropies)


# ---------------------------------------------------------------------------------------------------------
# Comparison: the first difference between recomputed and recorded values
# ---------------------------------------------------------------------------------------------------------

_MISSING = object()


def first_difference(expected, recorded, path):
    """The first (path, expected, recorded) where two JSON values differ, or None.

    Types are compared strictly (true is not 1, 1 is not 1.0). Objects are walked in the expected value's
    member order, then members only the recorded value has; arrays element by element, then the length.
    """
    if isinstance(expected, dict):
        if not isinstance(recorded, dict):
            return (path, expected, recorded)
        for key, value in expected.items():
            diff = first_difference(value, recorded.get(key, _MISSING), "%s.%s" % (path, key) if path else key)
            if diff:
                return diff
        for key in recorded:
            if key not in expected:
                return ("%s.%s" % (path, key) if path else key, _MISSING, recorded[key])
        return None
    if isinstance(expected, list):
        if not isinstance(recorded, list):
            return (path, expected, recorded)
        for i, (a, b) in enumerate(zip(expected, recorded)):
            diff = first_difference(a, b, "%s[%d]" % (path, i))
            if diff:
                return diff
        if len(expected) != len(recorded):
            i = min(len(expected), len(recorded))
            return ("%s[%d]" % (path, i), expected[i] if i < len(expected) else _MISSING,
                    recorded[i] if i < len(recorded) else _MISSING)
        return None
    if type(expected) is not type(recorded) or expected != recorded:
        return (path, expected, recorded)
    return None


def compare_result(res, recorded_fingerprints, recorded_commitment, recorded_seed, recorded_outcome, prefix=""):
    """Compare in verification order (§12): input fingerprints, commitment, seed, outcome, fp_outcome."""
    fps = recorded_fingerprints if isinstance(recorded_fingerprints, dict) else {}
    fp_path = prefix + "fingerprints"
    for name in ("population", "inspectors", "recusals", "rules", "inputs"):
        diff = first_difference(res.fingerprints[name], fps.get(name, _MISSING), "%s.%s" % (fp_path, name))
        if diff:
            return diff
    diff = first_difference(res.commitment, recorded_commitment, prefix + "commitment")
    if diff:
        return diff
    diff = first_difference(res.seed, recorded_seed, prefix + "seed")
    if diff:
        return diff
    if res.infeasible is not None:
        e = res.infeasible
        return (prefix + "outcome", "infeasible: %s" % e.en, recorded_outcome)
    diff = first_difference(res.outcome, recorded_outcome, prefix + "outcome")
    if diff:
        return diff
    return first_difference(res.fingerprints["outcome"], fps.get("outcome", _MISSING), fp_path + ".outcome")


def _show(value):
    if value is _MISSING:
        return "（缺失 / missing）"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"


def _json_value(value):
    return None if value is _MISSING else value


# ---------------------------------------------------------------------------------------------------------
# §15 The journal and the record hash: the ceremony members of a bundle (§15.3)
# ---------------------------------------------------------------------------------------------------------

ZERO_HASH = "00" * 32
# §15.1: RFC 3339 with milliseconds and the UTC offset, e.g. 2026-06-10T09:02:00.000+08:00 (`Z` is RFC 3339's
# spelling of the offset +00:00 and is accepted too).
_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(?:Z|[+-][0-9]{2}:[0-9]{2})\Z")
_U64_MAX = (1 << 64) - 1

EVENT_MEMBERS = ("seq", "at", "event", "ceremony_id", "payload", "prev_hash", "hash")
ATTEMPT_MEMBERS = ("number", "ceremony", "task", "operator", "started_at", "draw_date", "min_entropy_digits",
                   "secret_source", "witnesses", "voided_attempts", "sealed_at", "journal_head", "record_hash")
ATTEMPT_TASK_MEMBERS = ("number", "name", "joint", "lead_department", "participating", "items", "method",
                        "planned_start", "planned_end", "result_handling")
ADDENDA_MEMBERS = ("recordings", "videos", "reserves_used", "manual_assignments")


def journal_entry_bytes(seq, at, event, ceremony_id, payload, prev_hash):
    """§15.1 `journal_entry`, whose SHA-256 is the entry's `hash`. `ceremony_id` None means "none" (encoded 0);
    `prev_hash` is 32 bytes."""
    return b"".join((enc_str("fairdraw-journal/1"), enc_u64(seq), enc_str(at), enc_str(event),
                     enc_u64(ceremony_id or 0), enc_str(payload), enc_bytes(prev_hash)))


def record_bytes(fp_inputs, commitment, secret, witnesses, seed, fp_outcome, task_number, attempt,
                 voided_attempts, operator, sealed_at, journal_head):
    """§15.2 `record`, whose SHA-256 is the record hash printed on the paper record.

    The six hashes are 32-byte values; `witnesses` are (name, role, unit, entropy) in the order recorded;
    `voided_attempts` are (attempt, reason, operator, voided_at) in attempt order."""
    s = enc_str
    return b"".join((
        s("fairdraw-record/1"), enc_bytes(fp_inputs), enc_bytes(commitment), enc_bytes(secret),
        enc_list(lambda w: s(w[0]) + s(w[1]) + s(w[2]) + s(w[3]), witnesses),
        enc_bytes(seed), enc_bytes(fp_outcome), s(task_number), enc_u32(attempt),
        enc_list(lambda v: enc_u32(v[0]) + s(v[1]) + s(v[2]) + s(v[3]), voided_attempts),
        s(operator), s(sealed_at), enc_bytes(journal_head)))


class JournalEntry:
    """One member of `events` (§15.3), read and type-checked; `data` is the parsed payload object."""

    __slots__ = ("index", "seq", "at", "event", "ceremony_id", "payload", "prev_hash", "hash", "data")

    def path(self, member=None):
        base = "events[%d]" % self.index
        return base if member is None else base + "." + member

    def encode(self):
        return journal_entry_bytes(self.seq, self.at, self.event, self.ceremony_id, self.payload,
                                   bytes.fromhex(self.prev_hash))


class VoidedAttempt:
    __slots__ = ("attempt", "reason", "operator", "voided_at", "state", "commitment")


class AttemptWitness:
    __slots__ = ("seq", "name", "added_at", "entropy_at")


class CeremonyRecord:
    """The members `attempt`, `events` and `addenda` of a bundle exported from a sealed ceremony (§15.3).

    Only their form is checked here (types, hex, times); what they say is checked by `check_ceremony`."""

    def __init__(self, data, r):
        for m in ("attempt", "events", "addenda"):
            if m not in data:
                r.fail(m, "记录包有 attempt、events、addenda 中的一部分，缺少此成员（§15.3 三者同时出现）",
                       "member is missing: a bundle from a ceremony has all of attempt, events and addenda (§15.3)")
        self._read_attempt(data["attempt"], r)
        self.events = [self._read_event(x, i, r) for i, x in enumerate(r.array(data["events"], "events"))]
        r.obj(data["addenda"], "addenda", ADDENDA_MEMBERS)
        for m in ADDENDA_MEMBERS:
            r.array(data["addenda"][m], "addenda." + m)

    def _read_attempt(self, a, r):
        r.obj(a, "attempt", ATTEMPT_MEMBERS)
        self.number = r.uint(a["number"], "attempt.number", minimum=1)
        self.ceremony = _u64(r, a["ceremony"], "attempt.ceremony", minimum=1)
        task = r.obj(a["task"], "attempt.task", ATTEMPT_TASK_MEMBERS)
        self.task_number = r.text(task["number"], "attempt.task.number")
        self.task_name = r.text(task["name"], "attempt.task.name")
        self.operator = _utf8(r, a["operator"], "attempt.operator")
        self.started_at = _time(r, a["started_at"], "attempt.started_at")
        self.draw_date = r.date(a["draw_date"], "attempt.draw_date", allow_empty=False)
        r.uint(a["min_entropy_digits"], "attempt.min_entropy_digits")
        self.secret_source = r.text(a["secret_source"], "attempt.secret_source")
        if self.secret_source not in ("os", "supplied"):
            r.fail("attempt.secret_source", "应为 os 或 supplied", "must be os or supplied")
        self.witnesses = []
        for i, w in enumerate(r.array(a["witnesses"], "attempt.witnesses")):
            wp = "attempt.witnesses[%d]" % i
            r.obj(w, wp, ("seq", "name", "added_at", "entropy_at"))
            x = AttemptWitness()
            x.seq = r.uint(w["seq"], wp + ".seq", minimum=1)
            x.name = r.text(w["name"], wp + ".name")
            x.added_at = _time(r, w["added_at"], wp + ".added_at")
            x.entropy_at = None if w["entropy_at"] is None else _time(r, w["entropy_at"], wp + ".entropy_at")
            self.witnesses.append(x)
        self.voided = []
        for i, v in enumerate(r.array(a["voided_attempts"], "attempt.voided_attempts")):
            vp = "attempt.voided_attempts[%d]" % i
            r.obj(v, vp, ("attempt", "reason", "operator", "voided_at", "state", "commitment"))
            x = VoidedAttempt()
            x.attempt = r.uint(v["attempt"], vp + ".attempt", minimum=1)
            x.reason = _utf8(r, v["reason"], vp + ".reason")
            x.operator = _utf8(r, v["operator"], vp + ".operator")
            x.voided_at = _time(r, v["voided_at"], vp + ".voided_at")
            x.state = _utf8(r, v["state"], vp + ".state")
            x.commitment = None if v["commitment"] is None else _hex(r, v["commitment"], vp + ".commitment")
            self.voided.append(x)
        self.sealed_at = _time(r, a["sealed_at"], "attempt.sealed_at")
        self.journal_head = _hex(r, a["journal_head"], "attempt.journal_head")
        self.record_hash = _hex(r, a["record_hash"], "attempt.record_hash")

    @staticmethod
    def _read_event(x, i, r):
        p = "events[%d]" % i
        r.obj(x, p, EVENT_MEMBERS)
        e = JournalEntry()
        e.index = i
        e.seq = _u64(r, x["seq"], p + ".seq", minimum=1)
        e.at = _time(r, x["at"], p + ".at")
        e.event = _utf8(r, x["event"], p + ".event")
        if e.event == "":
            r.fail(p + ".event", "事件名为空", "event name is empty")
        e.ceremony_id = None if x["ceremony_id"] is None else _u64(r, x["ceremony_id"], p + ".ceremony_id")
        # The payload is hashed exactly as given (§15.1): it is not normalised or re-serialised here.
        e.payload = _utf8(r, x["payload"], p + ".payload")
        try:
            e.data = json.loads(e.payload, object_pairs_hook=_no_duplicate_members, parse_constant=_no_constants)
        except ValueError as err:
            r.fail(p + ".payload", "不是有效的 JSON 文本：%s" % err, "not valid JSON text: %s" % err)
        if not isinstance(e.data, dict):
            r.fail(p + ".payload", "应为 JSON 对象的文本", "must be the text of a JSON object")
        e.prev_hash = _hex(r, x["prev_hash"], p + ".prev_hash")
        e.hash = _hex(r, x["hash"], p + ".hash")
        return e


def _u64(r, v, path, minimum=0):
    if isinstance(v, bool) or not isinstance(v, int) or not minimum <= v <= _U64_MAX:
        r.fail(path, "应为 %d 至 2^64−1 之间的整数" % minimum, "must be an integer from %d to 2^64-1" % minimum)
    return v


def _utf8(r, v, path):
    """A string that is hashed as given: it must only be encodable as UTF-8 (no NFC or white-space rule)."""
    if not isinstance(v, str):
        r.fail(path, "应为字符串", "must be a string")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        r.fail(path, "不是有效的 Unicode 文本（孤立代理项）", "not valid Unicode text (lone surrogate)")
    return v


def _time(r, v, path):
    s = _utf8(r, v, path)
    if not _TIME_RE.match(s):
        r.fail(path, "应为带毫秒和时区偏移的 RFC 3339 时间，如 2026-06-10T09:02:00.000+08:00",
               "must be an RFC 3339 time with milliseconds and UTC offset, e.g. 2026-06-10T09:02:00.000+08:00")
    return s


def _hex(r, v, path):
    """64 lower-case hex digits, kept as text (compared as text, decoded where hashed)."""
    r.hex32(v, path)
    return v


class Diff:
    """A difference found by the ceremony checks: `field` of the bundle, the value it should have (`expected`,
    recomputed or taken from the journal), the value it has (`recorded`), the journal entry concerned (`seq`),
    and a sentence in Chinese and English saying what the check was."""

    def __init__(self, field, expected, recorded, zh, en, seq=None):
        self.field = field
        self.expected = expected
        self.recorded = recorded
        self.zh = zh
        self.en = en
        self.seq = seq


def bundle_record_hash(data, cer):
    """§15.2 from the bundle's recorded values as §15.3 lists them; None if one of them is not well-formed
    (then the draw check has already reported it)."""
    fps = data.get("fingerprints")
    values = [fps.get("inputs") if isinstance(fps, dict) else None, data.get("commitment"), data.get("secret"),
              data.get("seed"), fps.get("outcome") if isinstance(fps, dict) else None]
    if not all(isinstance(v, str) and re.match(r"[0-9a-f]{64}\Z", v) for v in values):
        return None
    fp_inputs, commitment, secret, seed, fp_outcome = [bytes.fromhex(v) for v in values]
    witnesses = [(w["name"], w["role"], w["unit"], w["entropy"]) for w in data["witnesses"]]
    rules = data["rules"]
    voided = [(v.attempt, v.reason, v.operator, v.voided_at) for v in cer.voided]
    return sha256(record_bytes(fp_inputs, commitment, secret, witnesses, seed, fp_outcome, rules["task"]["number"],
                               rules["task"]["attempt"], voided, cer.operator, cer.sealed_at,
                               bytes.fromhex(cer.journal_head))).hex()


def check_journal_chain(cer):
    """§15.1: every entry's hash recomputed from its fields; adjacent entries (seq and seq + 1) linked by
    prev_hash; seq 1 starts from 32 zero bytes; entries listed in ascending seq. Returns (Diff or None, links)."""
    prev = None
    links = 0
    for e in cer.events:
        if prev is not None and e.seq <= prev.seq:
            return Diff(e.path("seq"), "> %d" % prev.seq, e.seq, "日志条目应按 seq 严格升序排列（序号重复或顺序被打乱）",
                        "entries must be listed in strictly ascending seq (a repeated or reordered entry)",
                        seq=e.seq), links
        recomputed = sha256(e.encode()).hex()
        if recomputed != e.hash:
            return Diff(e.path("hash"), recomputed, e.hash,
                        "由该条目的 seq、at、event、ceremony_id、payload、prev_hash 重算的哈希与记录的不同：条目被改动过",
                        "the hash recomputed from the entry's seq, at, event, ceremony_id, payload and prev_hash "
                        "differs from its recorded hash: the entry was altered", seq=e.seq), links
        if e.seq == 1 and e.prev_hash != ZERO_HASH:
            return Diff(e.path("prev_hash"), ZERO_HASH, e.prev_hash, "第 1 条日志的 prev_hash 应为 32 个零字节",
                        "the prev_hash of entry 1 must be 32 zero bytes", seq=e.seq), links
        if prev is not None and prev.seq + 1 == e.seq:
            if e.prev_hash != prev.hash:
                return Diff(e.path("prev_hash"), prev.hash, e.prev_hash,
                            "不等于上一条日志（seq %d）的哈希：链条断开" % prev.seq,
                            "not the hash of the previous entry (seq %d): the chain is broken" % prev.seq,
                            seq=e.seq), links
            links += 1
        prev = e
    return None, links


def _payload(e, member):
    return e.data.get(member, _MISSING)


def check_ceremony(data, cer, recomputed_record_hash):
    """§15: the ceremony members of a bundle against the journal, the draw and the record hash.

    Runs after the draw itself matched. Returns (Diff or None, summary of what was checked). The order: the
    attempt's identity, the journal chain, the journal head, the voided attempts, the journal against the
    bundle's draw values, the record hash, then the copies that no hash covers."""
    rules = data["rules"]
    task = rules["task"]
    summary = {"entries": len(cer.events), "links": 0}

    def diff(field, expected, recorded, zh, en, seq=None):
        return Diff(field, expected, recorded, zh, en, seq), summary

    # The attempt is the one the rules (and so every fingerprint) name.
    if cer.number != task["attempt"]:
        return diff("attempt.number", task["attempt"], cer.number, "应等于 rules.task.attempt",
                    "must equal rules.task.attempt")
    if cer.task_number != task["number"]:
        return diff("attempt.task.number", task["number"], cer.task_number, "应等于 rules.task.number",
                    "must equal rules.task.number")
    if cer.task_name != task["name"]:
        return diff("attempt.task.name", task["name"], cer.task_name, "应等于 rules.task.name",
                    "must equal rules.task.name")
    if cer.draw_date != rules["draw_date"]:
        return diff("attempt.draw_date", rules["draw_date"], cer.draw_date, "应等于 rules.draw_date",
                    "must equal rules.draw_date")

    # §15.1 the chain, as far as the bundle holds it.
    d, summary["links"] = check_journal_chain(cer)
    if d:
        return d, summary

    # Every entry belongs to an attempt of this task (§15.3), and says so in its payload (§15.1).
    attempt_of_ceremony = {}
    ceremony_of_attempt = {}
    for e in cer.events:
        if e.ceremony_id is None:
            return diff(e.path("ceremony_id"), "this task's ceremony", None,
                        "记录包的 events 只应有本任务各次摇号的日志条目", "events may only hold entries of this task's "
                        "attempts", e.seq)
        for member, want in (("ceremony", e.ceremony_id), ("task", task["number"])):
            got = _payload(e, member)
            if got != want or type(got) is not type(want):
                return diff(e.path("payload") + "." + member, want, got, "载荷中的 %s 与条目不符" % member,
                            "the payload's %s does not match" % member, e.seq)
        got = _payload(e, "attempt")
        if isinstance(got, bool) or not isinstance(got, int):
            return diff(e.path("payload") + ".attempt", "an attempt number", got, "载荷中缺少摇号次数",
                        "the payload holds no attempt number", e.seq)
        if attempt_of_ceremony.setdefault(e.ceremony_id, got) != got or \
                ceremony_of_attempt.setdefault(got, e.ceremony_id) != e.ceremony_id:
            return diff(e.path("payload") + ".attempt", attempt_of_ceremony[e.ceremony_id], got,
                        "同一次摇号的条目应属于同一摇号次数，不同摇号不应有相同次数",
                        "one ceremony is one attempt, and two ceremonies are not the same attempt", e.seq)
        if e.ceremony_id == cer.ceremony and got != cer.number:
            return diff(e.path("payload") + ".attempt", cer.number, got, "本次摇号条目的摇号次数应等于 attempt.number",
                        "an entry of this ceremony must name attempt.number", e.seq)
        if e.ceremony_id != cer.ceremony and not 1 <= got < cer.number:
            return diff(e.path("payload") + ".attempt", "an earlier attempt (1 to %d)" % (cer.number - 1), got,
                        "其他摇号的条目只能属于本任务此前（已作废）的各次摇号",
                        "entries of other ceremonies may only be those of this task's earlier (voided) attempts",
                        e.seq)
    this = [e for e in cer.events if e.ceremony_id == cer.ceremony]

    # §15.2 journal_head: the hash of the entry immediately before the ceremony_sealed entry, i.e. that entry's
    # prev_hash (and, when the entry before is in the bundle, its hash: the chain check linked the two).
    sealed = [e for e in this if e.event == "ceremony_sealed"]
    if not sealed:
        return diff("events", "the ceremony_sealed entry of ceremony %d" % cer.ceremony, _MISSING,
                    "记录包中没有本次摇号的 ceremony_sealed 条目", "the bundle holds no ceremony_sealed entry of this "
                    "ceremony")
    if len(sealed) > 1:
        return diff(sealed[1].path("event"), "one ceremony_sealed entry", "ceremony_sealed",
                    "本次摇号有两条封存条目", "this ceremony has two ceremony_sealed entries", sealed[1].seq)
    sealed = sealed[0]
    summary["sealed_seq"] = sealed.seq
    if cer.journal_head != sealed.prev_hash:
        before = [e for e in cer.events if e.seq == sealed.seq - 1]
        where = ("即 seq %d 条目的哈希" % (sealed.seq - 1), "the hash of entry seq %d" % (sealed.seq - 1)) if before \
            else ("该条目不在记录包中", "that entry is not in the bundle")
        return diff("attempt.journal_head", sealed.prev_hash, cer.journal_head,
                    "应为封存条目（seq %d）之前那条日志的哈希，也就是封存条目的 prev_hash；%s" % (sealed.seq, where[0]),
                    "must be the hash of the entry before the ceremony_sealed entry (seq %d), which is that "
                    "entry's prev_hash; %s" % (sealed.seq, where[1]), sealed.seq)
    if cer.sealed_at != sealed.at:
        return diff("attempt.sealed_at", sealed.at, cer.sealed_at, "应等于封存条目的时间 at",
                    "must equal the time (at) of the ceremony_sealed entry", sealed.seq)
    for e in this:
        if e.event == "ceremony_voided":
            return diff(e.path("event"), "no ceremony_voided entry in a sealed ceremony", e.event,
                        "已封存的摇号不应有作废条目", "a sealed ceremony has no ceremony_voided entry", e.seq)

    # §15.2 voided_attempts: attempt n exists only after n − 1 voids (§4.4), so they are attempts 1 … n − 1, and
    # each one's entries, ending in its ceremony_voided entry, are in the bundle (§15.3).
    for i in range(max(len(cer.voided), cer.number - 1)):
        vp = "attempt.voided_attempts[%d]" % i
        if i >= len(cer.voided):
            return diff(vp, {"attempt": i + 1}, _MISSING,
                        "第 %d 次摇号之前必有 %d 次作废的摇号；第 %d 次的记录缺失" % (cer.number, cer.number - 1, i + 1),
                        "attempt %d comes after %d voided attempts; attempt %d is missing" % (
                            cer.number, cer.number - 1, i + 1))
        v = cer.voided[i]
        if i >= cer.number - 1:
            return diff(vp, _MISSING, {"attempt": v.attempt}, "作废的摇号多于摇号次数所允许的",
                        "more voided attempts than the attempt number allows")
        if v.attempt != i + 1:
            return diff(vp + ".attempt", i + 1, v.attempt, "作废的摇号应为第 1 至 %d 次，按次序排列" % (cer.number - 1),
                        "the voided attempts are attempts 1 to %d, in order" % (cer.number - 1))
        entries = [e for e in cer.events if e.data.get("attempt") == v.attempt and e.ceremony_id != cer.ceremony]
        voided = [e for e in entries if e.event == "ceremony_voided"]
        if not voided:
            return diff(vp, "its ceremony_voided entry in events", _MISSING,
                        "记录包的 events 中没有第 %d 次摇号的作废条目" % v.attempt,
                        "events holds no ceremony_voided entry of attempt %d" % v.attempt)
        ve = voided[0]
        if v.voided_at != ve.at:
            return diff(vp + ".voided_at", ve.at, v.voided_at, "应等于作废条目的时间 at",
                        "must equal the time (at) of the ceremony_voided entry", ve.seq)
        for member in ("reason", "operator", "state", "commitment"):
            got = getattr(v, member)
            journal = _payload(ve, member)
            if journal is not _MISSING and journal != got:
                return diff("%s.%s" % (vp, member), journal, got, "与作废条目中记录的不同",
                            "differs from what the ceremony_voided entry records", ve.seq)
        committed = [e for e in entries if e.event == "secret_committed"]
        if committed and _payload(committed[0], "commitment") != v.commitment:
            return diff(vp + ".commitment", _payload(committed[0], "commitment"), v.commitment,
                        "与该次摇号 secret_committed 条目公布的承诺值不同",
                        "differs from the commitment its secret_committed entry published", committed[0].seq)
        d = _check_voided_secret(vp, v, ve, entries)
        if d:
            return d, summary

    # The journal against the bundle's own draw values: the commitment published before the witnesses spoke,
    # the secret, seed and fp_outcome recorded when the seed was derived (§15.1), the witnesses and entropies.
    d = _check_journal_against_draw(data, this)
    if d:
        return d, summary
    sealed_payload = [("operator", cer.operator, "attempt.operator"), ("sealed_at", cer.sealed_at, "attempt.sealed_at"),
                      ("journal_head", cer.journal_head, "attempt.journal_head")]
    for member, got, field in sealed_payload:
        journal = _payload(sealed, member)
        if journal is not _MISSING and journal != got:
            return diff(field, journal, got, "与封存条目中记录的不同", "differs from what the ceremony_sealed entry "
                        "records", sealed.seq)
    journal = _payload(sealed, "voided_attempts")
    if journal is not _MISSING:
        mine = [{"attempt": v.attempt, "reason": v.reason, "operator": v.operator, "voided_at": v.voided_at,
                 "state": v.state, "commitment": v.commitment} for v in cer.voided]
        found = first_difference(journal, mine, "attempt.voided_attempts")
        if found:
            return diff(found[0], found[1], found[2], "与封存条目中记录的作废摇号不同",
                        "differs from the voided attempts the ceremony_sealed entry records", sealed.seq)

    # §15.2 the record hash.
    if recomputed_record_hash is not None and recomputed_record_hash != cer.record_hash:
        return diff("attempt.record_hash", recomputed_record_hash, cer.record_hash,
                    "按 §15.2 由记录包重算的记录哈希与记录的不同", "the record hash recomputed from the bundle (§15.2) "
                    "differs from the recorded one")
    journal = _payload(sealed, "record_hash")
    if journal is not _MISSING and journal != cer.record_hash:
        return diff("attempt.record_hash", journal, cer.record_hash, "与封存条目中记录的不同",
                    "differs from what the ceremony_sealed entry records", sealed.seq)

    # Copies that no hash covers must still agree with the hashed originals.
    if len(cer.witnesses) != len(data["witnesses"]):
        return diff("attempt.witnesses[%d]" % min(len(cer.witnesses), len(data["witnesses"])),
                    "%d witnesses" % len(data["witnesses"]), "%d witnesses" % len(cer.witnesses),
                    "见证人数与 witnesses 不同", "not as many witnesses as in witnesses")
    for i, (w, x) in enumerate(zip(data["witnesses"], cer.witnesses)):
        if x.seq != i + 1:
            return diff("attempt.witnesses[%d].seq" % i, i + 1, x.seq, "见证人应按登记顺序编号 1、2、…",
                        "witnesses are numbered 1, 2, … in the order recorded")
        if x.name != w["name"]:
            return diff("attempt.witnesses[%d].name" % i, w["name"], x.name, "应等于 witnesses[%d].name（记录哈希覆盖的是后者）" % i,
                        "must equal witnesses[%d].name (the one the record hash covers)" % i)
    started = [e for e in this if e.event == "ceremony_started"]
    if started and started[0].at != cer.started_at:
        return diff("attempt.started_at", started[0].at, cer.started_at, "应等于 ceremony_started 条目的时间 at",
                    "must equal the time (at) of the ceremony_started entry", started[0].seq)
    return None, summary


def _check_voided_secret(vp, v, voided_entry, entries):
    """A void reveals the attempt's secret (§15.1), so it can be checked against the commitment shown before.
    The document does not name the payload members holding the secret and the inputs fingerprint; this uses
    `secret` of the ceremony_voided entry and `fp_inputs` of the secret_committed entry when both are present."""
    secret = _payload(voided_entry, "secret")
    if v.commitment is None or not isinstance(secret, str) or not re.match(r"[0-9a-f]{64}\Z", secret):
        return None
    fp_inputs = [e.data.get("fp_inputs") for e in entries if e.event == "secret_committed"]
    if not fp_inputs or not isinstance(fp_inputs[0], str) or not re.match(r"[0-9a-f]{64}\Z", fp_inputs[0]):
        return None
    recomputed = sha256(enc_str("fairdraw-commit/1") + enc_bytes(bytes.fromhex(fp_inputs[0]))
                        + enc_bytes(bytes.fromhex(secret))).hex()
    if recomputed != v.commitment:
        return Diff(vp + ".commitment", recomputed, v.commitment,
                    "作废时公开的密钥与该次摇号的承诺值不符（§5.1）",
                    "the secret revealed by the void does not match the attempt's commitment (§5.1)",
                    voided_entry.seq)
    return None


def _check_journal_against_draw(data, this):
    """The draw values of the bundle (already recomputed and matched) against what this attempt's journal
    entries recorded at the time: a bundle whose secret, entropies and outcome were all replaced consistently
    still differs from its journal here."""
    fps = data["fingerprints"]
    named = {
        # §15.1 names these members: secret_committed holds the commitment, seed_derived the secret, seed and
        # fp_outcome. They are required.
        "secret_committed": [("commitment", data["commitment"], "commitment")],
        "seed_derived": [("secret", data["secret"], "secret"), ("seed", data["seed"], "seed"),
                         ("fp_outcome", fps["outcome"], "fingerprints.outcome")],
    }
    for e in this:
        for member, value, field in named.get(e.event, ()):
            journal = _payload(e, member)
            if journal != value:
                return Diff(field, journal, value, "与本次摇号 %s 条目中记录的不同" % e.event,
                            "differs from what this attempt's %s entry records" % e.event, e.seq)
        # Not named by the document: the inputs fingerprint in secret_committed, the witness number with the
        # name, role, unit (witness_added) or digits (entropy_added). Compared when present.
        if e.event == "secret_committed" and _payload(e, "fp_inputs") not in (_MISSING, fps["inputs"]):
            return Diff("fingerprints.inputs", e.data["fp_inputs"], fps["inputs"],
                        "与本次摇号 secret_committed 条目中记录的不同",
                        "differs from what this attempt's secret_committed entry records", e.seq)
        if e.event in ("witness_added", "entropy_added"):
            number = _payload(e, "witness")
            if isinstance(number, bool) or not isinstance(number, int):
                continue
            members = ("name", "role", "unit") if e.event == "witness_added" else ("entropy",)
            if not 1 <= number <= len(data["witnesses"]):
                return Diff("witnesses[%d]" % (number - 1), "witness %d of the journal" % number, _MISSING,
                            "日志登记了第 %d 位见证人，记录包中没有" % number,
                            "the journal records witness %d, the bundle does not" % number, e.seq)
            w = data["witnesses"][number - 1]
            for member in members:
                journal = _payload(e, member)
                if journal is not _MISSING and journal != w[member]:
                    return Diff("witnesses[%d].%s" % (number - 1, member), journal, w[member],
                                "与本次摇号 %s 条目中记录的不同" % e.event,
                                "differs from what this attempt's %s entry records" % e.event, e.seq)
    return None


def paper_record_hash(text):
    """The record hash as printed on the paper record or read from its QR code: 64 hex digits, case and
    separators (spaces, line breaks, '-', ':') ignored; a longer text is accepted if it holds exactly one run
    of 64 hex digits. Returns the lower-case hex or None."""
    compact = re.sub(r"[\s:\-]", "", text)
    if re.match(r"[0-9a-fA-F]{64}\Z", compact):
        return compact.lower()
    runs = re.findall(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])", text)
    return runs[0].lower() if len(runs) == 1 else None


# ---------------------------------------------------------------------------------------------------------
# Test vectors (§13)
# ---------------------------------------------------------------------------------------------------------


def _vector_text(v):
    """Tolerant reading of a vector's scalar: null means a missing value, i.e. the empty string."""
    return "" if v is None else v


def _vector_list(v):
    if v is None or v == "":
        return []
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _vector_bool(v):
    if v in ("true", "false"):
        return v == "true"
    return v


def vector_inputs(data, file):
    """Build Inputs from a vector's `input` object (layout notes: tools/SPEC-NOTES.md)."""
    r = JsonReader(file)
    inp = r.obj(data.get("input"), "input", ("rules", "population", "inspectors", "recusals", "secret", "entropies"))
    rules = Rules(inp["rules"], r, "input.rules")

    def locate(kind):
        return lambda i, field: {"file": file, "field": "input.%s[%d].%s" % (kind, i, field)}

    def where_in(kind, i):
        return lambda field: locate(kind)(i, field)

    rows = []
    for i, e in enumerate(r.array(inp["population"], "input.population")):
        r.obj(e, "input.population[%d]" % i, (), optional=ENTITY_FIELDS)
        values = [_vector_list(e.get(f)) if f == "tags" else _vector_text(e.get(f)) for f in ENTITY_FIELDS]
        if isinstance(values[11], list):
            values[11] = tuple(values[11])
        for f, v in zip(ENTITY_FIELDS, values):
            if f != "tags" and not isinstance(v, str):
                r.fail("input.population[%d].%s" % (i, f), "应为字符串", "must be a string")
        rows.append((values, i))
    rows.sort(key=lambda rw: rw[0][0])
    population = PopulationBuilder(rules, locate("population"))
    for values, i in rows:
        population.add(values, i)

    items = []
    for i, x in enumerate(r.array(inp["inspectors"], "input.inspectors")):
        r.obj(x, "input.inspectors[%d]" % i, (), optional=INSPECTOR_FIELDS)
        values = []
        for f in INSPECTOR_FIELDS:
            if f == "qualifications":
                values.append(_vector_list(x.get(f)))
            elif f == "expert":
                values.append(_vector_bool(x.get(f, False) if x.get(f) is not None else False))
            else:
                values.append(_vector_text(x.get(f)))
        items.append((check_inspector(values, where_in("inspectors", i)), where_in("inspectors", i)))
    pool = sort_unique(items, lambda p: p.staff_no, "staff_no", "工号", "staff_no")

    recs = []
    for i, x in enumerate(r.array(inp["recusals"], "input.recusals")):
        if isinstance(x, list):
            values = [_vector_text(v) for v in x]
            if len(values) != 3:
                r.fail("input.recusals[%d]" % i, "应有 3 项", "must have 3 items")
        else:
            r.obj(x, "input.recusals[%d]" % i, (), optional=RECUSAL_FIELDS)
            values = [_vector_text(x.get(f)) for f in RECUSAL_FIELDS]
        recs.append((check_recusal(values, where_in("recusals", i)), where_in("recusals", i)))
    recusals = sort_unique(recs, lambda t: (t[0], t[1]), "entity_code", "回避条目", "recusal pair")

    secret = r.hex32(inp["secret"], "input.secret")
    entropies = [r.text(x, "input.entropies[%d]" % i) for i, x in enumerate(r.array(inp["entropies"], "input.entropies"))]
    return Inputs(rules, population, pool, recusals, secret, entropies)


def _error_kind(value):
    text = str(value).lower()
    if "infeas" in text:
        return "infeasible"
    if "input" in text or "invalid" in text:
        return "input"
    return text


# The `code` member of `expected_error` in fairdraw's vectors is not part of §13; where the vector does not name
# the §8.5 subject itself, these codes say which subject kind (and, for conditions, which one) it means, so that
# a refusal for a different reason does not pass unnoticed. Unknown codes are not compared.
VECTOR_ERROR_CODES = {
    "count_exceeds_population": ("condition", "total"),
    "group_size": ("condition", "group_size"),
    "experts": ("condition", "expert"),
    "inspectors": ("condition", "pool"),
    "leaders": ("department", None),
    "department": ("department", None),
    "count_exceeds_stratum": ("stratum", None),
    "no_ratio": ("stratum", None),
    "recusal": ("entity", None),
}
SUBJECT_KINDS = ("stratum", "department", "entity", "condition")


def check_error_expectation(expected, err):
    """Compare a refusal with a vector's `expected_error`; returns (failure message or None, notes)."""
    notes = []
    if isinstance(expected, str):
        expected = {"kind": expected}
    if not isinstance(expected, dict):
        return "expected_error has an unknown form: %s" % _show(expected), notes
    for kind_key in ("kind", "type", "error"):
        if kind_key in expected:
            want = _error_kind(expected[kind_key])
            if want in ("infeasible", "input") and want != err.kind:
                return "expected a %s error, got a %s error: %s" % (want, err.kind, err.en), notes
            break
    got_kind, got_value = err.subject if err.subject else (None, None)
    named = [name for name in SUBJECT_KINDS if expected.get(name) is not None]
    for name in named:
        if got_kind != name or got_value != expected[name]:
            return "expected the error to name %s %r, it names %s %r (%s)" % (
                name, expected[name], got_kind, got_value, err.en), notes
    code = expected.get("code")
    if code in VECTOR_ERROR_CODES:
        kind, value = VECTOR_ERROR_CODES[code]
        if got_kind != kind or (value is not None and got_value != value):
            return "code %r means subject %s %s, the error names %s %r (%s)" % (
                code, kind, value or "", got_kind, got_value, err.en), notes
    if err.kind == "infeasible" and not named:
        notes.append("expected_error names no subject (§13 asks for one of %s)" % ", ".join(SUBJECT_KINDS))
    field = expected.get("field")
    if field is not None:
        mine = err.field or ""
        if mine.startswith("input."):
            mine = mine[len("input."):]
        if not (mine == field or mine.startswith(field + "[") or mine.startswith(field + ".")):
            return "expected the error at %s, it is at %s (%s)" % (field, err.field, err.en), notes
    return None, notes


def run_vector(path):
    """Returns (ok, message)."""
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = load_json(f.read(), name)
    if not isinstance(data, dict):
        return False, "not a JSON object"
    unknown = [m for m in data if m not in ("name", "description", "input", "expected", "expected_error")]
    if unknown:
        return False, "unknown member %r" % unknown[0]
    has_expected = "expected" in data
    has_error = "expected_error" in data
    if has_expected == has_error:
        return False, "needs exactly one of expected / expected_error"
    try:
        inputs = vector_inputs(data, name)
        res = compute(inputs)
        if res.infeasible is not None:
            raise res.infeasible
    except VerifyError as err:
        if has_error:
            problem, notes = check_error_expectation(data["expected_error"], err)
            if problem:
                return False, problem
            where = err.place()
            message = "refused as expected (%s%s: %s)" % (err.kind, (", " + where) if where else "", err.en)
            return True, message + "".join("; note: " + n for n in notes)
        where = err.place()
        return False, "refused the input (%s%s): %s" % (err.kind, (", " + where) if where else "", err.en)
    if has_error:
        return False, "expected an error (%s), but the draw succeeded" % _show(data["expected_error"])
    exp = data["expected"]
    if not isinstance(exp, dict):
        return False, "expected must be an object"
    fps = exp.get("fingerprints", {})
    diff = compare_result(res, fps, exp.get("commitment", _MISSING), exp.get("seed", _MISSING),
                          exp.get("outcome", _MISSING), prefix="expected.")
    if diff:
        field, want, got = diff
        return False, "%s: recomputed %s, vector says %s" % (field, _show(want), _show(got))
    return True, "seed %s, %d targets" % (res.seed, len(res.outcome["targets"]))


def run_vectors(directory, as_json):
    if not os.path.isdir(directory):
        print("找不到目录 / no such directory: %s" % directory, file=sys.stderr)
        return EXIT_INVALID
    files = sorted(f for f in os.listdir(directory) if f.endswith(".json"))
    if not files:
        print("目录中没有测试向量 / no *.json test vectors in %s" % directory, file=sys.stderr)
        return EXIT_INVALID
    results = []
    for f in files:
        try:
            ok, message = run_vector(os.path.join(directory, f))
        except VerifyError as e:
            ok, message = False, "unreadable: %s (%s)" % (e.en, e.place())
        results.append({"file": f, "pass": ok, "message": message})
    failed = sum(1 for r in results if not r["pass"])

    def write():
        if as_json:
            print(json.dumps({"vectors": results, "passed": len(results) - failed, "failed": failed},
                             ensure_ascii=False, indent=2))
        else:
            for r in results:
                print("%s %s: %s" % ("通过 PASS" if r["pass"] else "失败 FAIL", r["file"], r["message"]))
            print("%d 个通过 / passed, %d 个失败 / failed" % (len(results) - failed, failed))

    _output(write)
    return EXIT_MATCH if failed == 0 else EXIT_MISMATCH


# ---------------------------------------------------------------------------------------------------------
# Verifying a bundle
# ---------------------------------------------------------------------------------------------------------


def verify_bundle(path, paper=None):
    """Returns (exit code, JSON-able report). `paper` is the record hash read from the paper record (hex), if any."""
    try:
        bundle = Bundle(path)
        res = compute(bundle.inputs)
    except VerifyError as e:
        return EXIT_INVALID, {"result": "invalid", "error": e.as_json(), "place": e.place()}
    rec = bundle.recorded
    cer = bundle.ceremony
    report = {"seed": res.seed, "commitment": res.commitment, "fingerprints": res.fingerprints}
    if not bundle.population_sorted:
        report["note"] = "population.csv is not in canonical order; it was sorted before hashing"
    record_hash = bundle_record_hash(rec, cer) if cer is not None else None
    if cer is not None:
        report["record_hash"] = {"recomputed": record_hash, "recorded": cer.record_hash}
    if paper is not None:
        report["paper_record_hash"] = {"paper": paper, "matches": record_hash == paper}

    found = compare_result(res, rec["fingerprints"], rec["commitment"], rec["seed"], rec["outcome"])
    diff = Diff(found[0], found[1], found[2], None, None) if found else None
    if diff is None and cer is not None:
        diff, report["journal"] = check_ceremony(rec, cer, record_hash)
    if diff is None and paper is not None and record_hash != paper:
        if cer is None:
            diff = Diff("attempt.record_hash", paper, _MISSING,
                        "记录包不是从已封存的摇号导出的（没有 attempt），无法与纸质记录的记录哈希对照",
                        "the bundle was not exported from a sealed ceremony (no attempt): it has no record hash to "
                        "compare with the paper record")
        else:
            diff = Diff("paper.record_hash", record_hash, paper,
                        "纸质记录上的记录哈希与由本记录包重算的不同：二者不是同一次摇号的记录",
                        "the record hash on the paper record differs from the one recomputed from this bundle: "
                        "they are not the record of the same draw")
    if diff is not None:
        difference = {"field": diff.field, "expected": _json_value(diff.expected),
                      "recorded": _json_value(diff.recorded)}
        if diff.seq is not None:
            difference["seq"] = diff.seq
        if diff.en is not None:
            difference["note_zh"], difference["note_en"] = diff.zh, diff.en
        report.update({"result": "mismatch", "difference": difference})
        report["_display"] = (diff.expected, diff.recorded)
        return EXIT_MISMATCH, report
    report.update({"result": "match", "targets": len(res.outcome["targets"]),
                   "groups": len(res.outcome["groups"]), "unassigned": len(res.outcome["unassigned"])})
    return EXIT_MATCH, report


def print_report(code, report):
    if report["result"] == "invalid":
        e = report["error"]
        print("无法核验：记录包无效 / INVALID BUNDLE")
        if report.get("place"):
            print("位置 / where: %s" % report["place"])
        print("原因：%s" % e["message_zh"])
        print("reason: %s" % e["message_en"])
        return
    if report["result"] == "match":
        print("一致 / MATCH")
        print("种子 / seed: %s" % report["seed"])
        print("输入指纹 / inputs fingerprint: %s" % report["fingerprints"]["inputs"])
        print("承诺值 / commitment: %s" % report["commitment"])
        print("抽中检查对象 / targets: %d" % report["targets"])
        print("检查组 / groups: %d" % report["groups"])
        if report["unassigned"]:
            print("未能分配的检查对象 / unassigned targets: %d" % report["unassigned"])
        print("结果指纹 / outcome fingerprint: %s" % report["fingerprints"]["outcome"])
        if "journal" in report:
            j = report["journal"]
            print("记录哈希 / record hash: %s" % report["record_hash"]["recomputed"])
            print("过程日志 / journal: %d 条日志哈希重算一致，%d 处相邻链接一致，封存条目 seq %d / %d entries re-hashed, "
                  "%d adjacent links checked, sealed at seq %d" % (
                      j["entries"], j["links"], j["sealed_seq"], j["entries"], j["links"], j["sealed_seq"]))
        if "paper_record_hash" in report:
            print("纸质记录 / paper record: 记录哈希一致 / the record hash matches")
    else:
        want, got = report.pop("_display")
        d = report["difference"]
        print("不一致 / MISMATCH")
        print("首个差异 / first difference: %s" % d["field"])
        if "seq" in d:
            print("  日志条目 / journal entry: seq %d" % d["seq"])
        print("  应为 / expected: %s" % _show(want))
        print("  记录值 / recorded: %s" % _show(got))
        if "note_en" in d:
            print("  说明：%s" % d["note_zh"])
            print("  note: %s" % d["note_en"])
        paper = report.get("paper_record_hash")
        if paper is not None and d["field"] not in ("paper.record_hash", "attempt.record_hash"):
            print("纸质记录 / paper record: %s" % (
                "记录哈希与本记录包一致 / the record hash matches this bundle" if paper["matches"]
                else "记录哈希与本记录包不一致 / the record hash does not match this bundle"))
    if report.get("note"):
        print("注意 / note: %s" % report["note"])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="verify.py",
        description="核验 fairdraw 摇号记录 / verify a fairdraw draw record (fairdraw-draw/1), standard library only")
    parser.add_argument("bundle", nargs="?", help="记录包 .zip 或文件夹 / bundle .zip or folder")
    parser.add_argument("--vectors", metavar="DIR", help="运行 DIR 中的全部测试向量 / run every test vector DIR/*.json")
    parser.add_argument("--record-hash", metavar="HEX",
                        help="纸质摇号记录上印的记录哈希（或其二维码内容），与记录包对照 / the record hash printed on the "
                             "paper record (or its QR code's text), compared with the bundle")
    parser.add_argument("--json", action="store_true", help="输出 JSON / print a machine-readable result")
    args = parser.parse_args(argv)
    if (args.bundle is None) == (args.vectors is None):
        parser.print_usage(sys.stderr)
        print("verify.py: 需要一个记录包或 --vectors DIR / give either a BUNDLE or --vectors DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.vectors is not None:
        if args.record_hash is not None:
            print("verify.py: --record-hash 只能与记录包一起使用 / --record-hash goes with a BUNDLE", file=sys.stderr)
            return EXIT_USAGE
        return run_vectors(args.vectors, args.json)
    paper = None
    if args.record_hash is not None:
        paper = paper_record_hash(args.record_hash)
        if paper is None:
            print("verify.py: --record-hash 应为 64 位十六进制数字 / --record-hash must be 64 hex digits", file=sys.stderr)
            return EXIT_USAGE
    code, report = verify_bundle(args.bundle, paper)
    if args.json:
        report.pop("_display", None)
        _output(lambda: print(json.dumps(report, ensure_ascii=False, indent=2)))
    else:
        _output(lambda: print_report(code, report))
    return code


def _output(write):
    """Run `write`; if the reader of standard output went away (e.g. `| head`), stop printing quietly."""
    try:
        result = write()
        sys.stdout.flush()
        return result
    except BrokenPipeError:
        # Point stdout at devnull so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return None


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Tests of tools/verify.py, standard library only: `python3 -m unittest tools/test_verify.py`.

They check the primitives against values stated in docs/draw-protocol.md and in RFC 7539, small cases worked out
by hand, and bundles this module produces with verify.py's own draw as the "producer" (then tampers with).

`python3 tools/test_verify.py --bench N` instead writes a synthetic N-entity bundle to a temporary folder and
times its verification (a measurement, not a test).
"""

import copy
import hashlib
import csv
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import verify  # noqa: E402

VERIFY = os.path.join(HERE, "verify.py")


# ---------------------------------------------------------------------------------------------------------
# A small producer: writes a bundle (§12) with verify.py's own draw, so the verifier has something to check.
# ---------------------------------------------------------------------------------------------------------


def base_rules(**changes):
    rules = {
        "algorithm": "fairdraw-draw/1",
        "task": {"number": "永市监抽〔2026〕3号", "name": "2026年食品经营者联合抽查", "attempt": 1},
        "draw_date": "2026-12-01",
        "scope": {"regions": [], "industries": [], "entity_types": [], "risk_classes": [], "tags_any": []},
        "exclusions": {"statuses": ["吊销", "撤销", "注销", "迁出"], "inspected_within_days": 365, "entities": []},
        "strata": "risk_class",
        "quota": {"mode": "ratio", "ratios": [{"stratum": "A", "bp": 3000}], "default_bp": 5000},
        "reserve_per_stratum": None,
        "inspectors": {
            "departments": ["D01", "D13"],
            "group_size": 2,
            "groups": {"mode": "fixed", "count": 2},
            "leader": {"required": True, "qualification": ""},
            "expert_required": False,
            "required_qualifications": [],
            "active_statuses": ["在岗"],
            "recuse_same_region": False,
        },
    }
    for path, value in changes.items():
        target = rules
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return rules


def entity(code, **fields):
    e = {"code": code, "name": "企业" + code, "entity_type": "有限责任公司", "industry": "食品经营", "address": "",
         "authority": "永州市市场监督管理局", "region": "冷水滩区", "town": "", "established": "2015-03-02",
         "status": "存续", "risk_class": "B", "tags": [], "last_inspected": ""}
    e.update(fields)
    return e


def inspector(staff_no, department, **fields):
    i = {"staff_no": staff_no, "name": "检查员" + staff_no, "department": department, "certificate_no": "Z" + staff_no,
         "certificate_valid_until": "9999-12-31", "qualifications": [], "expert": False, "region": "",
         "status": "在岗"}
    i.update(fields)
    return i


def small_inputs():
    """A hand-made joint task: Chinese and non-BMP names, exclusions of every kind, a recusal."""
    rules = base_rules(exclusions__entities=[{"code": "91431100MA4L00003X", "reason": "正在立案调查"}])
    population = [
        entity("91431100MA4L00001X", name="永州𠮷祥食品有限公司", risk_class="A"),
        entity("91431100MA4L00002X", name="冷水滩区某某超市", risk_class="A", tags=["网络交易", "食品经营"]),
        entity("91431100MA4L00003X", risk_class="A"),
        entity("91431100MA4L00004X", status="注销"),
        entity("91431100MA4L00005X", last_inspected="2026-03-01"),
        entity("91431100MA4L00006X", risk_class="A", region="零陵区"),
        entity("91431100MA4L00007X"),
        entity("91431100MA4L00008X", risk_class=""),
        entity("91431100MA4L00009X", risk_class="C"),
        entity("91431100MA4L00010X"),
        entity("91431100MA4L00011X", risk_class="A"),
        entity("91431100MA4L00012X", name="道县\"引号\",逗号"),
    ]
    inspectors = [
        inspector("S001", "D01", name="张三"),
        inspector("S002", "D01", name="李四", qualifications=["药品", "食品"]),
        inspector("S003", "D01", expert=True),
        inspector("S004", "D13", name="王𠮷"),
        inspector("S005", "D13", region="零陵区"),
        inspector("S006", "D13"),
        inspector("S007", "D02"),
        inspector("S008", "D01", status="借调"),
        inspector("S009", "D01", certificate_no=""),
        inspector("S010", "D01", certificate_valid_until=""),
        inspector("S011", "D01", certificate_valid_until="2026-11-30"),
    ]
    recusals = [
        {"staff_no": "S001", "entity_code": "91431100MA4L00001X", "reason": "近亲属"},
        {"staff_no": "S999", "entity_code": "91431100MA4L00001X", "reason": "不在人员库"},
    ]
    return rules, population, inspectors, recusals


SECRET = bytes(range(32))
WITNESSES = [{"name": "陈公证", "role": "公证员", "unit": "永州市公证处", "entropy": "314159"},
             {"name": "刘代表", "role": "人大代表", "unit": "永州市人大", "entropy": "271828"}]


def _csv_text(fields, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(fields)
    for r in rows:
        values = []
        for f in fields:
            v = r[f]
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, list):
                v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            values.append(v)
        w.writerow(values)
    return out.getvalue()


EMPTY_OUTCOME = {"algorithm": "fairdraw-draw/1", "seed": "", "excluded": [], "strata": [], "targets": [],
                 "reserves": [], "ineligible_inspectors": [], "groups": [], "unassigned": []}


def produce_bundle(folder, rules, population, inspectors, recusals, secret=SECRET, witnesses=WITNESSES,
                   allow_infeasible=False):
    """Write a bundle folder whose recorded values come from verify.py's own recomputation.

    With `allow_infeasible`, inputs whose rules are infeasible still give a bundle (with an empty outcome, which
    any verifier must refuse); the Infeasible error is returned in `record["_infeasible"]`."""
    os.makedirs(folder, exist_ok=True)
    files = {
        "population.csv": _csv_text(verify.ENTITY_FIELDS, sorted(population, key=lambda e: e["code"])),
        "inspectors.csv": _csv_text(verify.INSPECTOR_FIELDS, sorted(inspectors, key=lambda i: i["staff_no"])),
        "recusals.csv": _csv_text(verify.RECUSAL_FIELDS,
                                  sorted(recusals, key=lambda r: (r["staff_no"], r["entity_code"]))),
        "README.txt": "核验方法 / how to verify: python3 tools/verify.py THIS_FOLDER\n",
    }
    for name, text in files.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    record = {"format": "fairdraw-bundle/1", "rules": rules, "departments": {"D01": "市场监管局", "D13": "卫健委"},
              "fingerprints": {}, "commitment": "", "secret": secret.hex(), "witnesses": witnesses, "seed": "",
              "outcome": {}}
    write_json(os.path.join(folder, "bundle.json"), record)
    res = verify.compute(verify.Bundle(folder).inputs)
    if res.infeasible is not None and not allow_infeasible:
        raise res.infeasible
    outcome = res.outcome or dict(EMPTY_OUTCOME, seed=res.seed)
    fingerprints = dict(res.fingerprints, outcome=res.fingerprints.get("outcome", "00" * 32))
    record.update({"fingerprints": fingerprints, "commitment": res.commitment, "seed": res.seed,
                   "outcome": outcome})
    write_json(os.path.join(folder, "bundle.json"), record)
    if res.infeasible is not None:
        record["_infeasible"] = res.infeasible
    return record


def write_json(path, value):
    with open(path, "w", encoding="utf-8", newline="") as f:
        json.dump(value, f, ensure_ascii=False, indent=2)


def zip_folder(folder, zip_path, prefix=""):
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(folder)):
            z.write(os.path.join(folder, name), prefix + name)


def vector_of(rules, population, inspectors, recusals, secret=SECRET, entropies=("314159", "271828")):
    return {"input": {"rules": rules, "population": population, "inspectors": inspectors, "recusals": recusals,
                      "secret": secret.hex(), "entropies": list(entropies)}}


def run_inputs(rules, population, inspectors, recusals, secret=SECRET, entropies=("314159", "271828")):
    """Recompute a draw from JSON-shaped inputs; raises VerifyError/Infeasible on refusal."""
    inputs = verify.vector_inputs(vector_of(rules, population, inspectors, recusals, secret, entropies), "test")
    res = verify.compute(inputs)
    if res.infeasible is not None:
        raise res.infeasible
    return res


class FakeRng:
    """Returns given next_u64 values, to exercise the rejection rule."""

    def __init__(self, values):
        self.values = list(values)
        self.calls = 0

    def next_u64(self):
        self.calls += 1
        return self.values.pop(0)


# ---------------------------------------------------------------------------------------------------------
# §2, §3: primitives
# ---------------------------------------------------------------------------------------------------------


class Encodings(unittest.TestCase):
    def test_str_examples_of_section_2(self):
        self.assertEqual(verify.enc_str("永州").hex(), "00000006" "e6b0b8" "e5b79e")
        self.assertEqual(verify.enc_str("").hex(), "00000000")
        self.assertEqual(verify.enc_str("𠮷").hex(), "00000004" "f0a0aeb7")

    def test_integers_bool_opt_and_list(self):
        self.assertEqual(verify.enc_u32(1).hex(), "00000001")
        self.assertEqual(verify.enc_u32(0xFFFFFFFF).hex(), "ffffffff")
        self.assertRaises(ValueError, verify.enc_u32, 1 << 32)
        self.assertRaises(ValueError, verify.enc_u32, -1)
        self.assertEqual(verify.enc_u64(0x0102030405060708).hex(), "0102030405060708")
        self.assertEqual(verify.enc_bool(True), b"\x01")
        self.assertEqual(verify.enc_bool(False), b"\x00")
        self.assertEqual(verify.enc_opt_u32(None), b"\x00")
        self.assertEqual(verify.enc_opt_u32(365).hex(), "01" "0000016d")
        self.assertEqual(verify.enc_list(verify.enc_str, ["a", "永"]).hex(),
                         "00000002" "00000001" "61" "00000003" "e6b0b8")
        self.assertEqual(verify.enc_bytes(b"\xff").hex(), "00000001ff")

    def test_text_rules(self):
        self.assertIsNone(verify.text_problem("永州市"))
        self.assertIsNone(verify.text_problem(""))
        self.assertIsNotNone(verify.text_problem(" 永州"))
        self.assertIsNotNone(verify.text_problem("永州\u3000"))  # ideographic space
        self.assertIsNotNone(verify.text_problem("e\u0301"))  # NFD: e + combining acute
        self.assertIsNone(verify.text_problem("\u00e9"))
        self.assertIsNotNone(verify.text_problem("\ud800"))  # lone surrogate
        self.assertIsNone(verify.text_problem("a\x1fb"))
        self.assertIsNone(verify.text_problem("\x1f"))  # not White_Space, although Python's isspace() says so

    def test_dates(self):
        self.assertEqual(verify.parse_date("2024-02-29").isoformat(), "2024-02-29")
        self.assertIsNone(verify.parse_date("2023-02-29"))
        self.assertIsNone(verify.parse_date("20240229"))
        self.assertIsNone(verify.parse_date("2024-2-9"))
        self.assertEqual(verify.parse_date("9999-12-31").isoformat(), "9999-12-31")


def _words_le(hex_bytes):
    b = bytes.fromhex(hex_bytes.replace(" ", ""))
    return [int.from_bytes(b[i:i + 4], "little") for i in range(0, len(b), 4)]


class ChaCha20(unittest.TestCase):
    def test_zero_key_check_values_of_section_3_1(self):
        rng = verify.ChaCha20Rng(bytes(32))
        self.assertEqual([rng.next_u32() for _ in range(4)], [0xADE0B876, 0x903DF1A0, 0xE56A5D40, 0x28BD8653])
        rng = verify.ChaCha20Rng(bytes(32))
        self.assertEqual(rng.next_u64(), 0x903DF1A0ADE0B876)

    def test_rfc7539_section_2_3_2_block(self):
        # RFC 7539 uses a 32-bit counter and a 96-bit nonce; in the 64/64 layout of §3.1, word 12 is the counter
        # (1) and words 13-15 are the nonce 00000009 0000004a 00000000 read little-endian.
        key = struct_key(bytes(range(32)))
        out = verify.chacha20_block(key, 1 | (0x09000000 << 32), 0x4A000000)
        self.assertEqual(out, [0xE4E7F110, 0x15593BD1, 0x1FDD0F50, 0xC47120A3, 0xC7F4D1C7, 0x0368C033, 0x9AAA2204,
                               0x4E6CD4C3, 0x466482D2, 0x09AA9F07, 0x05D7C214, 0xA2028BD9, 0xD19C12B5, 0xB94E16DE,
                               0xE883D0CB, 0x4E3C50A2])

    def test_rfc7539_appendix_a1_keystreams(self):
        # Test vectors #1 and #2 (zero key and nonce, blocks 0 and 1) are the generator's first 32 words.
        rng = verify.ChaCha20Rng(bytes(32))
        words = [rng.next_u32() for _ in range(32)]
        self.assertEqual(words[:16], _words_le(
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"))
        self.assertEqual(words[16:], _words_le(
            "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
            "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f"))
        # Test vector #3: key ending in 0x01, block 1.
        key = struct_key(bytes(31) + b"\x01")
        self.assertEqual(verify.chacha20_block(key, 1), _words_le(
            "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
            "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0"))
        # Test vector #5: nonce ...02 (word 15 = 0x02000000), block 0.
        self.assertEqual(verify.chacha20_block(struct_key(bytes(32)), 0, 0x02000000 << 32), _words_le(
            "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
            "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"))

    def test_batched_blocks_equal_single_blocks(self):
        key = struct_key(bytes(range(32)))
        # Across the carry from word 12 into word 13 of the 64-bit counter.
        first = (1 << 32) - 3
        self.assertEqual(verify.chacha20_blocks(key, first, 6, nonce=0x0102030405060708),
                         [verify.chacha20_block(key, first + i, 0x0102030405060708) for i in range(6)])
        # The generator's stream crosses from one batch of 16 blocks to the next (word 256) seamlessly.
        rng = verify.ChaCha20Rng(bytes(range(32)))
        stream = [rng.next_u64() for _ in range(200)]
        words = [w for b in range(25) for w in verify.chacha20_block(key, b)]
        self.assertEqual(stream, [words[i] | (words[i + 1] << 32) for i in range(0, 400, 2)])

    def test_next_u64_is_two_words_low_first_across_blocks(self):
        a = verify.ChaCha20Rng(b"\x07" * 32)
        b = verify.ChaCha20Rng(b"\x07" * 32)
        for _ in range(40):  # crosses block boundaries
            lo, hi = a.next_u32(), a.next_u32()
            self.assertEqual(b.next_u64(), lo | (hi << 32))
        # An odd word position: the u64 straddles blocks 2 and 3.
        c = verify.ChaCha20Rng(b"\x07" * 32)
        words = [c.next_u32() for _ in range(64)]
        d = verify.ChaCha20Rng(b"\x07" * 32)
        for _ in range(47):
            d.next_u32()
        self.assertEqual(d.next_u64(), words[47] | (words[48] << 32))


def struct_key(key):
    return [int.from_bytes(key[i:i + 4], "little") for i in range(0, 32, 4)]


class Uniform(unittest.TestCase):
    def test_rejection_rule(self):
        # n = 3: threshold = 2^64 mod 3 = 1, so x = 0 is rejected and the next value is used.
        rng = FakeRng([0, 5])
        self.assertEqual(verify.uniform(rng, 3), 2)
        self.assertEqual(rng.calls, 2)
        # n = 6: threshold = 2^64 mod 6 = 4 (2^64 = 6·3074457345618258602 + 4): 0..3 rejected, 4 accepted.
        rng = FakeRng([3, 2, 4])
        self.assertEqual(verify.uniform(rng, 6), 4)
        self.assertEqual(rng.calls, 3)
        rng = FakeRng([2 ** 64 - 1])
        self.assertEqual(verify.uniform(rng, 6), (2 ** 64 - 1) % 6)

    def test_n_one_consumes_a_value(self):
        rng = FakeRng([0, 7])
        self.assertEqual(verify.uniform(rng, 1), 0)
        self.assertEqual(rng.calls, 1)

    def test_n_two_to_the_32(self):
        rng = FakeRng([0x1234567890ABCDEF])
        self.assertEqual(verify.uniform(rng, 2 ** 32), 0x90ABCDEF)
        self.assertRaises(ValueError, verify.uniform, FakeRng([0]), 2 ** 32 + 1)
        self.assertRaises(ValueError, verify.uniform, FakeRng([0]), 0)


class FisherYates(unittest.TestCase):
    def test_five_elements_by_hand(self):
        # Zero key: next_u64 values 0x903df1a0ade0b876, 0x28bd8653e56a5d40, 0x1aed8da0b819d2bd,
        # 0xc70d778bccef36a8, 0x8d4857517c5941da (RFC 7539 A.1 #1). Thresholds 2^64 mod 5,4,3,2,1 = 1,0,1,0,0:
        # nothing is rejected. Since 16 ≡ 1 (mod 5) and (mod 3), a hex number's residue is its digit sum's.
        #   i=0: n=5, digit sum of 903df1a0ade0b876 = 120 ≡ 0 → j = 0, a = [0,1,2,3,4]
        #   i=1: n=4, ...5d40 ends in hex 0 → ≡ 0     → j = 1, a unchanged
        #   i=2: n=3, digit sum of 1aed8da0b819d2bd = 137 ≡ 2 → j = 4, a = [0,1,4,3,2]
        #   i=3: n=2, ...36a8 is even → ≡ 0           → j = 3
        #   i=4: n=1 → 0 (one value consumed)         → j = 4
        rng = verify.ChaCha20Rng(bytes(32))
        self.assertEqual(verify.partial_shuffle(rng, 5, 5), [0, 1, 4, 3, 2])
        self.assertEqual(rng.next_u64(), 0x374AD8B83FE02477)  # exactly five values were consumed

    def test_prefix_property(self):
        # A longer reserve list never changes the first entries (§7.3).
        key = b"\x42" * 32
        short = verify.partial_shuffle(verify.ChaCha20Rng(key), 50, 7)[:7]
        long = verify.partial_shuffle(verify.ChaCha20Rng(key), 50, 20)[:20]
        self.assertEqual(long[:7], short)

    def test_first_pick_is_uniform(self):
        # 7,000 independent generators (keys SHA-256 of 0, 1, …) each pick one of 7 positions. Chi-square with
        # 6 degrees of freedom; 22.46 is the 0.1 % critical value. The keys are fixed, so the test is repeatable.
        counts = [0] * 7
        for i in range(7000):
            rng = verify.ChaCha20Rng(hashlib.sha256(str(i).encode()).digest())
            counts[verify.partial_shuffle(rng, 7, 1)[0]] += 1
        chi2 = sum((c - 1000) ** 2 / 1000 for c in counts)
        self.assertLess(chi2, 22.46, counts)

    def test_zero_steps_consume_nothing(self):
        rng = verify.ChaCha20Rng(bytes(32))
        self.assertEqual(verify.partial_shuffle(rng, 3, 0), [0, 1, 2])
        self.assertEqual(rng.next_u64(), 0x903DF1A0ADE0B876)


# ---------------------------------------------------------------------------------------------------------
# §6–§9 on small hand-made cases
# ---------------------------------------------------------------------------------------------------------


def strata_of(res):
    return [(s["key"], s["size"], s["quota"], s["reserve"]) for s in res.outcome["strata"]]


def many(n, prefix="E", **fields):
    return [entity("%s%03d" % (prefix, i), **fields) for i in range(1, n + 1)]


def simple_pool(n_lead=3, n_other=3):
    return ([inspector("L%02d" % i, "D01") for i in range(1, n_lead + 1)]
            + [inspector("P%02d" % i, "D13") for i in range(1, n_other + 1)])


class Quotas(unittest.TestCase):
    def test_ratio_rounds_up_and_min_one(self):
        rules = base_rules(strata="none", quota={"mode": "ratio", "ratios": [], "default_bp": 300})
        res = run_inputs(rules, many(10), simple_pool(), [])
        self.assertEqual(strata_of(res), [("", 10, 1, 1)])  # ⌈10·3%⌉ = ⌈0.3⌉ = 1
        rules["quota"]["default_bp"] = 3000
        self.assertEqual(strata_of(run_inputs(rules, many(10), simple_pool(), [])), [("", 10, 3, 3)])  # exact
        rules["quota"]["default_bp"] = 3001
        self.assertEqual(strata_of(run_inputs(rules, many(10), simple_pool(), [])), [("", 10, 4, 4)])  # 3.001 → 4
        rules["quota"]["default_bp"] = 1
        self.assertEqual(strata_of(run_inputs(rules, many(1), simple_pool(), [])), [("", 1, 1, 0)])  # min 1
        rules["quota"]["default_bp"] = 20000
        self.assertEqual(strata_of(run_inputs(rules, many(4), simple_pool(), [])), [("", 4, 4, 0)])  # k = n

    def test_zero_ratio_gives_zero_and_no_groups(self):
        rules = base_rules(strata="none", quota={"mode": "ratio", "ratios": [], "default_bp": 0})
        res = run_inputs(rules, many(5), simple_pool(), [])
        self.assertEqual(strata_of(res), [("", 5, 0, 0)])
        self.assertEqual(res.outcome["targets"], [])
        self.assertEqual(res.outcome["groups"], [])

    def test_largest_remainder_ties(self):
        rules = base_rules(quota={"mode": "count", "total": 2})
        # A: 1 entity, B: 3 entities, N = 4, t = 2: q = 0, 1; r = 2, 2; one unit left; tie on r → larger n: B.
        pop = [entity("A1", risk_class="A")] + [entity("B%d" % i, risk_class="B") for i in range(3)]
        self.assertEqual(strata_of(run_inputs(rules, pop, simple_pool(), [])), [("A", 1, 0, 0), ("B", 3, 2, 1)])
        # Equal sizes and remainders → smaller key first; "A" < "未分类" in UTF-8 byte order.
        rules["quota"]["total"] = 1
        pop = [entity("X1", risk_class=""), entity("X2", risk_class="A")]
        self.assertEqual(strata_of(run_inputs(rules, pop, simple_pool(), [])), [("A", 1, 1, 0), ("未分类", 1, 0, 0)])

    def test_count_exact_and_too_large(self):
        rules = base_rules(quota={"mode": "count", "total": 4})
        pop = many(4, "A", risk_class="A") + many(4, "C", risk_class="C")
        self.assertEqual(strata_of(run_inputs(rules, pop, simple_pool(), [])), [("A", 4, 2, 2), ("C", 4, 2, 2)])
        rules["quota"]["total"] = 9
        with self.assertRaises(verify.Infeasible):
            run_inputs(rules, pop, simple_pool(), [])

    def test_count_zero_population(self):
        rules = base_rules(quota={"mode": "count", "total": 0})
        res = run_inputs(rules, [], simple_pool(), [])
        self.assertEqual(res.outcome["strata"], [])
        self.assertEqual(res.outcome["targets"], [])

    def test_listed_stratum_without_entities_and_missing_ratio(self):
        rules = base_rules(quota={"mode": "ratio", "ratios": [{"stratum": "A", "bp": 5000}, {"stratum": "D", "bp": 10000}],
                                  "default_bp": None})
        pop = many(4, "A", risk_class="A")
        self.assertEqual(strata_of(run_inputs(rules, pop, simple_pool(), [])), [("A", 4, 2, 2), ("D", 0, 0, 0)])
        pop.append(entity("B001", risk_class="B"))
        with self.assertRaises(verify.Infeasible) as cm:
            run_inputs(rules, pop, simple_pool(), [])
        self.assertEqual(cm.exception.subject, ("stratum", "B"))

    def test_per_stratum_and_reserve_length(self):
        rules = base_rules(quota={"mode": "per_stratum", "counts": [{"stratum": "A", "count": 3}]},
                           reserve_per_stratum=10)
        pop = many(5, "A", risk_class="A") + many(2, "B")
        res = run_inputs(rules, pop, simple_pool(), [])
        # R = min(n − q, 10) for A; R = 0 for B, which has no targets (§7.2).
        self.assertEqual(strata_of(res), [("A", 5, 3, 2), ("B", 2, 0, 0)])
        self.assertEqual([r["stratum"] for r in res.outcome["reserves"]], ["A", "A"])
        rules["quota"]["counts"][0]["count"] = 6
        with self.assertRaises(verify.Infeasible) as cm:
            run_inputs(rules, pop, simple_pool(), [])
        self.assertEqual(cm.exception.subject, ("stratum", "A"))

    def test_targets_are_a_prefix_and_reserves_follow(self):
        # Raising the reserve length only extends the reserve list (§7.3).
        rules = base_rules(strata="none", quota={"mode": "per_stratum", "counts": [{"stratum": "", "count": 3}]},
                           reserve_per_stratum=2)
        pop = many(20)
        a = run_inputs(rules, pop, simple_pool(), []).outcome
        rules["reserve_per_stratum"] = 6
        b = run_inputs(rules, pop, simple_pool(), []).outcome
        self.assertEqual(len(b["reserves"]), 6)
        # The rules changed, so the seed differs; compare the shuffle itself through the stratum sub-seed instead.
        seed = bytes.fromhex(a["seed"])
        order = verify.partial_shuffle(verify.ChaCha20Rng(verify.subseed(seed, "stratum", "")), 20, 5)
        codes = sorted(e["code"] for e in pop)
        self.assertEqual([t["code"] for t in a["targets"]], [codes[x] for x in order[:3]])
        self.assertEqual([r["code"] for r in a["reserves"]], [codes[x] for x in order[3:5]])


class Exclusions(unittest.TestCase):
    def test_day_boundaries_and_reason_order(self):
        rules = base_rules(strata="none", quota={"mode": "ratio", "ratios": [], "default_bp": 10000},
                           exclusions__entities=[{"code": "E1", "reason": "立案"}])
        pop = [
            entity("E1", status="注销"),  # explicit wins over status
            entity("E2", status="注销", last_inspected="2026-11-30"),  # status wins over recently_inspected
            entity("E3", last_inspected="2025-12-02"),  # 364 days before 2026-12-01 → excluded
            entity("E4", last_inspected="2025-12-01"),  # 365 days before → eligible
            entity("E5", last_inspected="2026-12-02"),  # after the draw date → excluded
            entity("E6", status="存续"),
        ]
        res = run_inputs(rules, pop, simple_pool(), [])
        self.assertEqual(res.outcome["excluded"], [
            {"code": "E1", "reason": "explicit"}, {"code": "E2", "reason": "status"},
            {"code": "E3", "reason": "recently_inspected"}, {"code": "E5", "reason": "recently_inspected"}])
        self.assertEqual(sorted(t["code"] for t in res.outcome["targets"]), ["E4", "E6"])

    def test_leap_year_day_count_and_null_window(self):
        rules = base_rules(strata="none", quota={"mode": "ratio", "ratios": [], "default_bp": 10000},
                           draw_date="2024-03-01", exclusions__inspected_within_days=366)
        # 2023-03-01 → 2024-03-01 spans 29 February 2024: 366 days → eligible; 2023-03-02 is 365 days → excluded.
        pop = [entity("E1", last_inspected="2023-03-01"), entity("E2", last_inspected="2023-03-02")]
        res = run_inputs(rules, pop, simple_pool(), [])
        self.assertEqual(res.outcome["excluded"], [{"code": "E2", "reason": "recently_inspected"}])
        rules["exclusions"]["inspected_within_days"] = None
        self.assertEqual(run_inputs(rules, pop, simple_pool(), []).outcome["excluded"], [])

    def test_explicit_exclusion_of_unknown_code_has_no_effect(self):
        rules = base_rules(strata="none", quota={"mode": "ratio", "ratios": [], "default_bp": 10000},
                           exclusions__entities=[{"code": "ZZZ", "reason": "x"}])
        res = run_inputs(rules, many(2), simple_pool(), [])
        self.assertEqual(res.outcome["excluded"], [])


class Eligibility(unittest.TestCase):
    def test_every_reason_in_order(self):
        rules = base_rules(strata="none", quota={"mode": "ratio", "ratios": [], "default_bp": 0},
                           inspectors__required_qualifications=["食品"])
        pool = [
            inspector("I1", "D99", status="离职"),  # department checked first
            inspector("I2", "D01", status="离职", certificate_no=""),  # status before certificate
            inspector("I3", "D01", certificate_no="", certificate_valid_until=""),
            inspector("I4", "D01", certificate_valid_until=""),
            inspector("I5", "D01", certificate_valid_until="2026-11-30"),  # expired the day before
            inspector("I6", "D01", certificate_valid_until="2026-12-01", qualifications=["药品"]),  # valid on the day
            inspector("I7", "D13", qualifications=["特种设备", "食品"]),
        ]
        res = run_inputs(rules, many(3), pool, [])
        self.assertEqual(res.outcome["ineligible_inspectors"], [
            {"staff_no": "I1", "reason": "department"}, {"staff_no": "I2", "reason": "status"},
            {"staff_no": "I3", "reason": "no_certificate"}, {"staff_no": "I4", "reason": "certificate_unknown"},
            {"staff_no": "I5", "reason": "certificate_expired"}, {"staff_no": "I6", "reason": "qualification"}])


def fake_groups(*member_lists):
    """Groups for §9 tests: each a list of (staff_no, region)."""
    return [([verify.Inspector((s, "", "D01", "Z", "9999-12-31", [], False, region, "在岗")) for s, region in members],
             None) for members in member_lists]


class FakePlan:
    def __init__(self, recused):
        self.recused = recused


class Assignment(unittest.TestCase):
    def rules(self, same_region=False):
        r = verify.Rules(base_rules(inspectors__recuse_same_region=same_region), verify.JsonReader("t"))
        return r

    def test_capacities_balance(self):
        groups = fake_groups([("S1", "")], [("S2", "")])
        targets = [("T%d" % j, "", "") for j in range(5)]
        lists, unassigned = verify.assign_targets(self.rules(), FakePlan({}), groups, targets)
        # c_1 = ⌊5/2⌋ + 1 = 3, c_2 = 2; scan orders alternate 1,2 / 2,1.
        self.assertEqual(lists, [[0, 2, 4], [1, 3]])
        self.assertEqual(unassigned, [])

    def test_one_step_augmenting_path(self):
        # t0 → group 1 (scan 1,2). t1 (scan 2,1) conflicts with group 2 and group 1 is full: the path
        # group 1 --t0--> group 2 moves t0 to group 2 and gives t1 to group 1.
        groups = fake_groups([("S1", "")], [("S2", "")])
        targets = [("T0", "", ""), ("T1", "", "")]
        lists, unassigned = verify.assign_targets(self.rules(), FakePlan({"T1": {"S2"}}), groups, targets)
        self.assertEqual(lists, [[1], [0]])
        self.assertEqual(unassigned, [])

    def test_breadth_first_path_through_second_queued_group(self):
        # 3 groups of capacity 1. t0 → 1, t1 → 2 directly. t2 (scan 3,1,2) conflicts with group 3; queue [1, 2].
        # From group 1, t0 may go nowhere (it conflicts with group 3). From group 2, t1 may go to group 3 (free):
        # t1 moves 2 → 3, t2 goes to group 2.
        groups = fake_groups([("S1", "")], [("S2", "")], [("S3", "")])
        targets = [("T0", "", ""), ("T1", "", ""), ("T2", "", "")]
        recused = {"T0": {"S3"}, "T2": {"S3"}}
        lists, unassigned = verify.assign_targets(self.rules(), FakePlan(recused), groups, targets)
        self.assertEqual(lists, [[0], [2], [1]])
        self.assertEqual(unassigned, [])

    def test_two_step_path_moves_in_order(self):
        # 3 groups, capacity 1 each. t0 → 1, t1 → 2 directly (t1 conflicts with group 1 and 3, so it can't move).
        # t2 (scan 3,1,2) conflicts with 3 and 2: queue [1]. From group 1, t0 (scan 1,2,3) — group 2 is
        # full: queued with parent (1, t0); group 3 is free but t0 conflicts with it... so the path must
        # go 1 → 2 via t0, then 2 → ? via t1: t1 conflicts with 1 and 3 → no path: t2 is unassigned.
        groups = fake_groups([("S1", "")], [("S2", "")], [("S3", "")])
        targets = [("T0", "", ""), ("T1", "", ""), ("T2", "", "")]
        recused = {"T0": {"S3"}, "T1": {"S1", "S3"}, "T2": {"S3", "S2"}}
        lists, unassigned = verify.assign_targets(self.rules(), FakePlan(recused), groups, targets)
        self.assertEqual(lists, [[0], [1], []])
        self.assertEqual(unassigned, [2])
        # If t1 may go to group 3 instead, the two-step path 1 → 2 → 3 succeeds: t1 moves 2 → 3, t0 moves
        # 1 → 2, and t2 takes group 1.
        recused["T1"] = {"S1"}
        lists, unassigned = verify.assign_targets(self.rules(), FakePlan(recused), groups, targets)
        self.assertEqual(lists, [[2], [0], [1]])
        self.assertEqual(unassigned, [])

    def test_same_region_recusal(self):
        groups = fake_groups([("S1", "零陵区")], [("S2", "")])
        targets = [("T0", "", "零陵区"), ("T1", "", "")]
        lists, _ = verify.assign_targets(self.rules(same_region=True), FakePlan({}), groups, targets)
        self.assertEqual(lists, [[1], [0]])
        lists, _ = verify.assign_targets(self.rules(same_region=False), FakePlan({}), groups, targets)
        self.assertEqual(lists, [[0], [1]])

    def test_unassigned_target(self):
        groups = fake_groups([("S1", "")], [("S2", "")])
        targets = [("T0", "", ""), ("T1", "", "")]
        lists, unassigned = verify.assign_targets(self.rules(), FakePlan({"T1": {"S1", "S2"}}), groups, targets)
        self.assertEqual(lists, [[0], []])
        self.assertEqual(unassigned, [1])


class GroupsEndToEnd(unittest.TestCase):
    def test_group_composition(self):
        rules = base_rules(strata="none", quota={"mode": "per_stratum", "counts": [{"stratum": "", "count": 7}]},
                           inspectors__departments=["D01", "D02", "D13"], inspectors__group_size=4,
                           inspectors__groups={"mode": "per_targets", "max_targets": 3},
                           inspectors__leader={"required": True, "qualification": "组长"},
                           inspectors__expert_required=True)
        pool = ([inspector("L%d" % i, "D01", qualifications=["组长"]) for i in range(4)]
                + [inspector("A%d" % i, "D01") for i in range(3)]
                + [inspector("B%d" % i, "D02", expert=(i < 3)) for i in range(5)]
                + [inspector("C%d" % i, "D13") for i in range(5)])
        res = run_inputs(rules, many(9), pool, [])
        groups = res.outcome["groups"]
        self.assertEqual(len(groups), 3)  # ⌈7/3⌉
        by_no = {i["staff_no"]: i for i in pool}
        seen = set()
        for g in groups:
            self.assertEqual(len(g["members"]), 4)
            self.assertEqual(g["members"][0], g["leader"])
            self.assertIn("组长", by_no[g["leader"]]["qualifications"])
            self.assertEqual({by_no[m]["department"] for m in g["members"]}, {"D01", "D02", "D13"})
            self.assertTrue(any(by_no[m]["expert"] for m in g["members"]))
            seen.update(g["members"])
        self.assertEqual(len(seen), 12)
        self.assertEqual(sorted(len(g["targets"]) for g in groups), [2, 2, 3])

    def test_k_zero_skips_feasibility(self):
        rules = base_rules(quota={"mode": "count", "total": 0})
        res = run_inputs(rules, many(3), [], [])
        self.assertEqual(res.outcome["groups"], [])
        self.assertEqual(res.outcome["targets"], [])


class Feasibility(unittest.TestCase):
    def rules(self, **changes):
        return base_rules(strata="none", quota={"mode": "per_stratum", "counts": [{"stratum": "", "count": 2}]},
                          **changes)

    def assert_infeasible(self, subject, rules, pop, pool, recusals=()):
        with self.assertRaises(verify.Infeasible) as cm:
            run_inputs(rules, pop, pool, list(recusals))
        self.assertEqual(cm.exception.subject, subject)
        return cm.exception

    def test_department_without_enough_inspectors(self):
        pool = simple_pool(3, 1)  # D13 has one inspector for two groups
        self.assert_infeasible(("department", "D13"), self.rules(), many(5), pool)

    def test_leader_candidates(self):
        rules = self.rules(inspectors__leader={"required": True, "qualification": "组长"})
        self.assert_infeasible(("department", "D01"), rules, many(5), simple_pool())

    def test_group_size_and_pool(self):
        self.assert_infeasible(("condition", "group_size"), self.rules(inspectors__group_size=1), many(5),
                               simple_pool())
        rules = self.rules(inspectors__leader={"required": True, "qualification": ""},
                           inspectors__expert_required=True)  # needs s ≥ |D| + 1 = 3
        self.assert_infeasible(("condition", "group_size"), rules, many(5), simple_pool())
        self.assert_infeasible(("condition", "pool"), self.rules(inspectors__group_size=4), many(5), simple_pool())
        self.assert_infeasible(("condition", "expert"), self.rules(inspectors__expert_required=True,
                                                                    inspectors__group_size=3), many(5), simple_pool())

    def test_recusal_that_leaves_an_entity_without_a_group(self):
        # Both D13 inspectors are recused from E003: no group could inspect it → infeasible, naming it.
        pool = simple_pool(2, 2)
        recusals = [{"staff_no": "P01", "entity_code": "E003", "reason": "亲属"},
                    {"staff_no": "P02", "entity_code": "E003", "reason": "亲属"}]
        self.assert_infeasible(("entity", "E003"), self.rules(), many(5), pool, recusals)
        # One recused inspector leaves a possible group: feasible.
        run_inputs(self.rules(), many(5), pool, recusals[:1])

    def test_same_region_recusal_feasibility(self):
        rules = self.rules(inspectors__recuse_same_region=True)
        pool = [inspector("L1", "D01", region="零陵区"), inspector("L2", "D01", region="零陵区"),
                inspector("P1", "D13"), inspector("P2", "D13")]
        pop = many(3, region="零陵区")
        self.assert_infeasible(("entity", "E001"), rules, pop, pool)
        pop = many(3, region="冷水滩区")
        run_inputs(rules, pop, pool, [])


class InputErrors(unittest.TestCase):
    def assert_input_error(self, field_part, rules, pop, pool, recusals=()):
        with self.assertRaises(verify.VerifyError) as cm:
            run_inputs(rules, pop, pool, list(recusals))
        self.assertNotIsInstance(cm.exception, verify.Infeasible)
        self.assertIn(field_part, cm.exception.field or "")
        return cm.exception

    def test_population_errors(self):
        rules = base_rules()
        self.assert_input_error("name", rules, [entity("E1", name="e\u0301")], simple_pool())
        self.assert_input_error("name", rules, [entity("E1", name="永州 ")], simple_pool())
        e = self.assert_input_error("code", rules, [entity("E1"), entity("E1")], simple_pool())
        self.assertEqual(e.subject, ("entity", "E1"))
        self.assert_input_error("tags", rules, [entity("E1", tags=["b", "a"])], simple_pool())
        self.assert_input_error("risk_class", rules, [entity("E1", risk_class="E")], simple_pool())
        self.assert_input_error("last_inspected", rules, [entity("E1", last_inspected="2026-02-30")], simple_pool())

    def test_scope_failure_names_the_entity(self):
        rules = base_rules(scope__regions=["零陵区"])
        e = self.assert_input_error("region", rules, [entity("E1", region="零陵区"), entity("E2")], simple_pool())
        self.assertEqual(e.subject, ("entity", "E2"))
        rules = base_rules(scope__risk_classes=["A", "未分类"])
        run_inputs(rules, [entity("E1", risk_class="A"), entity("E2", risk_class="")], simple_pool(), [])
        rules = base_rules(scope__tags_any=["食品经营"])
        e = self.assert_input_error("tags", rules, [entity("E1", tags=["网络交易"])], simple_pool())

    def test_rules_errors(self):
        pop = many(2)
        self.assert_input_error("scope.regions[1]", base_rules(scope__regions=["b", "a"]), pop, simple_pool())
        rules = base_rules()
        rules["extra"] = 1
        self.assert_input_error("extra", rules, pop, simple_pool())
        self.assert_input_error("task.attempt", base_rules(task__attempt=True), pop, simple_pool())
        self.assert_input_error("inspectors.departments[2]", base_rules(inspectors__departments=["D01", "D13", "D02"]),
                                pop, simple_pool())
        self.assert_input_error("algorithm", base_rules(algorithm="fairdraw-draw/2"), pop, simple_pool())
        self.assert_input_error("quota.ratios[1].stratum", base_rules(
            quota={"mode": "ratio", "ratios": [{"stratum": "B", "bp": 1}, {"stratum": "A", "bp": 1}],
                   "default_bp": None}), pop, simple_pool())

    def test_duplicate_staff_and_recusal_pairs(self):
        self.assert_input_error("staff_no", base_rules(), many(2), simple_pool() + [inspector("L01", "D01")])
        recusals = [{"staff_no": "L01", "entity_code": "E001", "reason": "a"},
                    {"staff_no": "L01", "entity_code": "E001", "reason": "b"}]
        self.assert_input_error("entity_code", base_rules(), many(2), simple_pool(), recusals)


class OrderInvariance(unittest.TestCase):
    def test_row_order_never_changes_anything(self):
        rules, pop, pool, recusals = small_inputs()
        a = run_inputs(rules, pop, pool, recusals)
        b = run_inputs(rules, list(reversed(pop)), list(reversed(pool)), list(reversed(recusals)))
        self.assertEqual(a.fingerprints, b.fingerprints)
        self.assertEqual(a.outcome, b.outcome)


def _s(text):
    """str(text) of §2, written out again here so the tests do not lean on verify.py's encoders."""
    b = text.encode("utf-8")
    return struct.pack(">I", len(b)) + b


def _u(n):
    return struct.pack(">I", n)


def _h(data):
    return hashlib.sha256(data).hexdigest()


class SpecLiteralHashes(unittest.TestCase):
    """Every hashed byte string of §4, §5 and §10, assembled literally from the formulas in the test itself.

    verify.py builds these strings by streaming and caching; a slip there (a lost count, a field out of order)
    would not show in producer/verifier round trips, which share the code. These tests catch it.
    """

    def setUp(self):
        self.rules, self.pop, self.pool, self.recusals = small_inputs()
        self.res = run_inputs(self.rules, self.pop, self.pool, self.recusals)

    def test_population(self):
        body = b""
        for e in sorted(self.pop, key=lambda e: e["code"]):
            body += b"".join(_s(e[f]) for f in ("code", "name", "entity_type", "industry", "address", "authority",
                                                "region", "town", "established", "status", "risk_class"))
            body += _u(len(e["tags"])) + b"".join(_s(t) for t in e["tags"]) + _s(e["last_inspected"])
        self.assertEqual(self.res.fingerprints["population"],
                         _h(_s("fairdraw-population/1") + _u(len(self.pop)) + body))

    def test_inspectors(self):
        body = b""
        for i in sorted(self.pool, key=lambda i: i["staff_no"]):
            body += b"".join(_s(i[f]) for f in ("staff_no", "name", "department", "certificate_no",
                                                "certificate_valid_until"))
            body += _u(len(i["qualifications"])) + b"".join(_s(q) for q in i["qualifications"])
            body += (b"\x01" if i["expert"] else b"\x00") + _s(i["region"]) + _s(i["status"])
        self.assertEqual(self.res.fingerprints["inspectors"],
                         _h(_s("fairdraw-inspectors/1") + _u(len(self.pool)) + body))

    def test_recusals(self):
        entries = sorted(self.recusals, key=lambda r: (r["staff_no"], r["entity_code"]))
        body = b"".join(_s(r["staff_no"]) + _s(r["entity_code"]) + _s(r["reason"]) for r in entries)
        self.assertEqual(self.res.fingerprints["recusals"], _h(_s("fairdraw-recusals/1") + _u(len(entries)) + body))

    def rules_bytes(self, r, quota, groups):
        def strs(xs):
            return _u(len(xs)) + b"".join(_s(x) for x in xs)

        ex = r["exclusions"]
        ins = r["inspectors"]
        within = ex["inspected_within_days"]
        reserve = r["reserve_per_stratum"]
        return (_s("fairdraw-rules/1") + _s(r["algorithm"]) + _s(r["task"]["number"]) + _s(r["task"]["name"])
                + _u(r["task"]["attempt"]) + _s(r["draw_date"])
                + b"".join(strs(r["scope"][k]) for k in ("regions", "industries", "entity_types", "risk_classes",
                                                          "tags_any"))
                + strs(ex["statuses"]) + (b"\x00" if within is None else b"\x01" + _u(within))
                + _u(len(ex["entities"])) + b"".join(_s(x["code"]) + _s(x["reason"]) for x in ex["entities"])
                + _s(r["strata"]) + quota + (b"\x00" if reserve is None else b"\x01" + _u(reserve))
                + strs(ins["departments"]) + _u(ins["group_size"]) + groups
                + (b"\x01" if ins["leader"]["required"] else b"\x00") + _s(ins["leader"]["qualification"])
                + (b"\x01" if ins["expert_required"] else b"\x00") + strs(ins["required_qualifications"])
                + strs(ins["active_statuses"]) + (b"\x01" if ins["recuse_same_region"] else b"\x00"))

    def test_rules_every_quota_and_group_mode(self):
        r = self.rules
        quota = _s("ratio") + _u(1) + _s("A") + _u(3000) + b"\x01" + _u(5000)
        self.assertEqual(self.res.fingerprints["rules"], _h(self.rules_bytes(r, quota, _s("fixed") + _u(2))))
        cases = [
            ({"mode": "ratio", "ratios": [], "default_bp": None}, _s("ratio") + _u(0) + b"\x00"),
            ({"mode": "count", "total": 3}, _s("count") + _u(3)),
            ({"mode": "per_stratum", "counts": [{"stratum": "A", "count": 1}, {"stratum": "B", "count": 2}]},
             _s("per_stratum") + _u(2) + _s("A") + _u(1) + _s("B") + _u(2)),
        ]
        for quota_obj, quota_bytes in cases:
            rules = base_rules(quota=quota_obj, reserve_per_stratum=7, exclusions__inspected_within_days=None,
                               inspectors__groups={"mode": "per_targets", "max_targets": 4},
                               inspectors__expert_required=True, inspectors__group_size=3)
            parsed = verify.Rules(rules, verify.JsonReader("t"))
            self.assertEqual(parsed.encode(), self.rules_bytes(rules, quota_bytes, _s("per_targets") + _u(4)))

    def test_inputs_commitment_seed_subseed(self):
        fp = {k: bytes.fromhex(v) for k, v in self.res.fingerprints.items()}
        b = lambda x: _u(len(x)) + x  # noqa: E731
        fp_inputs = hashlib.sha256(_s("fairdraw-inputs/1") + b(fp["population"]) + b(fp["inspectors"])
                                   + b(fp["recusals"]) + b(fp["rules"])).digest()
        self.assertEqual(self.res.fingerprints["inputs"], fp_inputs.hex())
        self.assertEqual(self.res.commitment, _h(_s("fairdraw-commit/1") + b(fp_inputs) + b(SECRET)))
        seed = hashlib.sha256(_s("fairdraw-seed/1") + _s("fairdraw-draw/1") + b(fp_inputs) + b(SECRET)
                              + _u(2) + _s("314159") + _s("271828")).digest()
        self.assertEqual(self.res.seed, seed.hex())
        self.assertEqual(verify.subseed(seed, "stratum", "未分类"),
                         hashlib.sha256(_s("fairdraw-subseed/1") + b(seed) + _s("stratum") + _s("未分类")).digest())

    def test_outcome(self):
        o = self.res.outcome
        seed = bytes.fromhex(o["seed"])

        def lst(xs, f):
            return _u(len(xs)) + b"".join(f(x) for x in xs)

        data = (_s("fairdraw-outcome/1") + _s("fairdraw-draw/1") + _u(32) + seed
                + lst(o["excluded"], lambda x: _s(x["code"]) + _s(x["reason"]))
                + lst(o["strata"], lambda x: _s(x["key"]) + _u(x["size"]) + _u(x["quota"]) + _u(x["reserve"]))
                + lst(o["targets"], lambda x: _s(x["code"]) + _s(x["stratum"])
                      + (b"\x00" if x["group"] is None else b"\x01" + _u(x["group"])))
                + lst(o["reserves"], lambda x: _s(x["code"]) + _s(x["stratum"]))
                + lst(o["ineligible_inspectors"], lambda x: _s(x["staff_no"]) + _s(x["reason"]))
                + lst(o["groups"], lambda x: _u(x["number"]) + _s(x["leader"] or "") + lst(x["members"], _s)
                      + lst(x["targets"], _s))
                + lst(o["unassigned"], _s))
        self.assertEqual(self.res.fingerprints["outcome"], _h(data))
        # The same with an unassigned target and a group without leader, built by hand.
        o2 = {"algorithm": "fairdraw-draw/1", "seed": o["seed"], "excluded": [], "strata": [],
              "targets": [{"code": "X", "stratum": "", "group": None}], "reserves": [], "ineligible_inspectors": [],
              "groups": [{"number": 1, "leader": None, "members": ["a", "b"], "targets": []}], "unassigned": ["X"]}
        data2 = (_s("fairdraw-outcome/1") + _s("fairdraw-draw/1") + _u(32) + seed + _u(0) + _u(0)
                 + _u(1) + _s("X") + _s("") + b"\x00" + _u(0) + _u(0)
                 + _u(1) + _u(1) + _s("") + _u(2) + _s("a") + _s("b") + _u(0) + _u(1) + _s("X"))
        self.assertEqual(verify.outcome_fingerprint(o2, seed).hex(), _h(data2))


class FixedValues(unittest.TestCase):
    """Pinned values of this implementation, so a change to it is noticed (they are not independent evidence)."""

    def test_small_inputs_fingerprints(self):
        rules, pop, pool, recusals = small_inputs()
        res = run_inputs(rules, pop, pool, recusals)
        self.assertEqual(res.outcome["excluded"], [
            {"code": "91431100MA4L00003X", "reason": "explicit"}, {"code": "91431100MA4L00004X", "reason": "status"},
            {"code": "91431100MA4L00005X", "reason": "recently_inspected"}])
        self.assertEqual(strata_of(res), [("A", 4, 2, 2), ("B", 3, 2, 1), ("C", 1, 1, 0), ("未分类", 1, 1, 0)])
        self.assertEqual(res.outcome["ineligible_inspectors"], [
            {"staff_no": "S007", "reason": "department"}, {"staff_no": "S008", "reason": "status"},
            {"staff_no": "S009", "reason": "no_certificate"}, {"staff_no": "S010", "reason": "certificate_unknown"},
            {"staff_no": "S011", "reason": "certificate_expired"}])
        for g in res.outcome["groups"]:
            if "91431100MA4L00001X" in g["targets"]:
                self.assertNotIn("S001", g["members"])


# ---------------------------------------------------------------------------------------------------------
# Bundles: produce, verify, tamper
# ---------------------------------------------------------------------------------------------------------


def run_cli(*args):
    proc = subprocess.run([sys.executable, VERIFY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


class BundleTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-verify-test-")
        self.folder = os.path.join(self.tmp, "bundle")
        rules, pop, pool, recusals = small_inputs()
        self.record = produce_bundle(self.folder, rules, pop, pool, recusals)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def verify_json(self, path):
        code, out, err = run_cli("--json", path)
        return code, json.loads(out)

    def test_folder_and_zip_match(self):
        code, out, _ = run_cli(self.folder)
        self.assertEqual(code, 0, out)
        self.assertIn("一致 / MATCH", out)
        self.assertIn(self.record["seed"], out)
        self.assertIn("commitment: " + self.record["commitment"], out)
        self.assertIn("inputs fingerprint: " + self.record["fingerprints"]["inputs"], out)
        self.assertIn("targets: %d" % len(self.record["outcome"]["targets"]), out)
        zip_path = os.path.join(self.tmp, "b.fairdraw.zip")
        zip_folder(self.folder, zip_path)
        code, report = self.verify_json(zip_path)
        self.assertEqual((code, report["result"], report["seed"]), (0, "match", self.record["seed"]))
        nested = os.path.join(self.tmp, "nested.zip")
        zip_folder(self.folder, nested, prefix="record/")
        self.assertEqual(self.verify_json(nested)[0], 0)

    def tamper(self, name, old, new, count=1, same_length=True):
        path = os.path.join(self.folder, name)
        with open(path, "rb") as f:
            data = f.read()
        old_b, new_b = old.encode("utf-8"), new.encode("utf-8")
        if same_length:
            self.assertEqual(len(old_b), len(new_b))
        self.assertGreaterEqual(data.count(old_b), count, "%r not in %s" % (old, name))
        with open(path, "wb") as f:
            f.write(data.replace(old_b, new_b, count))

    def assert_first_difference(self, field):
        code, report = self.verify_json(self.folder)
        self.assertEqual(code, 3, report)
        self.assertEqual(report["result"], "mismatch")
        self.assertEqual(report["difference"]["field"], field)
        return report["difference"]

    def test_tamper_population(self):
        self.tamper("population.csv", "冷水滩区某某超市", "冷水滩区某某商店")
        self.assert_first_difference("fingerprints.population")

    def test_tamper_population_status_changes_fingerprint_not_silently(self):
        self.tamper("population.csv", "91431100MA4L00007X", "91431100MA4L00007Y")
        self.assert_first_difference("fingerprints.population")

    def test_tamper_inspectors(self):
        self.tamper("inspectors.csv", "张三", "张四")
        self.assert_first_difference("fingerprints.inspectors")

    def test_tamper_recusals(self):
        self.tamper("recusals.csv", "近亲属", "远亲属")
        self.assert_first_difference("fingerprints.recusals")

    def test_tamper_rules(self):
        self.tamper("bundle.json", "联合抽查", "联合检查")
        self.assert_first_difference("fingerprints.rules")

    def test_tamper_secret_commitment_seed_entropy(self):
        s = self.record["secret"]
        self.tamper("bundle.json", s, s[:-1] + ("0" if s[-1] != "0" else "1"))
        self.assert_first_difference("commitment")

    def test_tamper_commitment(self):
        c = self.record["commitment"]
        self.tamper("bundle.json", c, ("0" if c[0] != "0" else "1") + c[1:])
        d = self.assert_first_difference("commitment")
        self.assertEqual(d["expected"], c)

    def test_tamper_entropy(self):
        self.tamper("bundle.json", "\"314159\"", "\"314158\"")
        self.assert_first_difference("seed")

    def test_tamper_seed(self):
        seed = self.record["seed"]
        self.tamper("bundle.json", "\"seed\": \"%s\"" % seed, "\"seed\": \"%s\"" % (seed[:-1] + ("a" if seed[-1] != "a" else "b")))
        self.assert_first_difference("seed")

    def test_tamper_outcome_target(self):
        targets = self.record["outcome"]["targets"]
        reserve = self.record["outcome"]["reserves"][0]["code"]
        record = copy.deepcopy(self.record)
        record["outcome"]["targets"][1]["code"] = reserve
        write_json(os.path.join(self.folder, "bundle.json"), record)
        d = self.assert_first_difference("outcome.targets[1].code")
        self.assertEqual((d["expected"], d["recorded"]), (targets[1]["code"], reserve))

    def test_tamper_outcome_group_member_and_length(self):
        record = copy.deepcopy(self.record)
        record["outcome"]["groups"][1]["members"].append("S006")
        write_json(os.path.join(self.folder, "bundle.json"), record)
        d = self.assert_first_difference("outcome.groups[1].members[%d]" % len(self.record["outcome"]["groups"][1]["members"]))
        self.assertIsNone(d["expected"])
        self.assertEqual(d["recorded"], "S006")

    def test_tamper_outcome_group_type(self):
        record = copy.deepcopy(self.record)
        record["outcome"]["targets"][0]["group"] = str(record["outcome"]["targets"][0]["group"])
        write_json(os.path.join(self.folder, "bundle.json"), record)
        self.assert_first_difference("outcome.targets[0].group")

    def test_tamper_outcome_fingerprint(self):
        fp = self.record["fingerprints"]["outcome"]
        self.tamper("bundle.json", fp, fp[::-1])
        self.assert_first_difference("fingerprints.outcome")

    def test_shuffled_rows_still_match(self):
        path = os.path.join(self.folder, "population.csv")
        with open(path, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        header, rows = lines[0], [line for line in lines[1:] if line]
        # The name with an embedded quote and comma stays one line; reverse the order of rows.
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join([header] + rows[::-1]) + "\n")
        code, report = self.verify_json(self.folder)
        self.assertEqual(code, 0, report)
        self.assertIn("not in canonical order", report["note"])

    def test_errors_are_reported_in_canonical_order(self):
        # §8.5: input errors in the population come in canonical order, even when the rows are not: the row of
        # 91431100MA4L00002X (line 3 after the swap) is reported, not the earlier line of ...00007X.
        path = os.path.join(self.folder, "population.csv")
        with open(path, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        lines[2], lines[7] = lines[7], lines[2]
        self.assertTrue(lines[2].startswith("91431100MA4L00007X") and lines[7].startswith("91431100MA4L00002X"))
        lines[2] = lines[2].replace("企业91431100MA4L00007X", "企业 ")
        lines[7] = lines[7].replace("冷水滩区某某超市", "冷水滩区某某超市\u3000")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))
        code, report = self.verify_json(self.folder)
        self.assertEqual((code, report["error"]["line"], report["error"]["field"]), (1, 8, "name"))
        self.assertIn("white space", report["error"]["message_en"])

    def test_column_order_does_not_matter(self):
        path = os.path.join(self.folder, "recusals.csv")
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([[r[2], r[0], r[1]] for r in rows])
        self.assertEqual(self.verify_json(self.folder)[0], 0)

    def test_invalid_utf8_is_reported_with_line_and_column(self):
        path = os.path.join(self.folder, "population.csv")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        lines[3] = lines[3][:5] + b"\xff" + lines[3][6:]
        with open(path, "wb") as f:
            f.write(b"\n".join(lines))
        code, report = self.verify_json(self.folder)
        self.assertEqual(code, 1)
        self.assertEqual((report["error"]["file"], report["error"]["line"], report["error"]["column"]),
                         ("population.csv", 4, 6))
        code, out, _ = run_cli(self.folder)
        self.assertIn("INVALID BUNDLE", out)
        self.assertIn("population.csv, 行 line 4, 列 column 6", out)

    def test_non_nfc_cell_is_reported_with_its_column(self):
        path = os.path.join(self.folder, "inspectors.csv")
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text.replace("张三", "Ame\u0301lie"))
        code, report = self.verify_json(self.folder)
        self.assertEqual(code, 1)
        e = report["error"]
        self.assertEqual((e["file"], e["line"], e["column"], e["field"]), ("inspectors.csv", 2, 2, "name"))
        self.assertIn("NFC", e["message_en"])

    def test_bad_json_and_missing_file(self):
        with open(os.path.join(self.folder, "bundle.json"), "r+", encoding="utf-8") as f:
            text = f.read()
            f.seek(0)
            f.write(text.replace("\"format\"", "\"format\" ,", 1))
            f.truncate()
        code, report = self.verify_json(self.folder)
        self.assertEqual(code, 1)
        self.assertEqual((report["error"]["file"], report["error"]["line"]), ("bundle.json", 2))
        os.remove(os.path.join(self.folder, "recusals.csv"))
        write_json(os.path.join(self.folder, "bundle.json"), self.record)
        code, report = self.verify_json(self.folder)
        self.assertEqual((code, report["error"]["file"]), (1, "recusals.csv"))

    def test_csv_wrong_column_count_and_expert_value(self):
        self.tamper("inspectors.csv", ",false,", ",fakse,")
        code, report = self.verify_json(self.folder)
        self.assertEqual((code, report["error"]["field"], report["error"]["column"]), (1, "expert", 7))
        self.tamper("inspectors.csv", ",fakse,", ",false,,", same_length=False)
        code, report = self.verify_json(self.folder)
        self.assertEqual((code, report["error"]["line"]), (1, 2))
        self.assertIn("columns", report["error"]["message_en"])

    def test_infeasible_rules_in_a_bundle_are_a_mismatch(self):
        record = copy.deepcopy(self.record)
        record["rules"]["inspectors"]["group_size"] = 9
        write_json(os.path.join(self.folder, "bundle.json"), record)
        d = self.assert_first_difference("fingerprints.rules")
        self.assertNotEqual(d["expected"], d["recorded"])

    def test_bundle_with_infeasible_rules_is_a_mismatch_at_outcome(self):
        folder = os.path.join(self.tmp, "infeasible")
        record = produce_bundle(folder, base_rules(), many(3), simple_pool(3, 1), [], allow_infeasible=True)
        self.assertEqual(record["_infeasible"].subject, ("department", "D13"))
        code, report = self.verify_json(folder)
        self.assertEqual((code, report["difference"]["field"]), (3, "outcome"))
        self.assertTrue(report["difference"]["expected"].startswith("infeasible: department D13"))

    def test_usage(self):
        self.assertEqual(run_cli()[0], 2)
        self.assertEqual(run_cli(self.folder, "--vectors", self.tmp)[0], 2)
        self.assertEqual(run_cli(os.path.join(self.tmp, "nope"))[0], 1)


class Vectors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-vectors-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, vector):
        write_json(os.path.join(self.tmp, name), vector)

    def test_pass_fail_and_expected_errors(self):
        rules, pop, pool, recusals = small_inputs()
        res = run_inputs(rules, pop, pool, recusals)
        good = vector_of(rules, pop, pool, recusals)
        good["expected"] = {"fingerprints": res.fingerprints, "commitment": res.commitment, "seed": res.seed,
                            "outcome": res.outcome}
        self.write("a-good.json", good)
        # Null for missing values and list fields given as JSON text are read tolerantly.
        tolerant = copy.deepcopy(good)
        for e in tolerant["input"]["population"]:
            for f in ("address", "town"):
                if e[f] == "":
                    e[f] = None
        self.write("b-tolerant.json", tolerant)
        bad = copy.deepcopy(good)
        bad["expected"]["outcome"]["groups"][0]["leader"] = "S999"
        self.write("c-bad.json", bad)
        infeasible = vector_of(base_rules(), many(3), simple_pool(3, 1), [])
        infeasible["expected_error"] = {"kind": "infeasible", "department": "D13"}
        self.write("d-error.json", infeasible)
        wrong_name = copy.deepcopy(infeasible)
        wrong_name["expected_error"]["department"] = "D01"
        self.write("e-error-wrong-name.json", wrong_name)
        condition = vector_of(base_rules(inspectors__group_size=1), many(3), simple_pool(), [])
        condition["description"] = "group size below 2"
        condition["expected_error"] = {"kind": "infeasible", "condition": "group_size"}
        self.write("d-error-condition.json", condition)
        # The vectors' own `code` and `field` members (§13 leaves them open) are compared too.
        by_code = vector_of(base_rules(inspectors__group_size=4), many(3), simple_pool(), [])
        by_code["name"] = "pool"
        by_code["expected_error"] = {"kind": "infeasible", "code": "inspectors"}
        self.write("g-code.json", by_code)
        wrong_code = copy.deepcopy(by_code)
        wrong_code["expected_error"]["code"] = "experts"
        self.write("h-wrong-code.json", wrong_code)
        at_field = vector_of(base_rules(), [entity("E1", name="e\u0301")], simple_pool(), [])
        at_field["expected_error"] = {"kind": "input", "code": "not_nfc", "field": "population[0].name"}
        self.write("i-field.json", at_field)
        wrong_field = copy.deepcopy(at_field)
        wrong_field["expected_error"]["field"] = "population[0].address"
        self.write("j-wrong-field.json", wrong_field)
        not_refused = copy.deepcopy(good)
        del not_refused["expected"]
        not_refused["expected_error"] = {"kind": "input"}
        self.write("f-not-refused.json", not_refused)

        code, out, _ = run_cli("--vectors", self.tmp, "--json")
        self.assertEqual(code, 3)
        results = {r["file"]: r for r in json.loads(out)["vectors"]}
        self.assertEqual({f: r["pass"] for f, r in results.items()}, {
            "a-good.json": True, "b-tolerant.json": True, "c-bad.json": False, "d-error.json": True,
            "d-error-condition.json": True, "g-code.json": True, "h-wrong-code.json": False, "i-field.json": True,
            "j-wrong-field.json": False,
            "e-error-wrong-name.json": False, "f-not-refused.json": False})
        self.assertIn("expected.outcome.groups[0].leader", results["c-bad.json"]["message"])

        self.assertIn("note: expected_error names no subject", results["g-code.json"]["message"])
        self.assertIn("at population[0].address, it is at input.population[0].name", results["j-wrong-field.json"]["message"])
        for f in ("c-bad.json", "e-error-wrong-name.json", "f-not-refused.json", "h-wrong-code.json",
                  "j-wrong-field.json"):
            os.remove(os.path.join(self.tmp, f))
        code, out, _ = run_cli("--vectors", self.tmp)
        self.assertEqual(code, 0, out)
        self.assertIn("6 个通过 / passed, 0 个失败 / failed", out)


# ---------------------------------------------------------------------------------------------------------
# §15: the journal and the record hash, on a ceremony bundle exported by the Rust fairdraw
# ---------------------------------------------------------------------------------------------------------

# Made with `python3 tools/crosscheck.py --fixture tools/testdata/ceremony.fairdraw.zip`: a task with one voided
# attempt (voided after its commitment), then a sealed attempt with a recording, two witnesses, and after the
# seal a video, a used reserve and a marker. Kept as it was exported: old records must stay verifiable.
CEREMONY_FIXTURE = os.path.join(HERE, "testdata", "ceremony.fairdraw.zip")


def _q(n):
    return struct.pack(">Q", n)


def _b(data):
    return _u(len(data)) + data


def hand_entry_hash(e):
    """§15.1 `journal_entry` of a bundle's event, written out again here from the formula."""
    return _h(_s("fairdraw-journal/1") + _q(e["seq"]) + _s(e["at"]) + _s(e["event"]) + _q(e["ceremony_id"] or 0)
              + _s(e["payload"]) + _b(bytes.fromhex(e["prev_hash"])))


def hand_record_hash(d):
    """§15.2 `record` from a bundle's values as §15.3 lists them, written out again here from the formula."""
    a, fp, x = d["attempt"], d["fingerprints"], bytes.fromhex
    witnesses = b"".join(_s(w["name"]) + _s(w["role"]) + _s(w["unit"]) + _s(w["entropy"]) for w in d["witnesses"])
    voided = b"".join(_u(v["attempt"]) + _s(v["reason"]) + _s(v["operator"]) + _s(v["voided_at"])
                      for v in a["voided_attempts"])
    return _h(_s("fairdraw-record/1") + _b(x(fp["inputs"])) + _b(x(d["commitment"])) + _b(x(d["secret"]))
              + _u(len(d["witnesses"])) + witnesses + _b(x(d["seed"])) + _b(x(fp["outcome"]))
              + _s(d["rules"]["task"]["number"]) + _u(d["rules"]["task"]["attempt"])
              + _u(len(a["voided_attempts"])) + voided
              + _s(a["operator"]) + _s(a["sealed_at"]) + _b(x(a["journal_head"])))


def _bump_digit(text):
    """`text` with its last ASCII digit changed (one byte of the payload, which stays valid JSON)."""
    k = max(i for i, c in enumerate(text) if c in "0123456789")
    return text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1:]


def _flip_hex(h):
    return ("1" if h[0] == "0" else "0") + h[1:]


def _has_digit(e):
    return any(c in "0123456789" for c in e["payload"])


def ceremony_tampers(data, rnd=None):
    """Tampered versions of a ceremony bundle's bundle.json, with the field verify.py must report for each:
    a list of (name, mutate(data), field). With `rnd`, the altered entries are chosen at random."""
    pick = (lambda xs: xs[0]) if rnd is None else rnd.choice
    events = data["events"]
    tampers = []

    def witness_name(d):
        d["witnesses"][0]["name"] += "甲"

    # The journal's witness_added entry still holds the witness's name.
    tampers.append(("a witness's name", witness_name, "witnesses[0].name"))

    i = pick([k for k, e in enumerate(events) if _has_digit(e)])

    def payload_byte(d, i=i):
        d["events"][i]["payload"] = _bump_digit(d["events"][i]["payload"])

    tampers.append(("one byte of the payload of seq %d" % events[i]["seq"], payload_byte, "events[%d].hash" % i))

    j = pick([k for k in range(len(events) - 1) if events[k + 1]["seq"] == events[k]["seq"] + 1 and _has_digit(events[k])])

    def payload_byte_rehashed(d, j=j):
        e = d["events"][j]
        e["payload"] = _bump_digit(e["payload"])
        e["hash"] = hand_entry_hash(e)

    tampers.append(("one byte of the payload of seq %d, its hash recomputed" % events[j]["seq"], payload_byte_rehashed,
                    "events[%d].prev_hash" % (j + 1)))

    def journal_head(d):
        d["attempt"]["journal_head"] = _flip_hex(d["attempt"]["journal_head"])

    tampers.append(("journal_head", journal_head, "attempt.journal_head"))

    voided = data["attempt"]["voided_attempts"]
    if voided:
        def voided_removed(d):
            del d["attempt"]["voided_attempts"][-1]

        tampers.append(("the last voided attempt removed", voided_removed,
                        "attempt.voided_attempts[%d]" % (len(voided) - 1)))
        number = pick(voided)["attempt"]

        def voided_entries_removed(d, number=number):
            d["events"] = [e for e in d["events"] if json.loads(e["payload"]).get("attempt") != number]

        tampers.append(("the journal entries of voided attempt %d removed" % number, voided_entries_removed,
                        "attempt.voided_attempts[%d]" % (number - 1)))

    def record_hash(d):
        d["attempt"]["record_hash"] = _flip_hex(d["attempt"]["record_hash"])

    tampers.append(("record_hash", record_hash, "attempt.record_hash"))
    return tampers


def run_tamper(folder, original, mutate):
    """Verify the bundle folder with a mutated bundle.json (restored afterwards); returns the field of the first
    difference, or "match" / "invalid: …"."""
    data = copy.deepcopy(original)
    mutate(data)
    path = os.path.join(folder, "bundle.json")
    write_json(path, data)
    try:
        code, report = verify.verify_bundle(folder)
    finally:
        write_json(path, original)
    if code == verify.EXIT_MISMATCH:
        return report["difference"]["field"]
    if code == verify.EXIT_INVALID:
        return "invalid: %s (%s)" % (report["error"]["message_en"], report["place"])
    return report["result"]


class CeremonySpecLiteral(unittest.TestCase):
    """The byte strings of §15.1 and §15.2, assembled by hand in the test, against verify.py's builders; then
    the same hand-made formulas against every hash the Rust fairdraw wrote into a real bundle."""

    def test_journal_entry_bytes(self):
        prev = bytes(range(32))
        payload = '{"ceremony":3,"name":"王𠮷","digits":"314159"}'
        expected = (bytes.fromhex("00000012") + b"fairdraw-journal/1"
                    + bytes.fromhex("0000000000000007")
                    + bytes.fromhex("0000001d") + b"2026-06-10T09:02:00.000+08:00"
                    + bytes.fromhex("0000000d") + b"witness_added"
                    + bytes.fromhex("0000000000000003")
                    + struct.pack(">I", len(payload.encode("utf-8"))) + payload.encode("utf-8")
                    + bytes.fromhex("00000020") + prev)
        self.assertEqual(len(payload.encode("utf-8")), 49)  # 42 ASCII bytes, 王 3 bytes, 𠮷 4 bytes
        self.assertEqual(verify.journal_entry_bytes(7, "2026-06-10T09:02:00.000+08:00", "witness_added", 3, payload,
                                                    prev), expected)
        # No ceremony: u64(0). seq 1 starts from 32 zero bytes.
        none = verify.journal_entry_bytes(1, "2026-06-10T09:00:00.000+08:00", "plan_created", None, "{}", bytes(32))
        self.assertEqual(none, _s("fairdraw-journal/1") + _q(1) + _s("2026-06-10T09:00:00.000+08:00")
                         + _s("plan_created") + bytes(8) + _s("{}") + _u(32) + bytes(32))
        self.assertEqual(none[-50:-42], bytes(8))  # u64(0) before str("{}") and bytes(prev_hash)

    def test_record_bytes(self):
        h = [bytes([k]) * 32 for k in range(1, 7)]
        witnesses = [("李明", "人大代表", "永州市人大常委会", "314159"), ("王𠮷", "公证员", "", "2718281828")]
        voided = [(1, "停电", "张三", "2026-06-10T09:05:00.000+08:00")]
        got = verify.record_bytes(h[0], h[1], h[2], witnesses, h[3], h[4], "永市监抽〔2026〕3号", 2, voided, "张三",
                                  "2026-06-10T09:30:00.000+08:00", h[5])
        expected = (_s("fairdraw-record/1") + _u(32) + h[0] + _u(32) + h[1] + _u(32) + h[2]
                    + _u(2) + _s("李明") + _s("人大代表") + _s("永州市人大常委会") + _s("314159")
                    + _s("王𠮷") + _s("公证员") + bytes.fromhex("00000000") + _s("2718281828")
                    + _u(32) + h[3] + _u(32) + h[4] + _s("永市监抽〔2026〕3号") + bytes.fromhex("00000002")
                    + _u(1) + bytes.fromhex("00000001") + _s("停电") + _s("张三") + _s("2026-06-10T09:05:00.000+08:00")
                    + _s("张三") + _s("2026-06-10T09:30:00.000+08:00") + _u(32) + h[5])
        self.assertEqual(got, expected)
        self.assertEqual(_s("王𠮷"), bytes.fromhex("00000007e78e8bf0a0aeb7"))
        # No voided attempt: list length 0.
        first = verify.record_bytes(h[0], h[1], h[2], witnesses[:1], h[3], h[4], "X", 1, [], "张三", "t", h[5])
        self.assertIn(bytes.fromhex("00000001") + _u(0) + _s("张三") + _s("t"), first)

    def test_every_hash_of_a_real_bundle_by_hand(self):
        with zipfile.ZipFile(CEREMONY_FIXTURE) as z:
            data = json.loads(z.read("bundle.json").decode("utf-8"))
        events = data["events"]
        self.assertGreater(len(events), 20)
        for e in events:
            self.assertEqual(hand_entry_hash(e), e["hash"], "seq %d" % e["seq"])
        for a, b in zip(events, events[1:]):
            if b["seq"] == a["seq"] + 1:
                self.assertEqual(b["prev_hash"], a["hash"])
        sealed = [e for e in events if e["event"] == "ceremony_sealed"]
        self.assertEqual(len(sealed), 1)
        self.assertEqual(data["attempt"]["journal_head"], sealed[0]["prev_hash"])
        self.assertEqual(hand_record_hash(data), data["attempt"]["record_hash"])
        self.assertEqual(data["attempt"]["number"], data["rules"]["task"]["attempt"])
        self.assertEqual([v["attempt"] for v in data["attempt"]["voided_attempts"]], [1])


class CeremonyBundleTests(unittest.TestCase):
    """verify.py on the fixture exported by fairdraw, untouched and tampered with."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fairdraw-ceremony-test-")
        self.folder = os.path.join(self.tmp, "bundle")
        with zipfile.ZipFile(CEREMONY_FIXTURE) as z:
            z.extractall(self.folder)
        with open(os.path.join(self.folder, "bundle.json"), encoding="utf-8") as f:
            self.data = json.load(f)
        self.record_hash = self.data["attempt"]["record_hash"]

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def tampered(self, mutate, paper=None):
        """Verify (in this process) the bundle with `mutate` applied to its bundle.json."""
        data = copy.deepcopy(self.data)
        mutate(data)
        write_json(os.path.join(self.folder, "bundle.json"), data)
        code, report = verify.verify_bundle(self.folder, paper)
        report.pop("_display", None)
        return code, json.loads(json.dumps(report))

    def test_untampered_bundle_matches_with_its_paper_record_hash(self):
        code, out, _ = run_cli(CEREMONY_FIXTURE)
        self.assertEqual(code, 0, out)
        self.assertIn("一致 / MATCH", out)
        self.assertIn("记录哈希 / record hash: " + self.record_hash, out)
        sealed = [e["seq"] for e in self.data["events"] if e["event"] == "ceremony_sealed"][0]
        self.assertIn("%d entries re-hashed" % len(self.data["events"]), out)
        self.assertIn("sealed at seq %d" % sealed, out)
        self.assertNotIn("paper record", out)
        # The number as printed on paper: in groups of 8, upper-case.
        printed = " ".join(self.record_hash[k:k + 8].upper() for k in range(0, 64, 8))
        code, out, _ = run_cli(CEREMONY_FIXTURE, "--record-hash", printed)
        self.assertEqual(code, 0, out)
        self.assertIn("纸质记录 / paper record: 记录哈希一致 / the record hash matches", out)
        code, out, _ = run_cli("--json", "--record-hash", self.record_hash, self.folder)
        report = json.loads(out)
        self.assertEqual((code, report["result"]), (0, "match"))
        self.assertEqual(report["record_hash"], {"recomputed": self.record_hash, "recorded": self.record_hash})
        self.assertEqual(report["paper_record_hash"], {"paper": self.record_hash, "matches": True})
        links = sum(1 for a, b in zip(self.data["events"], self.data["events"][1:]) if b["seq"] == a["seq"] + 1)
        self.assertEqual(report["journal"], {"entries": len(self.data["events"]), "links": links, "sealed_seq": sealed})
        self.assertLess(links, len(self.data["events"]) - 1)  # the other tasks' entries are not in the bundle

    def test_a_different_paper_record(self):
        other = _flip_hex(self.record_hash)
        code, out, _ = run_cli("--json", "--record-hash", other, CEREMONY_FIXTURE)
        report = json.loads(out)
        self.assertEqual((code, report["difference"]["field"]), (3, "paper.record_hash"))
        self.assertEqual((report["difference"]["expected"], report["difference"]["recorded"]), (self.record_hash, other))
        self.assertFalse(report["paper_record_hash"]["matches"])
        code, out, _ = run_cli("--record-hash", other, CEREMONY_FIXTURE)
        self.assertIn("不一致 / MISMATCH", out)
        self.assertIn("first difference: paper.record_hash", out)
        self.assertIn("not the record of the same draw", out)

    def test_paper_record_hash_forms(self):
        h = self.record_hash
        self.assertEqual(verify.paper_record_hash(h.upper()), h)
        self.assertEqual(verify.paper_record_hash("%s-%s\n%s:%s" % (h[:16], h[16:32], h[32:48], h[48:])), h)
        self.assertEqual(verify.paper_record_hash("fairdraw record 永市监抽〔2026〕1号 " + h), h)
        self.assertIsNone(verify.paper_record_hash(h[:-1]))
        self.assertIsNone(verify.paper_record_hash(h + " " + h))
        self.assertIsNone(verify.paper_record_hash(h + "0"))
        self.assertEqual(run_cli("--record-hash", h[:-1], CEREMONY_FIXTURE)[0], 2)
        self.assertEqual(run_cli("--record-hash", h, "--vectors", self.tmp)[0], 2)

    def test_each_tamper_is_reported_at_its_field(self):
        names = []
        for name, mutate, field in ceremony_tampers(self.data):
            names.append(name)
            with self.subTest(name):
                self.assertEqual(run_tamper(self.folder, self.data, mutate), field)
        self.assertEqual(len(names), 7)
        self.assertEqual(run_tamper(self.folder, self.data, lambda d: None), "match")

    def test_changed_witness_name_names_the_journal_entry(self):
        added = [e for e in self.data["events"] if e["event"] == "witness_added"
                 and json.loads(e["payload"])["attempt"] == self.data["attempt"]["number"]]
        name = self.data["witnesses"][0]["name"]
        code, report = self.tampered(lambda d: d["witnesses"][0].update(name=name + "甲"))
        d = report["difference"]
        self.assertEqual((code, d["field"], d["seq"], d["expected"], d["recorded"]),
                         (3, "witnesses[0].name", added[0]["seq"], name, name + "甲"))
        self.assertIn("witness_added", d["note_en"])
        # Only the copy in `attempt` changed: the record hash still matches, the copy is reported.
        code, report = self.tampered(lambda d: d["attempt"]["witnesses"][0].update(name="某人"))
        self.assertEqual((code, report["difference"]["field"]), (3, "attempt.witnesses[0].name"))

    def test_changed_payload_byte_names_the_entry(self):
        events = self.data["events"]
        k = [i for i, e in enumerate(events) if e["event"] == "entropy_added"][0]
        code, report = self.tampered(lambda d: d["events"][k].update(payload=_bump_digit(events[k]["payload"])))
        d = report["difference"]
        self.assertEqual((code, d["field"], d["seq"], d["recorded"]), (3, "events[%d].hash" % k, events[k]["seq"],
                                                                       events[k]["hash"]))
        self.assertIn("the entry was altered", d["note_en"])
        code, out, _ = run_cli(self.folder)
        self.assertIn("journal entry: seq %d" % events[k]["seq"], out)

    def test_changed_journal_head(self):
        sealed = [e for e in self.data["events"] if e["event"] == "ceremony_sealed"][0]
        code, report = self.tampered(lambda d: d["attempt"].update(journal_head="ab" * 32))
        d = report["difference"]
        self.assertEqual((code, d["field"], d["expected"], d["recorded"], d["seq"]),
                         (3, "attempt.journal_head", sealed["prev_hash"], "ab" * 32, sealed["seq"]))
        self.assertIn("seq %d" % (sealed["seq"] - 1), d["note_en"])

    def test_removed_voided_attempt(self):
        code, report = self.tampered(lambda d: d["attempt"].update(voided_attempts=[]))
        d = report["difference"]
        self.assertEqual((code, d["field"], d["expected"]), (3, "attempt.voided_attempts[0]", {"attempt": 1}))
        self.assertIn("attempt 2 comes after 1 voided attempts", d["note_en"])
        # Also with the record hash recomputed to fit: the journal of the voided attempt is still there.
        def rewrite(d):
            d["attempt"]["voided_attempts"] = []
            d["attempt"]["record_hash"] = hand_record_hash(d)
        code, report = self.tampered(rewrite)
        self.assertEqual(report["difference"]["field"], "attempt.voided_attempts[0]")
        # A changed reason: the void's journal entry holds the reason (and the record hash covers it).
        code, report = self.tampered(lambda d: d["attempt"]["voided_attempts"][0].update(reason="其他原因"))
        self.assertEqual((code, report["difference"]["field"]), (3, "attempt.voided_attempts[0].reason"))

    def test_attempt_number_operator_and_sealed_at(self):
        code, report = self.tampered(lambda d: d["attempt"].update(number=3))
        self.assertEqual((code, report["difference"]["field"], report["difference"]["expected"]),
                         (3, "attempt.number", 2))
        code, report = self.tampered(lambda d: d["attempt"].update(operator="李四"))
        self.assertEqual(report["difference"]["field"], "attempt.operator")
        code, report = self.tampered(lambda d: d["attempt"].update(sealed_at="2026-01-01T00:00:00.000+08:00"))
        self.assertEqual(report["difference"]["field"], "attempt.sealed_at")

    def test_reordered_and_repeated_entries(self):
        def swap(d):
            d["events"][3], d["events"][4] = d["events"][4], d["events"][3]
        code, report = self.tampered(swap)
        self.assertEqual((code, report["difference"]["field"]), (3, "events[4].seq"))
        code, report = self.tampered(lambda d: d["events"].insert(5, copy.deepcopy(d["events"][5])))
        self.assertEqual((code, report["difference"]["field"]), (3, "events[6].seq"))

    def test_a_consistent_rewrite_is_caught_only_by_the_paper_record(self):
        # Rename a witness everywhere, recompute every journal hash from that entry on, the journal head, the
        # sealed entry's copies and the record hash: the bundle is consistent again. The record hash printed
        # on the signed paper record is what still tells.
        def rewrite(d):
            old = d["witnesses"][0]["name"]
            new = old + "甲"
            d["witnesses"][0]["name"] = new
            d["attempt"]["witnesses"][0]["name"] = new
            events = d["events"]
            first = None
            for k, e in enumerate(events):
                if old in e["payload"] and json.loads(e["payload"])["attempt"] == d["attempt"]["number"]:
                    e["payload"] = e["payload"].replace(old, new)
                    first = k if first is None else first
            sealed = [k for k, e in enumerate(events) if e["event"] == "ceremony_sealed"][0]
            for k in range(first, len(events)):
                e = events[k]
                if k > first and e["seq"] == events[k - 1]["seq"] + 1:
                    e["prev_hash"] = events[k - 1]["hash"]
                if k == sealed:
                    d["attempt"]["journal_head"] = e["prev_hash"]
                    d["attempt"]["record_hash"] = hand_record_hash(d)
                    payload = json.loads(e["payload"])
                    payload.update(journal_head=d["attempt"]["journal_head"], record_hash=d["attempt"]["record_hash"])
                    e["payload"] = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
                e["hash"] = hand_entry_hash(e)
        code, report = self.tampered(rewrite)
        self.assertEqual((code, report["result"]), (0, "match"), report)
        self.assertNotEqual(report["record_hash"]["recomputed"], self.record_hash)
        code, report = self.tampered(rewrite, paper=self.record_hash)
        self.assertEqual((code, report["difference"]["field"], report["difference"]["recorded"]),
                         (3, "paper.record_hash", self.record_hash))

    def test_journal_and_draw_values_agree(self):
        # A bundle whose secret was replaced and everything recomputed (commitment, seed, outcome) would match
        # the draw check; the journal still holds the commitment published before the witnesses spoke.
        k = [i for i, e in enumerate(self.data["events"]) if e["event"] == "seed_derived"][0]

        def forge(d):
            payload = json.loads(d["events"][k]["payload"])
            payload["seed"] = "00" * 32
            d["events"][k]["payload"] = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            d["events"][k]["hash"] = hand_entry_hash(d["events"][k])
        code, report = self.tampered(forge)
        # The rewritten entry breaks the link to the next one first.
        self.assertEqual(report["difference"]["field"], "events[%d].prev_hash" % (k + 1))
        data = copy.deepcopy(self.data)
        forge(data)
        cer = verify.CeremonyRecord(data, verify.JsonReader("bundle.json"))
        d, _ = verify.check_ceremony(data, cer, hand_record_hash(data))
        self.assertEqual(d.field, "events[%d].prev_hash" % (k + 1))
        del data["events"][k + 1:]
        cer = verify.CeremonyRecord(data, verify.JsonReader("bundle.json"))
        this = [e for e in cer.events if e.ceremony_id == cer.ceremony]
        self.assertEqual(verify._check_journal_against_draw(data, this).field, "seed")

    def test_malformed_ceremony_members_are_invalid(self):
        code, report = self.tampered(lambda d: d.pop("events"))
        self.assertEqual((code, report["error"]["field"]), (1, "events"))
        code, report = self.tampered(lambda d: d["events"][2].update(at="2026-06-10 09:02:00"))
        self.assertEqual((code, report["error"]["field"]), (1, "events[2].at"))
        code, report = self.tampered(lambda d: d["events"][2].update(payload="[1,2]"))
        self.assertEqual((code, report["error"]["field"]), (1, "events[2].payload"))
        code, report = self.tampered(lambda d: d["events"][2].update(extra=1))
        self.assertEqual((code, report["error"]["field"]), (1, "events[2].extra"))
        code, report = self.tampered(lambda d: d["attempt"].update(record_hash=self.record_hash.upper()))
        self.assertEqual((code, report["error"]["field"]), (1, "attempt.record_hash"))

    def test_bundle_without_ceremony_and_a_paper_record_hash(self):
        folder = os.path.join(self.tmp, "plain")
        rules, pop, pool, recusals = small_inputs()
        produce_bundle(folder, rules, pop, pool, recusals)
        code, out, _ = run_cli("--json", folder)
        report = json.loads(out)
        self.assertEqual(code, 0)
        self.assertNotIn("record_hash", report)
        code, out, _ = run_cli("--json", "--record-hash", self.record_hash, folder)
        d = json.loads(out)["difference"]
        self.assertEqual((code, d["field"], d["recorded"]), (3, "attempt.record_hash", None))
        self.assertIn("no attempt", d["note_en"])


# ---------------------------------------------------------------------------------------------------------
# --bench N: a synthetic large bundle, timed
# ---------------------------------------------------------------------------------------------------------


def write_synthetic_bundle(folder, n, inspectors=500):
    """A population of n entities in 3 credit strata (A 3 %, B 5 %, C 10 %), `inspectors` inspectors of two
    departments in groups of 2, 1,000 recusal pairs. Written fast, straight to CSV."""
    import random

    rnd = random.Random(20261201)
    os.makedirs(folder, exist_ok=True)
    regions = ["零陵区", "冷水滩区", "祁阳市", "东安县", "双牌县", "道县", "江永县", "宁远县", "蓝山县", "新田县", "江华瑶族自治县"]
    industries = ["食品经营", "食品生产", "药品零售", "特种设备使用", "餐饮服务"]
    codes = ["91431%013d" % i for i in range(n)]
    with open(os.path.join(folder, "population.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(verify.ENTITY_FIELDS)
        for i, code in enumerate(codes):
            region = regions[i % len(regions)]
            w.writerow([code, "%s某某%d号商贸有限公司" % (region, i), "有限责任公司", industries[i % 5],
                        "湖南省永州市%s某某路%d号" % (region, i % 997), "永州市市场监督管理局", region, "",
                        "2015-03-%02d" % (1 + i % 28), "注销" if i % 50 == 0 else "存续", "ABC"[i % 3],
                        "[\"食品经营\"]" if i % 4 == 0 else "[]",
                        "2026-0%d-01" % (1 + i % 9) if i % 20 == 0 else ""])
    pool = [inspector("S%04d" % i, "D01" if i % 2 else "D13", region=regions[i % len(regions)])
            for i in range(inspectors)]
    with open(os.path.join(folder, "inspectors.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(_csv_text(verify.INSPECTOR_FIELDS, pool))
    recusals = sorted({(pool[rnd.randrange(inspectors)]["staff_no"], codes[rnd.randrange(n)]) for _ in range(1000)})
    with open(os.path.join(folder, "recusals.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(_csv_text(verify.RECUSAL_FIELDS, [{"staff_no": s, "entity_code": c, "reason": "亲属"}
                                                 for s, c in recusals]))
    rules = base_rules(quota={"mode": "ratio", "ratios": [{"stratum": "A", "bp": 300}, {"stratum": "B", "bp": 500},
                                                          {"stratum": "C", "bp": 1000}], "default_bp": None},
                       inspectors__groups={"mode": "fixed", "count": inspectors // 2})
    record = {"format": "fairdraw-bundle/1", "rules": rules, "departments": {}, "fingerprints": {},
              "commitment": "", "secret": SECRET.hex(), "witnesses": WITNESSES, "seed": "", "outcome": {}}
    write_json(os.path.join(folder, "bundle.json"), record)
    res = verify.compute(verify.Bundle(folder).inputs)
    record.update({"fingerprints": res.fingerprints, "commitment": res.commitment, "seed": res.seed,
                   "outcome": res.outcome})
    write_json(os.path.join(folder, "bundle.json"), record)
    return record


def bench(n):
    tmp = tempfile.mkdtemp(prefix="fairdraw-bench-")
    try:
        folder = os.path.join(tmp, "bundle")
        t = time.perf_counter()
        record = write_synthetic_bundle(folder, n)
        print("wrote a %d-entity bundle in %.1f s: %d targets, %d groups, %d unassigned" % (
            n, time.perf_counter() - t, len(record["outcome"]["targets"]), len(record["outcome"]["groups"]),
            len(record["outcome"]["unassigned"])))
        zip_path = os.path.join(tmp, "bundle.fairdraw.zip")
        zip_folder(folder, zip_path)
        for path in (folder, zip_path):
            t = time.perf_counter()
            code, out, err = run_cli(path)
            print("verify %s: exit %d in %.2f s (CPython %s)" % (
                "folder" if path == folder else "zip", code, time.perf_counter() - t, sys.version.split()[0]))
            if code != 0:
                print(out, err)
    finally:
        shutil.rmtree(tmp)


# ---------------------------------------------------------------------------------------------------------
# --cross BINARY N: random small draws produced here, re-checked by another implementation's verifier
# ---------------------------------------------------------------------------------------------------------


def random_inputs(rnd):
    """Random small inputs covering strata modes, quota modes, exclusions, recusal, leaders and experts."""
    regions = ["零陵区", "冷水滩区", "道县", ""]
    n = rnd.randrange(0, 25)
    population = []
    for i in rnd.sample(range(1000), n):
        tags = sorted(rnd.sample(["网络交易", "食品经营", "𠮷"], rnd.randrange(0, 3)))
        population.append(entity(
            "E%03d" % i, name="企业%d号𠮷" % i, region=rnd.choice(regions), risk_class=rnd.choice("ABCD") if rnd.random() < 0.8 else "",
            status="注销" if rnd.random() < 0.1 else "存续", tags=tags,
            last_inspected=rnd.choice(["", "", "2025-12-01", "2025-12-02", "2026-06-01"])))
    codes = [e["code"] for e in population]
    strata = rnd.choice(["none", "risk_class", "region"])
    keys = {"none": [""], "risk_class": ["A", "B", "C", "D", "未分类"],
            "region": ["零陵区", "冷水滩区", "道县", "未分类", "江永县"]}[strata]
    mode = rnd.choice(["ratio", "count", "per_stratum"])
    if mode == "ratio":
        listed = sorted(rnd.sample(keys, rnd.randrange(0, len(keys) + 1)))
        quota = {"mode": "ratio", "ratios": [{"stratum": k, "bp": rnd.choice([0, 1, 300, 2500, 5000, 10000])}
                                             for k in listed], "default_bp": rnd.choice([None, 1000, 3333, 3333])}
    elif mode == "count":
        quota = {"mode": "count", "total": rnd.randrange(0, max(1, n // 2) + 1)}
    else:
        listed = sorted(rnd.sample(keys, rnd.randrange(0, len(keys) + 1)))
        quota = {"mode": "per_stratum", "counts": [{"stratum": k, "count": rnd.choice([0, 1, 1, 2])} for k in listed]}
    departments = rnd.choice([["D01"], ["D01"], ["D01", "D13"], ["D01", "D13"], ["D13", "D01", "D02"]])
    pool = []
    for i in range(rnd.randrange(4, 30)):
        pool.append(inspector(
            "S%02d" % i, rnd.choice(["D01", "D01", "D13", "D13", "D02", "D99"]), expert=rnd.random() < 0.4,
            qualifications=sorted(rnd.sample(["组长", "食品"], rnd.randrange(0, 3))), region=rnd.choice(regions),
            status="在岗" if rnd.random() < 0.95 else "离职",
            certificate_valid_until=rnd.choice(["9999-12-31"] * 5 + ["2026-11-30", "2026-12-01", ""])))
    recusals = sorted({(rnd.choice(pool)["staff_no"], rnd.choice(codes or ["X"])) for _ in range(rnd.randrange(0, 6))})
    leader = rnd.random() < 0.5
    expert = rnd.random() < 0.3
    rules = base_rules(
        strata=strata, quota=quota, reserve_per_stratum=rnd.choice([None, 0, 1, 3]),
        exclusions__statuses=rnd.choice([[], ["注销"]]),
        exclusions__inspected_within_days=rnd.choice([None, 0, 365]),
        exclusions__entities=[{"code": c, "reason": "立案"} for c in sorted(rnd.sample(codes, min(len(codes), rnd.randrange(0, 2))))],
        inspectors__departments=departments,
        inspectors__group_size=rnd.choice([2, 2, 3, 3, 4]),
        inspectors__groups=rnd.choice([{"mode": "fixed", "count": rnd.randrange(1, 4)},
                                       {"mode": "per_targets", "max_targets": rnd.randrange(1, 5)}]),
        inspectors__leader={"required": leader, "qualification": rnd.choice(["", "", "组长"]) if leader else ""},
        inspectors__expert_required=expert,
        inspectors__required_qualifications=rnd.choice([[], [], [], ["食品"]]),
        inspectors__recuse_same_region=rnd.random() < 0.3)
    return rules, population, pool, [{"staff_no": s, "entity_code": c, "reason": "回避"} for s, c in recusals]


KNOWN_RESERVE_RULE = re.compile(r"outcome\.strata\[\d+\]\.reserve: recorded 0, recomputed \d+")


def cross_check(binary, count, seed=7):
    """Produce `count` random bundles with this implementation; `BINARY verify BUNDLE` must say MATCH."""
    import random

    print("--cross: %d random inputs from seed %d (re-run: python3 tools/test_verify.py --cross %s %d %d)" % (
        count, seed, binary, count, seed))
    rnd = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="fairdraw-cross-")
    checked = refused = disagreed = known = unassigned = recused = infeasible_same = 0
    try:
        for case in range(count):
            inputs = random_inputs(rnd)
            folder = os.path.join(tmp, "case%04d" % case)
            try:
                res = run_inputs(*inputs)
                if inputs[0]["reserve_per_stratum"] is not None and any(
                        s["quota"] == 0 and s["size"] > 0 for s in res.outcome["strata"]):
                    # Where the revised reserve rule (R = 0 when q = 0) and the earlier formula differ, a first
                    # difference would hide everything after it: compare such draws without a reserve length.
                    inputs[0]["reserve_per_stratum"] = None
            except verify.Infeasible:
                pass
            except verify.VerifyError:
                refused += 1
                continue
            record = produce_bundle(folder, *inputs, allow_infeasible=True)
            err = record.get("_infeasible")
            if err is not None:
                # The other verifier must find the same rules infeasible: a difference at `outcome`, with the
                # subject (a department, stratum or entity) named in its message.
                proc = subprocess.run([binary, "--json", "--lang", "en", "--db", os.path.join(tmp, "db.sqlite3"),
                                       "verify", folder], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                text = proc.stdout.decode("utf-8", "replace")
                try:
                    report = json.loads(text)
                except ValueError:
                    report = {}
                same = (report.get("field") == "outcome" and str(report.get("recomputed", "")).startswith("none")
                        and (err.subject[0] == "condition" or err.subject[1] in report.get("recomputed", "")))
                if same:
                    infeasible_same += 1
                    shutil.rmtree(folder)
                else:
                    disagreed += 1
                    print("case %d: here infeasible (%s %r: %s); other side: %s" % (
                        case, err.subject[0], err.subject[1], err.en, text.strip() or proc.stderr.decode()))
                continue
            unassigned += bool(record["outcome"]["unassigned"])
            recused += bool(inputs[3]) or inputs[0]["inspectors"]["recuse_same_region"]
            proc = subprocess.run([binary, "--lang", "en", "--db", os.path.join(tmp, "db.sqlite3"), "verify", folder],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            checked += 1
            out = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
            if proc.returncode != 0 and KNOWN_RESERVE_RULE.search(out) and any(
                    s["quota"] == 0 and s["reserve"] == 0 for s in record["outcome"]["strata"]):
                # §7.2 as revised in acdf729 (R = 0 when q = 0); the other side still uses the earlier formula.
                known += 1
                shutil.rmtree(folder)
            elif proc.returncode != 0:
                disagreed += 1
                print("case %d (%s targets, %d unassigned): %s" % (case, len(record["outcome"]["targets"]),
                                                                   len(record["outcome"]["unassigned"]), out))
                keep = os.path.join(tempfile.gettempdir(), "fairdraw-cross-case%04d" % case)
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(folder, keep)
            else:
                shutil.rmtree(folder)
        print("%d bundles checked: %d agree, %d differ only by the revised reserve rule (R = 0 when q = 0), "
              "%d other disagreements; %d random inputs refused here (infeasible or invalid)" % (
                  checked, checked - known - disagreed, known, disagreed, refused))
        print("of the bundles checked, %d have recusal rules or entries and %d have unassigned targets" % (
            recused, unassigned))
        print("%d infeasible inputs found infeasible by both, naming the same department/stratum/entity" % (
            infeasible_same))
    finally:
        shutil.rmtree(tmp)
    return 1 if disagreed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        bench(int(sys.argv[2]))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "--cross":
        sys.exit(cross_check(sys.argv[2], int(sys.argv[3]), *[int(x) for x in sys.argv[4:]]))
    else:
        unittest.main()

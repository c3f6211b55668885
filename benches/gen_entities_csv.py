#!/usr/bin/env python3
"""Writes an entities CSV of N rows with valid credit codes, for measuring import speed and memory.

Usage: gen_entities_csv.py N OUT.csv [--gbk]

Standard library only; deterministic (no randomness), so two runs write the same bytes. The fairdraw
demo generator writes realistic data; this script only needs many distinct, valid rows quickly.
"""
import sys

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
REGIONS = ["零陵区", "冷水滩区", "祁阳市", "东安县", "双牌县", "道县", "江永县", "宁远县", "蓝山县", "新田县", "江华瑶族自治县"]
CLASSES = ["A", "B", "C", "D", ""]
HEADER = "统一社会信用代码,企业名称,类型,行业,住所,登记机关,所属区域,乡镇街道,成立日期,经营状态,信用风险分类,标签,最近检查日期\n"


def credit_code(i):
    body = "91431100" + "".join(CHARSET[(i // 31 ** k) % 31] for k in range(9))
    s = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + CHARSET[(31 - s % 31) % 31]


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    encoding = "gb18030" if "--gbk" in sys.argv[3:] else "utf-8"
    with open(out, "w", encoding=encoding, newline="") as f:
        f.write("永州市检查对象名录（测试数据）\n")
        f.write(HEADER)
        for i in range(n):
            region = REGIONS[i % len(REGIONS)]
            f.write(
                f"{credit_code(i)},永州市第{i}号商贸有限公司,有限责任公司,批发和零售业,"
                f"{region}某某路{i % 997}号,永州市市场监督管理局,{region},某某街道,"
                f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d},存续,{CLASSES[i % 5]},食品；药品,\n"
            )


if __name__ == "__main__":
    main()

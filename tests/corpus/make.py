#!/usr/bin/env python3
"""Writes the small broken files of tests/corpus/ (committed; `tests/it/corpus.rs` reads them).

Every file is made here from plain bytes so that what it contains is visible in this script: spreadsheets
are written as zip files of hand-written XML, encodings with Python's codecs. Large files (a 10 MB cell,
100,000 columns) are not committed; the test writes them at run time. The encrypted workbook needs the PyPI
package msoffcrypto-tool and the .xls files the package xlwt (`pip install msoffcrypto-tool xlwt`); without
them those files are left as they are.
Run: python3 tests/corpus/make.py
"""

import io
import os
import random
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = ["统一社会信用代码", "企业名称", "住所", "所属区域", "信用风险分类"]
ROWS = [
    ["91330000566997460T", "永州市冷水滩区甲食品店", "冷水滩区凤凰路1号", "冷水滩区", "A"],
    ["91330000697024247P", "永州市零陵区乙餐饮店", "零陵区南津路2号", "零陵区", "B"],
]


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def csv_text(rows):
    return "".join(",".join(r) + "\r\n" for r in rows)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell(ref, value):
    """A cell: str -> inline string, ("f", formula, cached) -> formula with a cached value."""
    if isinstance(value, tuple):
        _, formula, cached = value
        v = "" if cached is None else "<v>%s</v>" % esc(cached)
        t = ' t="str"' if cached is not None and not cached.replace(".", "").isdigit() else ""
        return '<c r="%s"%s><f>%s</f>%s</c>' % (ref, t, esc(formula), v)
    return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, esc(value))


def xlsx(rows, merges=(), sheet="名录"):
    """A minimal, valid .xlsx: one sheet, inline strings, optional formula cells and merged ranges."""
    sheet_rows = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(cell("%s%d" % (col(c), r), v) for c, v in enumerate(values) if v != "")
        sheet_rows.append('<row r="%d">%s</row>' % (r, cells))
    merge_xml = ""
    if merges:
        merge_xml = '<mergeCells count="%d">%s</mergeCells>' % (
            len(merges), "".join('<mergeCell ref="%s"/>' % m for m in merges))
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>' % esc(sheet),
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>%s</sheetData>%s</worksheet>" % ("".join(sheet_rows), merge_xml),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def main():
    good = xlsx([HEADER] + ROWS)
    # A download cut off part-way: the zip's central directory at the end is missing.
    write("truncated.xlsx", good[: len(good) * 6 // 10])
    # A CSV file someone renamed to .xlsx.
    write("renamed-csv.xlsx", csv_text([HEADER] + ROWS).encode("utf-8"))
    # Encodings this importer does not read: Shift-JIS (Japanese Windows), UTF-16 with a byte-order mark
    # (Excel's "Unicode Text"), Latin-1.
    write("shift-jis.csv", csv_text([["統一社会信用コード", "企業名称"], ["91330000566997460T", "株式会社テスト"]]).encode("shift_jis"))
    write("utf16-bom.csv", b"\xff\xfe" + csv_text([HEADER] + ROWS).encode("utf-16-le"))
    write("latin1.csv", csv_text([["code", "name"], ["91330000566997460T", "Café Crème"]]).encode("latin-1"))
    # Binary junk under spreadsheet names.
    rnd = random.Random(20260601)
    junk = bytes(rnd.randrange(256) for _ in range(4096))
    write("binary-junk.csv", junk)
    write("binary-junk.xlsx", junk)
    write("binary-junk.xls", junk)
    # Empty files, a header without rows, a title row without a header.
    write("empty.csv", b"")
    write("empty.xlsx", b"")
    write("header-only.csv", csv_text([HEADER]).encode("utf-8"))
    write("title-only.csv", "永州市市场主体名录（2026年）\r\n".encode("utf-8"))
    write("title-only.xlsx", xlsx([["永州市市场主体名录（2026年）"]]))
    # The name column is missing.
    write("missing-required.csv", csv_text([[HEADER[0], HEADER[2]], [ROWS[0][0], ROWS[0][2]]]).encode("utf-8"))
    # Formula cells: the cached value is read, the formula never evaluated. The name's cached value is not
    # what the formula would compute, and the address formula has no cached value at all.
    write("formulas.xlsx", xlsx([
        HEADER,
        [ROWS[0][0], ("f", 'CONCATENATE("永州市","公式店")', "缓存的名称"), ("f", "1+1", None), "冷水滩区", "A"],
        [ROWS[1][0], ROWS[1][1], ("f", 'HYPERLINK("http://example.invalid","住所")', "零陵区南津路2号"), "零陵区", "B"],
    ]))
    # A header whose required columns are split over two merged rows: 统一社会信用代码 spans A1:A2, 企业信息
    # spans B1:C1 above 企业名称 and 住所.
    write("merged-header.xlsx", xlsx([
        ["统一社会信用代码", "企业信息", ""],
        ["", "企业名称", "住所"],
        [ROWS[0][0], ROWS[0][1], ROWS[0][2]],
    ], merges=("A1:A2", "B1:C1")))
    # A two-row header: a merged group row above the real header row.
    write("two-row-header.xlsx", xlsx([
        ["基本信息", "", "", "监管信息", ""],
        HEADER,
    ] + ROWS, merges=("A1:C1", "D1:E1")))
    # An ".xls" that is really an HTML table, as many government systems export.
    write("html-table.xls", (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
        "<table><tr>" + "".join("<td>%s</td>" % h for h in HEADER) + "</tr>"
        + "".join("<tr>" + "".join("<td>%s</td>" % v for v in r) + "</tr>" for r in ROWS)
        + "</table></body></html>\n").encode("utf-8"))
    try:
        import xlwt
    except ImportError:
        print("xlwt not installed: valid.xls and truncated.xls left as they are")
    else:
        # A real BIFF8 workbook (the format's own rows, not HTML), whole and cut in half.
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("名录")
        for r, values in enumerate([HEADER] + ROWS):
            for c, v in enumerate(values):
                sheet.write(r, c, v)
        buf = io.BytesIO()
        book.save(buf)
        write("valid.xls", buf.getvalue())
        write("truncated.xls", buf.getvalue()[: len(buf.getvalue()) // 2])
    try:
        import msoffcrypto.format.ooxml as ooxml
    except ImportError:
        print("msoffcrypto-tool not installed: encrypted.xlsx left as it is")
    else:
        out = io.BytesIO()
        ooxml.OOXMLFile(io.BytesIO(good)).encrypt("fairdraw", out)
        write("encrypted.xlsx", out.getvalue())


if __name__ == "__main__":
    main()

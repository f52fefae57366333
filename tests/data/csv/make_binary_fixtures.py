#!/usr/bin/env python3
"""Writes the CSV fixtures whose bytes an editor would hide or mangle: BOMs, UTF-16, CRLF,
lone CR, NUL bytes, a zip header and Windows-1252. Run from anywhere; the files land next to this script.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Characters outside the BMP (a surrogate pair in UTF-16) and multi-byte UTF-8.
UNICODE_ROWS = "id,name,city\n1,Zoë,Bucureşti\n2,王芳,上海\n3,Emoji 😀,Milano\n"


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


write("bom.csv", b"\xef\xbb\xbf" + UNICODE_ROWS.encode("utf-8"))
# Excel's "Unicode text" export: UTF-16LE with BOM, tab separated, CRLF.
write("utf16le.tsv", b"\xff\xfe" + UNICODE_ROWS.replace(",", "\t").replace("\n", "\r\n")
      .encode("utf-16-le"))
write("utf16be.csv", b"\xfe\xff" + UNICODE_ROWS.encode("utf-16-be"))
write("crlf.csv", b'id,note,total\r\n1,"two\r\nlines",5\r\n2,plain,6\r\n\r\n3,"",7\r\n')
write("lone_cr.csv", b'id,note\r1,"a\rb"\r2,c\r')
write("nul_bytes.csv", b"id,name\n1,an\x00na\n")
write("xlsx_magic.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml")
# Excel's "CSV (Comma delimited)" on Windows: Windows-1252 (é, ç, €, ü, curly quotes, en dash).
write("windows1252.csv", ("id,name,city,note\r\n1,Renée,Besançon,Prix 12€\r\n"
                          "2,Müller,Zürich,\"“quoted” – dash\"\r\n3,Ægir,Reykjavík,naïve\r\n")
      .encode("cp1252"))

#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target (tests/fuzz/corpus/<target>/) from the small
fixtures of tests/data and a few hand-written values. Run from anywhere; idempotent.

Inputs start as each target reads them (see fuzz_input.h and the targets): the reader and
report targets take one byte for how many chunk sizes follow, then the sizes, then the file.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
CORPUS = HERE / "corpus"

# 3 chunk sizes: 7 bytes, 1 byte, 510 bytes.
CHUNKS = bytes([2, 6, 0, 0x81])


def write(target: str, name: str, data: bytes) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def small(folder: str, limit: int = 4096):
    for p in sorted((DATA / folder).iterdir()):
        if p.is_file() and p.stat().st_size <= limit and p.suffix != ".py":
            yield p


for p in small("csv"):
    write("csv_fuzz", p.name, CHUNKS + p.read_bytes())
for p in small("voc", 1400):
    write("csv_fuzz", p.name, CHUNKS + p.read_bytes())
# The two-part reading takes the same inputs (the first chunk size also picks the split).
for p in list(small("csv")) + list(small("voc", 1400)):
    write("csv_parts_fuzz", p.name, CHUNKS + p.read_bytes())
for p in small("json"):
    write("json_fuzz", p.name, CHUNKS + p.read_bytes())

VALUES = {
    "amounts_dot": "total\n1234.5\n1,234.50\n$12\n(12.00)\n-3\n+5\n1e3\nN/A\n",
    "amounts_comma": "importo\n1.234,50\n12,5\n0,99\n1 234,50\nEUR 12,00\n12 €\n",
    "dates_iso": "created_at\n2024-03-05\n2024-03-05T10:00:00+01:00\n2024-03-05 10:00:00 +0100\n"
                 "2024-02-30\n2024-03-05T10:00:00Z\n2024-03-05T10:00:00.123\n",
    "dates_dmy": "data\n05/03/2024\n31/12/2023\n01.02.2024\n13-01-2024 10:30\n",
    "dates_mdy": "date\n03/05/2024\n12/31/2023 11:59 PM\n1/2/2024\n",
    "compact": "order_date\n20240105\n20231231\n20240229\n",
    "unix": "timestamp\n1704067200\n1704067200123\n0\n",
    "months": "month\n2024-01\n2024-02\n01/2024\n",
}
for name, text in VALUES.items():
    write("values_fuzz", name, text.encode())

# One column per line: a type byte (0 empty, 1 text, 2 integer, 3 decimal, 4 date), then
# the header as exported.
HEADERS = {
    "shopify": [(1, "Name"), (1, "Email"), (1, "Financial Status"), (4, "Paid at"),
                (3, "Subtotal"), (3, "Total"), (4, "Created at"), (2, "Lineitem quantity"),
                (1, "Lineitem name"), (3, "Lineitem price"), (1, "Lineitem sku"), (2, "Id")],
    "orders": [(2, "order_id"), (1, "customer_id"), (4, "created_at"), (3, "total"),
               (1, "status"), (1, "channel"), (3, "cost")],
    "customers": [(1, "customer_id"), (4, "signup_date"), (1, "source"), (1, "email")],
    "subscriptions": [(1, "customer"), (4, "start_date"), (4, "cancelled_at"), (3, "mrr"),
                      (1, "interval"), (1, "plan")],
    "surveys": [(4, "Submitted At"), (2, "How likely are you to recommend us?"),
                (1, "comment"), (1, "segment")],
    "tickets": [(4, "Created at"), (4, "Solved at"), (2, "Replies"), (1, "Status")],
    "spend": [(4, "month"), (1, "channel"), (3, "amount")],
    "leads": [(1, "lead_id"), (4, "created"), (1, "source"), (1, "converted")],
    "traffic": [(4, "date"), (2, "sessions"), (2, "visitors"), (1, "channel")],
    "mentions": [(4, "date"), (1, "platform"), (1, "text")],
    "activity": [(1, "user_id"), (4, "timestamp"), (1, "event")],
    "italian": [(1, "Codice cliente"), (4, "Data ordine"), (3, "Totale"), (1, "Stato")],
    "romanian": [(1, "ID client"), (4, "Data comenzii"), (3, "Total comandă")],
    "chinese": [(1, "客户编号"), (4, "下单时间"), (3, "订单金额"), (1, "订单状态")],
}
for name, cols in HEADERS.items():
    write("schema_fuzz", name, b"".join(bytes([t]) + h.encode() + b"\n" for t, h in cols))

# The report target: a byte for the file name and forced kind, then chunks and file.
REPORT = {
    "orders": (0x01, DATA / "csv" / "comma.csv"),
    "tickets": (0x05, DATA / "voc" / "zendesk_tickets.csv"),
    "nps": (0x04, DATA / "voc" / "delighted_nps.csv"),
    "mentions": (0x09, DATA / "voc" / "brand_mentions.csv"),
    "json_orders": (0x1B, DATA / "json" / "orders.ndjson"),
    "line_items": (0x0B, DATA / "json" / "line_items.json"),
    "xlsx": (0x0D, DATA / "csv" / "xlsx_magic.xlsx"),
}
for name, (pick, path) in REPORT.items():
    write("report_fuzz", name, bytes([pick]) + CHUNKS + path.read_bytes())
write("report_fuzz", "spend", bytes([0x06]) + CHUNKS +
      b"month,channel,amount\n2024-01,web,100\n2024-02,email,50\n")
write("report_fuzz", "customers", bytes([0x02]) + CHUNKS +
      b"customer_id,signup_date,source\nc1,2023-12-01,web\nc2,2024-01-02,email\n")

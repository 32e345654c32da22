#!/usr/bin/env python3
"""Prints an .xlsx file's first sheet as JSON rows of [type, value] pairs (tests read it).

usage: read-xlsx.py FILE.xlsx
"""
import datetime
import json
import sys

import openpyxl


def main() -> int:
    wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
    ws = wb.worksheets[0]
    rows = []
    for row in ws.iter_rows(values_only=True):
        out = []
        for v in row:
            if v is None:
                out.append(["empty", None])
            elif isinstance(v, bool):
                out.append(["bool", v])
            elif isinstance(v, (int, float)):
                out.append(["number", v])
            elif isinstance(v, datetime.datetime):
                out.append(["date", v.date().isoformat()])
            else:
                out.append(["text", str(v)])
        rows.append(out)
    print(json.dumps({"sheet": ws.title, "rows": rows}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

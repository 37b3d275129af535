"""File and display formats.

- `sipas_csv`: the sipas-csv response file (docs/formats.md): its columns, the
  neutralising of spreadsheet formulas and the one writer of CSV/xlsx files and
  streamed CSV downloads.
- `vi/`, per-language date and number formats that override Django's
  (FORMAT_MODULE_PATH).
"""

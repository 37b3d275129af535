"""Per-language date and number formats that override Django's (FORMAT_MODULE_PATH)."""

"""Fill msgstrs of a .po catalog from a Python dict file: a small helper for
translators who prefer editing a table to editing .po files.

    python tools/fill_po.py channels/translations/ja/LC_MESSAGES/messages.po ja.json
    python tools/fill_po.py channels/translations/en/LC_MESSAGES/messages.po --identity

`--identity` copies each msgid into its empty msgstr (catalogs whose msgids are
already in that language).
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(argv: list[str]) -> int:
    path, source = argv[1], argv[2]
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    table = None if source == "--identity" else json.load(open(source, encoding="utf-8"))
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if table is None:
            if not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            ):
                message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        elif key in table:
            value = table[key]
            message.string = tuple(value) if isinstance(value, list) else value
        elif not message.string:
            missing.append(key)
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)
    for key in missing:
        print(f"no translation: {key!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""`python -m docgen` (`make docs`) writes the reference pages that are not current, and names them."""

from __future__ import annotations

import sys

from offline.stack_config import PROJECT_DIR

from .render import pages


def main() -> int:
    for relative, text in pages(PROJECT_DIR).items():
        path = PROJECT_DIR / relative
        if path.exists() and path.read_text() == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

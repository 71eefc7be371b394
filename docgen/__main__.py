"""`python -m docgen` writes the reference pages; `--check` only says which ones are stale (exit 1)."""

from __future__ import annotations

import argparse
import sys

from offline.stack_config import PROJECT_DIR

from .render import pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is not current")
    args = parser.parse_args(argv)
    stale = []
    for relative, text in pages(PROJECT_DIR).items():
        path = PROJECT_DIR / relative
        if path.exists() and path.read_text() == text:
            continue
        stale.append(str(relative))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if args.check and stale:
        print("not current (run `make docs`): " + ", ".join(stale), file=sys.stderr)
        return 1
    for relative in [] if args.check else stale:
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

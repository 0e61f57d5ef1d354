"""An import-heavy command-line tool for the start-up benchmark: argparse,
json, dataclasses, csv, logging, hashlib, pathlib, datetime, re, collections,
typing, io, textwrap, enum."""
import argparse
import collections
import csv
import dataclasses
import datetime
import enum
import hashlib
import io
import json
import logging
import pathlib
import re
import textwrap
import typing


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Record:
    name: str
    size: int
    level: Level
    tags: typing.List[str] = dataclasses.field(default_factory=list)


def main(argv=None):
    parser = argparse.ArgumentParser(description="summarise records")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    log = logging.getLogger("cli")
    records = [
        Record(f"item{i}", i * 37 % 101, Level.HIGH if i % 3 else Level.LOW, ["a", "b"][: i % 3])
        for i in range(args.count)
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    for r in records:
        writer.writerow([r.name, r.size, r.level.name, "|".join(r.tags)])
    digest = hashlib.sha256(out.getvalue().encode()).hexdigest()
    by_level = collections.Counter(r.level.name for r in records)
    words = re.findall(r"[a-z]+", out.getvalue())
    log.debug("summarised %d records", len(records))
    summary = {
        "records": len(records),
        "digest": digest[:16],
        "levels": dict(sorted(by_level.items())),
        "words": len(words),
        "path": pathlib.PurePosixPath("/data", "out.csv").name,
        "date": datetime.date(2024, 1, 1).isoformat(),
    }
    print(textwrap.shorten(json.dumps(summary, sort_keys=True), width=200))


if __name__ == "__main__":
    main()

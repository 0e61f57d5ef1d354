"""The example from the README: greets whoever is named on the command line."""

import sys


def main(argv):
    name = " ".join(argv[1:]) or "world"
    print(f"Hello, {name}!")
    where = "a frozen executable" if getattr(sys, "frozen", False) else "Python"
    print(f"(running as {where}, Python {sys.version_info.major}.{sys.version_info.minor})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

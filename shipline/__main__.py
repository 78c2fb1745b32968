"""``python -m shipline``: the same command line as the ``shipline`` script."""

from shipline.domain.cli.main import entry

if __name__ == "__main__":
    entry()

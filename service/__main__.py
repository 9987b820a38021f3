"""Allow ``python -m service``."""

from service.cli.main import run

if __name__ == "__main__":
    run()

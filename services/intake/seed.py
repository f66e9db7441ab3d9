"""The demo catalogue a fresh installation starts with (seed_catalogue.json)."""
import json
from pathlib import Path

from services.intake.catalogue import validate_item

SEED_FILE = Path(__file__).with_name("seed_catalogue.json")


def seed_items() -> list[dict]:
    """Every seed item, validated (a bad seed file fails loudly at start)."""
    with SEED_FILE.open(encoding="utf-8") as f:
        return [validate_item(raw) for raw in json.load(f)["items"]]

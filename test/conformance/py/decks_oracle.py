"""flytekit's serialization of deck settings: the oracle of test/conformance/decks.test.ts.

Usage: python decks_oracle.py
Prints one JSON line per task: its name and TaskSpec as protobuf JSON. The TypeScript twin is
test/conformance/fixtures/decks_twin.ts.
"""

import json
from collections import OrderedDict

from flytekit import eager, task
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.deck import DeckField
from flytekit.tools.translator import get_serializable
from google.protobuf.json_format import MessageToDict


@task
def plain(a: int) -> int:
    return a


@task(enable_deck=True)
def all_fields(a: int) -> int:
    return a


@task(enable_deck=True, deck_fields=(DeckField.INPUT, DeckField.TIMELINE))
def some_fields(a: int) -> int:
    return a


@task(enable_deck=False, deck_fields=(DeckField.INPUT,))
def fields_without_decks(a: int) -> int:
    return a


@eager
async def eager_deck(a: int) -> int:
    return await plain(a=a)


def main() -> None:
    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="default", fqn="img", tag="v1")))
    for name, entity in (
        ("plain", plain),
        ("all_fields", all_fields),
        ("some_fields", some_fields),
        ("fields_without_decks", fields_without_decks),
        ("eager_deck", eager_deck),
    ):
        spec = MessageToDict(get_serializable(OrderedDict(), settings, entity).to_flyte_idl())
        print(json.dumps({"name": name, "spec": spec, "deck_fields": [f.value for f in entity.deck_fields]}))


if __name__ == "__main__":
    main()

from decimal import Decimal

from adapters.dynamodb import codec


def test_numbers_round_trip_exactly() -> None:
    values = {"a": 0.1, "b": 1e-7, "c": 123456.789, "d": 3, "e": -0.0005, "f": 2**53 + 1, "g": True}
    attributes = codec.to_attributes(values)
    assert attributes["a"] == {"N": "0.1"}
    assert codec.from_attributes(attributes) == values
    assert type(codec.from_attributes(attributes)["d"]) is int
    assert codec.from_attributes({"x": {"N": "5"}})["x"] == 5
    assert codec.from_attributes({"x": {"N": "5.50"}})["x"] == 5.5
    assert codec.value(Decimal("1.5")) == {"N": "1.5"}


def test_texts_are_compressed_above_the_threshold_and_read_back() -> None:
    item: dict[str, object] = {}
    codec.pack_text(item, "body", "short", compress_above=10)
    assert item == {"body": "short"}
    codec.pack_text(item, "body", "long " * 100, compress_above=10)
    assert set(item) == {"body_gz"}
    assert codec.unpack_text(item, "body") == "long " * 100


def test_item_size_counts_names_and_utf8_bytes() -> None:
    assert codec.item_size({"ab": "é"}) == 2 + 2
    assert codec.item_size({"n": 5, "b": b"123", "l": ["x"]}) == 1 + 21 + 1 + 3 + 1 + 3 + 2

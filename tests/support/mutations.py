"""Valid lessons to start from, and random damage to do to them (for property tests)."""

import copy
from typing import Any

from hypothesis import strategies as st

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.conversion.forms import expand
from tests.support.lessons import json_scalars, paths_of


def mutate(data: st.DataObject, doc: Any) -> Any:
    """One random change: replace, delete, wrap or duplicate a value somewhere."""
    doc = copy.deepcopy(doc)
    paths = paths_of(doc)[1:]
    if not paths:  # everything was deleted already: nothing is left to damage
        return doc
    path = data.draw(st.sampled_from(paths))
    holder = doc
    for step in path[:-1]:
        holder = holder[step]
    last = path[-1]
    operation = data.draw(st.sampled_from(["replace", "delete", "wrap", "duplicate"]))
    if operation == "replace":
        scalars = json_scalars()
        small = (
            scalars
            | st.lists(scalars, max_size=3)
            | st.dictionaries(st.text(max_size=3), scalars, max_size=2)
        )
        holder[last] = data.draw(small)
    elif operation == "delete":
        del holder[last]
    elif operation == "wrap":
        holder[last] = [holder[last]]
    elif isinstance(holder, list):
        holder.insert(last, copy.deepcopy(holder[last]))
    else:
        holder[f"{last}_copy"] = copy.deepcopy(holder[last])
    return doc


def valid_pool() -> list[Any]:
    """Valid lessons using every widget of both versions, in shorthand and in full form."""
    pool: list[Any] = []
    for version in SUPPORTED_VERSIONS:
        catalog = get_registry().catalog(version)
        items = [e.item for e in catalog.examples if e.widget != catalog.block_widget.key]
        quizzes = [e.item for e in catalog.examples if e.widget == catalog.block_widget.key]
        whole = {
            "schema_version": version,
            "title": "All",
            "blocks": [{"section": "S", "items": items}, *quizzes],
        }
        pool += [whole, expand(whole)]
        for item in items:
            single = {
                "schema_version": version,
                "title": "One",
                "blocks": [{"section": "S", "items": [item]}],
            }
            pool += [single, expand(single)]
    return pool


VALID_POOL = valid_pool()

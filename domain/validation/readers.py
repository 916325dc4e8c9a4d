"""Per-widget readers generated from the spec: the fast path of validation.

``expand`` and ``rule_checks`` interpret a widget's spec for every value they meet,
which costs several microseconds per widget. Here each widget's spec is turned once
into straight-line Python (the approach of fastjsonschema): a reader takes the widget's
value, shorthand or full form, and returns its canonical full form, with every rule of
the widget (hard and soft) checked inline.

A reader only vouches for widgets it can read without doubt. On anything else (a JSON
type that does not fit, too many positions, a broken hard rule) it raises ``Unclean``,
and the caller falls back to the exact path, which says what is wrong and where. So a
reader may refuse more than the exact path does, never less; a differential test holds
the two together on random and mutated lessons. A broken soft rule only raises
``Advised`` once the widget is read: its warnings are then located by the exact code.

Every object a reader returns has had its keys checked against its field names, the
objects it builds and the records given in full form alike (``given_<record>``). The
fast path relies on it to spare pydantic the same search (``keys_checked_validator``).

The text rules (``safe_text``, one per field holding strings) are the one exception to
checking inline: a reader adds the widget's texts to the lesson's prose and code lists
(its ``P`` and ``C`` arguments), which the fast path tests at once, in C, at the end
(``domain.catalog.text.all_plain``); a text one by one would cost more than the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from domain.catalog.rules import SafeText
from domain.catalog.spec import (
    FieldSpec,
    ListType,
    RecordType,
    RuleSpec,
    ScalarType,
    Shape,
    TypeNode,
    WidgetSpec,
)
from domain.validation.rule_checks import compiled_rules

# A reader takes a widget's value and the lesson's prose and code texts, to add its own.
Reader = Callable[[Any, list[str], list[str]], dict[str, Any]]


class Unclean(Exception):
    """The reader cannot vouch for this value; the exact path must judge it."""


class Advised(Exception):
    """The widget breaks no hard rule but some soft rule has advice: locate it exactly."""


@dataclass(frozen=True, slots=True)
class WidgetReaders:
    """A widget's generated readers and the source they were compiled from."""

    shorthand: Reader  # the value of ``{key: value}`` (or a bare string for ``p``)
    full: Reader  # a full-form object ``{"type": key, ...}``
    source: str


@cache
def widget_readers(widget: WidgetSpec) -> WidgetReaders:
    """Generate and compile the readers of a widget, once per widget."""
    generator = _Generator(widget)
    source = generator.module()
    namespace = generator.namespace
    # The source is ours, generated from the parsed spec, never from user input.
    exec(compile(source, f"<readers of {widget.anchor}>", "exec"), namespace)
    return WidgetReaders(namespace["read_shorthand"], namespace["read_full"], source)


def _array(value: Any) -> list[Any]:
    """The value if it is an array; record arrays must be arrays to be read."""
    if isinstance(value, list):
        return value
    raise Unclean


def _is_record_array(node: TypeNode) -> bool:
    return isinstance(node, ListType) and isinstance(node.item, RecordType)


def _holds_records(node: TypeNode) -> bool:
    if isinstance(node, ListType):
        return _holds_records(node.item)
    return isinstance(node, RecordType)


class _Generator:
    """Writes the Python module of one widget's readers."""

    def __init__(self, widget: WidgetSpec) -> None:
        self.widget = widget
        self.namespace: dict[str, Any] = {"Unclean": Unclean, "Advised": Advised, "_array": _array}
        self.functions: list[str] = []
        self.members: dict[str, list[tuple[str, list[str]]]] = {}

    def constant(self, value: Any, hint: str) -> str:
        """Bind ``value`` in the module's namespace under a fresh name."""
        name = f"_{hint}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def module(self) -> str:
        """The module's source: a function per record, then the two readers."""
        widget = self.widget
        for name, record in widget.records.items():
            self.record_reader(name, record.shapes, record.select_by)
            self.given_checker(name, record.shapes)
        self.members = self.member_rules()
        rules = list(self.rules())
        tag = repr(widget.key)
        shorthand = self.shape_reader(widget.shape, "v", top=True)
        full = self.by_name(widget.shape, "v", tag_field="type", top=True)
        advice = any(spec.severity == "warning" for spec in widget.rules)
        for name, (body, out) in (("read_shorthand", shorthand), ("read_full", full)):
            lines = [f"def {name}(v, P, C):", *(["    warned = False"] if advice else [])]
            lines += [*_indent(body), f"    out = {{'type': {tag}, {out}}}", *_indent(rules)]
            if advice:
                lines += ["    if warned:", "        raise Advised"]
            lines.append("    return out")
            self.functions.append("\n".join(lines))
        return "\n\n\n".join(self.functions) + "\n"

    # Reading values -------------------------------------------------------------------

    def record_reader(self, name: str, shapes: tuple[Shape, ...], select_by: str | None) -> None:
        """``record_<name>(v, sel, P, C)``: read a record value (``sel``: its selector's).

        The rules on every value of the record (``@record/...``) are checked as it is read,
        and its texts added to ``P`` (prose) and ``C`` (code), as the widget readers do.
        """
        lines = [f"def record_{name}(v, sel, P, C):"]
        if shapes[0].kind is None:  # one shape, read from its shorthand
            body, out = self.shape_reader(shapes[0], "v")
            if shapes[0].shorthand != "object":
                # An object is this record in full form: the model judges it as given,
                # as the exact path does (it reshapes shorthand only).
                lines += ["    if type(v) is dict:", f"        return given_{name}(v, P, C)"]
            ending = [f"r = {{{out}}}", *self.record_checks(name, shapes[0], "f", "r"), "return r"]
            lines += [*_indent(body), *_indent(ending)]
            self.functions.append("\n".join(lines))
            return
        # Variants: an object names its kind; a shorthand value is picked by the
        # selector's value or, without a selector, by its JSON type.
        lines.append("    if isinstance(v, dict):")
        lines.append("        kind = v.get('kind')")
        for shape in shapes:
            body, out = self.by_name(shape, "v", tag_field="kind")
            lines.append(f"        if kind == {shape.kind!r}:")
            lines += _indent([*body, *self.variant_ending(name, shape, out)], 3)
        lines.append("        raise Unclean")
        for shape in shapes:
            if select_by is not None:
                when = self.constant(shape.when, "when")
                test = f"type(sel) is type({when}) and sel == {when}"
            else:
                test = f"type(v) is {shape.json_kind.__name__}"
            body, out = self.shape_reader(shape, "v", checked=select_by is None)
            lines.append(f"    if {test}:")
            lines += _indent([*body, *self.variant_ending(name, shape, out)], 2)
        lines.append("    raise Unclean")
        self.functions.append("\n".join(lines))

    def variant_ending(self, name: str, shape: Shape, out: str) -> list[str]:
        """Build a variant's full form in ``r``, check the record's rules, return it."""
        built = f"r = {{'kind': {shape.kind!r}, {out}}}"
        return [built, *self.record_checks(name, shape, "f", "r"), "return r"]

    def record_checks(self, name: str, shape: Shape, prefix: str, holder: str) -> list[str]:
        """Check the rules on every value of record ``name`` (``@name/...``) in ``shape``.

        Each field's value is in the local ``<prefix><index>``, or in ``v`` when
        ``prefix`` is empty (a record given in full form, not read).
        """
        lines: list[str] = []
        texts: list[tuple[RuleSpec, FieldSpec, str]] = []
        for spec in self.widget.rules:
            if spec.record != name or spec.path[0] not in shape.names:
                continue
            index = shape.names.index(spec.path[0])
            local = f"{prefix}{index}" if prefix else f"v.get({spec.path[0]!r})"
            if isinstance(spec.rule, SafeText):
                texts.append((spec, shape.fields[index], local))
            elif prefix:
                lines += self.elements(spec, local, holder, 1)
            else:
                lines += [f"t0 = {local}", *self.elements(spec, "t0", holder, 1)]
        return lines + self.collect(texts)

    def collect(self, texts: list[tuple[RuleSpec, FieldSpec, str]]) -> list[str]:
        """Add fields' texts to the lesson's prose (``P``) or code (``C``) texts.

        ``texts`` are (``safe_text`` rule, field, expression of the field's value). The
        fast path tests all the texts at once when the lesson is read (``all_plain``);
        an object given where a field takes any object has its texts checked here.
        A value that is not a string fails that test: the lesson then goes the exact way.
        """
        lines: list[str] = []
        plain: dict[str, list[str]] = {"P": [], "C": []}  # required strings: added at once
        for spec, field, value in texts:
            assert isinstance(spec.rule, SafeText)
            target = "P" if spec.rule.kind == "prose" else "C"
            dimensions = len(spec.path) - 1  # the loader allows strings, arrays, tables
            if isinstance(field.type, ScalarType) and "object" in field.type.names:
                nested = self.constant(spec.rule.message, "nested")
                lines += [
                    f"t8 = {value}",
                    "if type(t8) is str:",
                    f"    {target}.append(t8)",
                    f"elif t8 is not None and {nested}(t8, None) is not None:",
                    "    raise Unclean",
                ]
                continue
            if dimensions == 0 and field.required:
                plain[target].append(value)
                continue
            if dimensions == 0:
                added = [f"{target}.append(t8)"]
            elif dimensions == 1:
                added = [f"{target} += t8"]
            else:
                added = ["for t9 in t8:", f"    {target} += t9"]
            if field.required:
                lines += [f"t8 = {value}", *added]
            else:
                lines += [f"t8 = {value}", "if t8 is not None:", *_indent(added)]
        for target, values in plain.items():
            if len(values) == 1:
                lines.append(f"{target}.append({values[0]})")
            elif values:
                lines.append(f"{target} += ({', '.join(values)},)")
        return lines

    def elements(self, spec: RuleSpec, value: str, holder: str, depth: int) -> list[str]:
        """Check ``spec`` on ``value``, or on its elements for each ``*`` left in its path."""
        if depth >= len(spec.path):
            return self.broken(spec, value, holder, advice="raise Advised")
        element = f"t{depth}"
        inner = self.elements(spec, element, value, depth + 1)
        return [f"for {element} in {value} or ():", *_indent(inner)]

    def given_checker(self, name: str, shapes: tuple[Shape, ...]) -> None:
        """``given_<name>(v, P, C)``: a record given in full form, returned as it is.

        The model judges it as given (the exact path reshapes shorthand only), so it is
        not read; but every object in it is checked against its field names, as every
        object the readers build is: the documents they return have no unknown fields
        anywhere (see ``domain.lesson.models.keys_checked_validator``).
        """
        lines = [
            f"def given_{name}(v, P, C):",
            "    if type(v) is not dict:",
            "        raise Unclean",
        ]
        if shapes[0].kind is None:
            checks = [
                *self.given_fields(shapes[0], None),
                *self.record_checks(name, shapes[0], "", "v"),
            ]
            lines += [*_indent(checks), "    return v"]
        else:
            lines.append("    kind = v.get('kind')")
            for shape in shapes:
                checks = [
                    *self.given_fields(shape, "kind"),
                    *self.record_checks(name, shape, "", "v"),
                ]
                lines.append(f"    if kind == {shape.kind!r}:")
                lines += [*_indent(checks, 2), "        return v"]
            lines.append("    raise Unclean")
        self.functions.append("\n".join(lines))

    def given_fields(self, shape: Shape, tag_field: str | None) -> list[str]:
        """Check ``v``'s keys, and the objects in its fields that hold records."""
        names = set(shape.names) | ({tag_field} if tag_field else set())
        lines = [
            f"if not v.keys() <= {self.constant(frozenset(names), 'names')}:",
            "    raise Unclean",
        ]
        for spec in shape.fields:
            if _holds_records(spec.type):
                check = self.given_value(spec.type, "x", 0)
                lines += [f"x = v.get({spec.name!r})", "if x is not None:", *_indent(check)]
        return lines

    def given_value(self, node: TypeNode, var: str, depth: int) -> list[str]:
        """Check the objects in a value given in full form (records, arrays of them)."""
        if isinstance(node, RecordType):
            return [f"given_{node.name}({var}, P, C)"]
        assert isinstance(node, ListType)  # only called for types holding records
        element = f"e{depth}"
        inner = self.given_value(node.item, element, depth + 1)
        return [f"for {element} in _array({var}):", *_indent(inner)]

    def shape_reader(
        self, shape: Shape, var: str, *, top: bool = False, prefix: str = "f", checked: bool = False
    ) -> tuple[list[str], str]:
        """Statements reading ``var`` in the shape's shorthand, and the output's items.

        Fields go to locals ``<prefix><index>``; ``top`` is set for the widget's own shape;
        ``checked`` when the caller already knows the value's JSON type.
        """
        kind = shape.json_kind.__name__
        # type(), not isinstance(): faster, and a subclass (never JSON) only goes the exact way.
        lines = [] if checked else [f"if type({var}) is not {kind}:", "    raise Unclean"]
        if shape.shorthand == "object":
            body, out = self.by_name(shape, var, tag_field=None, top=top, prefix=prefix)
            return lines + body, out
        if shape.shorthand != "positional":  # the value is the single field
            (only,) = shape.fields
            local = f"{prefix}0"
            lines.append(f"{local} = {var}")
            selector = self.sibling(shape, var, positional=True)
            lines += self.read_into(only, local, selector, top=top)
            return lines, f"{only.name!r}: {local}"
        fields = shape.fields
        required = [i for i, f in enumerate(fields) if f.required]
        least = required[-1] + 1 if required else 0
        selector = self.sibling(shape, var, positional=True)
        if least == len(fields):  # every position required: one unpacking reads them all
            locals_ = [f"{prefix}{index}" for index in range(len(fields))]
            lines.append(f"{', '.join(locals_)}, = {var}")  # any other length: ValueError
            for index, spec in enumerate(fields):
                lines += self.field(spec, locals_[index], None, selector, top=top)
            return lines, _items(shape, prefix)
        count = f"{prefix}n"  # the array's length, a local of its own per reader
        lines.append(f"{count} = len({var})")
        lines += [f"if {count} > {len(fields)} or {count} < {least}:", "    raise Unclean"]
        for index, spec in enumerate(fields):
            raw = (
                f"{var}[{index}]"
                if index < least
                else f"{var}[{index}] if {count} > {index} else None"
            )
            lines += self.field(spec, f"{prefix}{index}", raw, selector, top=top)
        return lines, _items(shape, prefix)

    def by_name(
        self, shape: Shape, var: str, *, tag_field: str | None, top: bool = False, prefix: str = "f"
    ) -> tuple[list[str], str]:
        """Statements reading the object ``var`` by field name, and the output's items."""
        names = set(shape.names) | ({tag_field} if tag_field else set())
        allowed = self.constant(frozenset(names), "names")
        lines = [f"if not {var}.keys() <= {allowed}:", "    raise Unclean"]
        selector = self.sibling(shape, var, positional=False)
        for index, spec in enumerate(shape.fields):
            # A missing required field raises KeyError: unclean, as any error here.
            raw = f"{var}[{spec.name!r}]" if spec.required else f"{var}.get({spec.name!r})"
            lines += self.field(spec, f"{prefix}{index}", raw, selector, top=top)
        return lines, _items(shape, prefix)

    def field(
        self, spec: FieldSpec, local: str, raw: str | None, selector: str, *, top: bool
    ) -> list[str]:
        """Read a field into ``local``: its raw value, unset if the default, reshaped.

        ``raw`` is None when the value is already in ``local`` (unpacked with others).
        """
        lines = [] if raw is None else [f"{local} = {raw}"]
        if not spec.required and spec.default is not None:
            # A value equal to an optional field's default (same JSON type) means unset.
            default = self.constant(spec.default, "default")
            test = f"type({local}) is type({default}) and {local} == {default}"
            lines += [f"if {test}:", f"    {local} = None"]
        return lines + self.read_into(spec, local, selector, top=top)

    def read_into(self, spec: FieldSpec, local: str, selector: str, *, top: bool) -> list[str]:
        """Reshape a field's value in place when its type holds records."""
        node = spec.type
        if not _holds_records(node):
            return []  # scalars pass unchanged: the model checks their types
        sel = "s" if selector != "None" else "None"
        if top and isinstance(node, ListType) and isinstance(node.item, RecordType):
            lines = self.record_loop(node.item, local, sel, self.members.get(spec.name, []))
        else:
            lines = [f"{local} = {self.read(node, local, sel)}"]
        if selector != "None":  # the selector's raw value, read once for all elements
            lines.insert(0, f"s = {selector}")
        return lines if spec.required else [f"if {local} is not None:", *_indent(lines)]

    def record_loop(
        self, node: RecordType, local: str, sel: str, checks: list[tuple[str, list[str]]]
    ) -> list[str]:
        """Read an array of records in one loop, checking each as it is read.

        A record of one shape holding no other records is read inline (no call per
        element); ``checks`` are the element's rules, as (member, lines checking ``x``).
        """
        record = self.widget.records[node.name]
        shape = record.shapes[0]
        leaf = shape.kind is None and not any(_holds_records(f.type) for f in shape.fields)
        if leaf:  # the members' checks read the locals ``g<index>`` set here
            body, out = self.shape_reader(shape, "e0", prefix="g")
            read = [*body, f"e = {{{out}}}"]
            if shape.shorthand != "object":  # an object is the record in full form, as given
                given = [f"g{i} = e0.get({f.name!r})" for i, f in enumerate(shape.fields)]
                # Checked like given_<name>, inline: a leaf has only its own keys to check.
                names = self.constant(frozenset(shape.names), "names")
                read = ["if type(e0) is dict:", f"    if not e0.keys() <= {names}:"]
                read += ["        raise Unclean", "    e = e0", *_indent(given)]
                read.append("else:")
                read += _indent([*body, f"e = {{{out}}}"])
            member = {spec.name: f"g{index}" for index, spec in enumerate(shape.fields)}
            read += self.record_checks(node.name, shape, "g", "e")  # inline: no record_<name>
        else:
            read = [f"e = record_{node.name}(e0, {sel}, P, C)"]
            member = {}
        checked = [
            line
            for name, lines in checks
            for line in (f"x = {member.get(name) or f'e.get({name!r})'}", *lines)
        ]
        loop = [f"for e0 in {local}:", *_indent([*read, *checked, "acc.append(e)"])]
        return [
            f"if type({local}) is not list:",
            "    raise Unclean",
            "acc = []",
            *loop,
            f"{local} = acc",
        ]

    def read(self, node: TypeNode, value: str, selector: str, depth: int = 0) -> str:
        """An expression reading ``value`` of type ``node``."""
        if isinstance(node, RecordType):
            return f"record_{node.name}({value}, {selector}, P, C)"
        if isinstance(node, ListType) and _holds_records(node):
            element = f"e{depth}"
            inner = self.read(node.item, element, selector, depth + 1)
            return f"[{inner} for {element} in _array({value})]"
        return value

    def sibling(self, shape: Shape, var: str, *, positional: bool) -> str:
        """The raw value of the selector field beside a record, for records that have one."""
        selectors = {r.select_by for r in self.widget.records.values() if r.select_by}
        if not selectors:
            return "None"
        (name,) = selectors  # the loader allows one selector per widget
        if name not in shape.names:
            return "None"
        if not positional:
            return f"{var}.get({name!r})"
        index = shape.names.index(name)
        return f"({var}[{index}] if isinstance({var}, list) and len({var}) > {index} else None)"

    # Rules ---------------------------------------------------------------------------

    def rules(self) -> Iterator[str]:
        """Statements checking every rule of the widget on its full form ``out``.

        Rules on a field use the field's local; rules on the elements of an array field
        (``a/*``, ``a/*/b``, ``a/*/*``) share one loop per field. Any other path calls
        the rule's compiled check on the whole widget.
        """
        locals_ = {spec.name: f"f{index}" for index, spec in enumerate(self.widget.shape.fields)}
        loops: dict[str, list[str]] = {}
        texts: list[tuple[RuleSpec, FieldSpec, str]] = []
        for spec, check in compiled_rules(self.widget):
            if spec.record is not None:
                continue  # checked as each value of the record is read (``record_checks``)
            text_field = self.widget.shape.field(spec.path[0]) if spec.path else None
            if isinstance(spec.rule, SafeText) and text_field is not None:
                texts.append((spec, text_field, locals_[text_field.name]))
                continue
            path, field = spec.path, spec.path[0] if spec.path else ""
            inlined = field in locals_ and field != "*" and "*" not in path[3:]
            if inlined and len(path) == 1:
                yield from self.broken(spec, locals_[field], "out")
            elif inlined and len(path) == 2 and path[1] == "*":
                loops.setdefault(field, []).extend(self.broken(spec, "e", locals_[field]))
            elif inlined and len(path) == 3 and path[1:] == ("*", "*"):
                cells = ["for x in e:", *_indent(self.broken(spec, "x", "e"))]
                loops.setdefault(field, []).extend(cells)
            elif inlined and len(path) == 3 and path[1] == "*":
                if field in self.members:
                    continue  # checked as each record is read (see ``member_rules``)
                member = [f"x = e.get({path[2]!r})", *self.broken(spec, "x", "e")]
                loops.setdefault(field, []).extend(member)
            else:
                yield f"if {self.constant(check, 'check')}(out):"
                yield f"    {_verdict(spec)}"
        for field, body in loops.items():
            yield f"for e in {locals_[field]} or ():"
            yield from _indent(body)
        yield from self.collect(texts)

    def member_rules(self) -> dict[str, list[tuple[str, list[str]]]]:
        """Rules on the members of records in a widget field (``a/*/b``), by field.

        Only for fields holding an array of records, which ``record_loop`` reads: the
        checks run on each record as it is read, on ``e``, instead of in a second loop.
        """
        fields = {f.name for f in self.widget.shape.fields if _is_record_array(f.type)}
        members: dict[str, list[tuple[str, list[str]]]] = {}
        for spec in self.widget.rules:
            path = spec.path
            if len(path) == 3 and path[0] in fields and path[1] == "*" and path[2] != "*":
                check = (path[2], self.broken(spec, "x", "e"))
                members.setdefault(path[0], []).append(check)
        return members

    def broken(
        self, spec: RuleSpec, value: str, parent: str, advice: str = "warned = True"
    ) -> list[str]:
        """Act on the rule's verdict at ``value`` (an unset value has nothing to check).

        Broken advice runs ``advice``: it notes it for later in the widget's readers;
        within a record's function (which cannot note it) it ends the reading.
        """
        rule = spec.rule
        condition = rule.condition(value, parent, self.constant)
        if condition is None and rule.several:
            violations = self.constant(rule.violations, "violations")
            condition = f"next(iter({violations}({value}, {parent})), None) is not None"
        elif condition is None:
            condition = f"{self.constant(rule.checker(), 'message')}({value}, {parent}) is not None"
        verdict = advice if spec.severity == "warning" else "raise Unclean"
        return [f"if {value} is not None and ({condition}):", f"    {verdict}"]


def _items(shape: Shape, prefix: str) -> str:
    """The items of the output dict: each field name with its local."""
    return ", ".join(f"{spec.name!r}: {prefix}{i}" for i, spec in enumerate(shape.fields))


def _verdict(spec: RuleSpec) -> str:
    """What a broken rule does: an error ends the reading, advice is noted for later."""
    return "warned = True" if spec.severity == "warning" else "raise Unclean"


def _indent(lines: list[str], levels: int = 1) -> list[str]:
    pad = "    " * levels
    return [pad + line for line in lines]

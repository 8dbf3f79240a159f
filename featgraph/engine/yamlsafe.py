"""Reading recipe YAML defensively: bounded size and nesting, no anchors, errors with lines.

A recipe is a small, flat document, so anything else is refused before it can
cost time or memory, with a :class:`RecipeError` naming the file and the line:

- files larger than :data:`MAX_RECIPE_BYTES` (read at most that many bytes);
- bytes that are not UTF-8 (the line of the first bad byte);
- anchors and aliases (``&name`` / ``*name``): recipes share values through
  ``params:`` and ``${name}``; refusing aliases when the scanner meets them
  rules out alias-expansion bombs ("billion laughs") before any expansion;
- nesting deeper than :data:`MAX_DEPTH` collections, checked by the scanner as
  each ``[``, ``{`` or block indentation opens (PyYAML's composer recurses per
  level and its scanner slows down quadratically with flow depth).

Parsing is ``yaml.SafeLoader`` (no tags that build Python objects), composed
once: the same node tree gives the data and the line of every key.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, RecipeError

MAX_RECIPE_BYTES = 1 << 20
"""Largest recipe file read (1 MiB); the shipped recipes are about 2 KB."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists; a recipe needs 4 (nodes, node, list, value)."""


class _Refused(yaml.YAMLError):
    """A construct recipes do not allow, at a 1-based line."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


class _RecipeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors, aliases and deep nesting while scanning."""

    def _refuse(self, message: str):
        raise _Refused(message, self.get_mark().line + 1)

    def _refuse_anchor(self):
        self._refuse("YAML anchors and aliases (&name, *name) are not allowed in a recipe; "
                     "share a value through 'params:' and \"${name}\"")

    fetch_alias = fetch_anchor = _refuse_anchor

    def _check_depth(self, depth: int):
        if depth > MAX_DEPTH:
            self._refuse(f"nesting deeper than {MAX_DEPTH} levels of mappings and lists; a "
                         "recipe needs about 4")

    def fetch_flow_collection_start(self, TokenClass):
        self._check_depth(self.flow_level + len(self.indents) + 1)
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column):
        added = super().add_indent(column)
        if added:
            self._check_depth(len(self.indents))
        return added

    def compose_node(self, parent, index):
        # Backstop for the scanner's checks: the composer recurses once per level.
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            self._check_depth(self._depth)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, OverflowError, TypeError) as exc:  # "2001-02-30", 5000-digit ints
            text = str(node.value)
            text = text if len(text) <= 40 else text[:37] + "..."
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value '{text}': {exc}", node.start_mark) from None


def read_recipe_file(path: str | Path) -> str:
    """The text of a recipe file: at most :data:`MAX_RECIPE_BYTES`, UTF-8."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_RECIPE_BYTES + 1)
    except OSError as exc:
        raise RecipeError(Problem(f"cannot read recipe: {exc.strerror or exc}", str(path), 1))
    return decode(raw, str(path))


def decode(raw: bytes, file: str | None) -> str:
    """UTF-8 text of ``raw`` (a BOM is dropped); refuses large or undecodable input."""
    _check_size(raw, b"\n", file)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RecipeError(Problem(f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column "
                                  f"{column} cannot be decoded (save the recipe as UTF-8)",
                                  file, line)) from None


def _check_size(text, newline, file: str | None) -> None:
    if len(text) > MAX_RECIPE_BYTES:
        line = text.count(newline, 0, MAX_RECIPE_BYTES) + 1
        raise RecipeError(Problem(f"the recipe is larger than {MAX_RECIPE_BYTES >> 20} MiB "
                                  f"(the limit is passed on line {line}); a recipe is a small "
                                  "text file: is this the right file?", file, line))


def parse(text: str | bytes, file: str | None = None
          ) -> tuple[Any, dict[tuple, int], list[tuple[tuple, int]]]:
    """``(data, lines, duplicates)`` of recipe YAML.

    ``lines`` maps every key path (``("nodes", "frames", "hop")``; list items by
    index) to its 1-based line; ``duplicates`` lists ``(path, line)`` of keys
    written twice in one mapping.  Raises :class:`RecipeError` naming ``file``
    and the line for anything malformed or refused (see the module docs).
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode(bytes(text), file)
    _check_size(text, "\n", file)
    loader = None
    try:
        loader = _RecipeLoader(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _Refused as exc:
        raise RecipeError(Problem(exc.message, file, exc.line)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise RecipeError(Problem(f"malformed YAML: character {what} is not allowed "
                                  f"({exc.reason})", file, line)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise RecipeError(Problem(f"malformed YAML: {reason}", file, line)) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines, dupes = line_map(root)
    return data, lines, dupes


def line_map(root) -> tuple[dict[tuple, int], list[tuple[tuple, int]]]:
    """Line of every mapping key and list item by path, and the duplicated keys."""
    lines: dict[tuple, int] = {}
    dupes: list[tuple[tuple, int]] = []
    stack = [(root, ())] if root is not None else []
    while stack:      # in document order; no aliases, so every node is visited once
        node, path = stack.pop()
        children = []
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key, value in node.value:
                k = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
                here = path + (k,)
                if k in seen:
                    dupes.append((here, key.start_mark.line + 1))
                seen.add(k)
                lines[here] = key.start_mark.line + 1     # the last one, as in the data
                children.append((value, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[path + (i,)] = item.start_mark.line + 1
                children.append((item, path + (i,)))
        stack.extend(reversed(children))
    return lines, dupes

"""A small arithmetic language for indicator definitions, parsed — never ``eval``-ed.

Grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER | NAME | "(" expr ")"

Names are measure or indicator codes (letters, digits, ``_``). The tree is nested tuples:
``("num", 3.0)``, ``("name", "talk_s")``, ``("neg", x)``, ``(op, left, right)``. Evaluation works on
numbers or pandas Series alike; a division by zero gives an empty value (NaN), never ∞ or an error.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

import numpy as np

from ccdash.findings import CcdashError
from ccdash.i18n import register

MESSAGES = {
    "formula.syntax": {
        "zh": "公式“{text}”在第 {pos} 个字符处有误：{what}\n{text}\n{caret}",
        "en": "Formula “{text}” is wrong at character {pos}: {what}\n{text}\n{caret}",
    },
    "formula.unknown_name": {
        "zh": "公式“{text}”中的名称“{name}”未知{hint}",
        "en": "Unknown name “{name}” in formula “{text}”{hint}",
    },
}
register(MESSAGES)

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()]))")
Node = tuple


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            _fail(text, len(text) - len(text[pos:].lstrip()), "unexpected character")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    tokens.append(("end", "", len(text)))
    return tokens


def _fail(text: str, pos: int, what: str):
    raise CcdashError("formula.syntax", text=text, pos=pos + 1, what=what, caret=" " * pos + "^")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.i = text, tokenize(text), 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def binary(self, ops: str, sub: Callable[[], Node]) -> Node:
        node = sub()
        while self.peek()[0] == "op" and self.peek()[1] in ops:
            op = self.take()[1]
            node = (op, node, sub())
        return node

    def expr(self) -> Node:
        return self.binary("+-", self.term)

    def term(self) -> Node:
        return self.binary("*/", self.unary)

    def unary(self) -> Node:
        if self.peek()[:2] == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        return self.atom()

    def atom(self) -> Node:
        kind, value, pos = self.take()
        if kind == "num":
            return ("num", float(value))
        if kind == "name":
            return ("name", value)
        if (kind, value) == ("op", "("):
            node = self.expr()
            if self.take()[1] != ")":
                _fail(self.text, self.tokens[self.i - 1][2], "expected “)”")
            return node
        _fail(self.text, pos, "expected a number, a name or “(”" if kind != "end" else "the formula ends too early")


def parse(text: str) -> Node:
    """The expression tree of ``text``; a syntax error points at the offending character."""
    parser = _Parser(str(text))
    node = parser.expr()
    kind, value, pos = parser.peek()
    if kind != "end":
        _fail(parser.text, pos, f"unexpected “{value}”")
    return node


def names(node: Node) -> set[str]:
    """Every name the expression refers to."""
    if node[0] == "name":
        return {node[1]}
    if node[0] == "num":
        return set()
    return set().union(*(names(child) for child in node[1:]))


def _divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isscalar(b):
            return a / b if b != 0 else a * np.nan
        return a / b.where(b != 0)


OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _divide}


def evaluate(node: Node, env: Mapping[str, object]):
    """Evaluate over ``env`` (name → number or Series)."""
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "name":
        return env[node[1]]
    if tag == "neg":
        return -evaluate(node[1], env)
    return OPS[tag](evaluate(node[1], env), evaluate(node[2], env))

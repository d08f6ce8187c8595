"""The formula language of indicators, parsed to a small tree — never ``eval``-ed.

Used by the catalog (measure expressions such as ``talk_s + hold_s + acw_s``; ``{param}`` placeholders are
written in by :func:`ccdash.indicators.catalog.bind` before parsing) and by the indicators a team lead
defines herself (:mod:`ccdash.indicators.custom`), which name other indicators by code, by their Chinese or
English name or by a synonym. Grammar::

    formula := or_expr
    or_expr := and_expr ("or" and_expr)*
    and_expr:= not_expr ("and" not_expr)*
    not_expr:= "not" not_expr | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "=" | "==" | "!=" | "<>") sum)?
    sum     := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | atom
    atom    := NUMBER ["%"] | NAME | "[" any text but "]" "]" | FUNCTION "(" formula ("," formula)* ")"
             | "(" formula ")"

* ``85%`` is 0.85; numbers may have a decimal point and an exponent (``1.5e3``).
* Comparisons and ``and``/``or``/``not`` are only allowed in the condition of ``if(cond, a, b)``.
* Functions (names case-insensitive): ``min(a, b, …)``, ``max(a, b, …)``, ``abs(x)``, ``round(x[, n])``
  (half away from zero; ``n`` a whole number 0–10), ``if(cond, a, b)``, ``nullif(a, b)`` (empty where
  a = b), ``safe_div(a, b)`` (the same as ``a / b``: every division is safe).
* Names: letters, digits and ``_`` (``answer_rate``, ``接通量_20秒``), a known name that contains other
  characters (``Answer rate``, ``20秒接通率``: the longest known name wins), or any text in square brackets
  (``[Answer rate]``). Full-width ``（）＋－×÷，【】％`` are read as their ASCII counterparts.

The tree is nested tuples (a :class:`Node` also remembers where in the text it came from):
``("num", 0.85)``, ``("name", "answer_rate")``, ``("neg", x)``, ``("not", x)``, ``(op, left, right)`` for
``+ - * / < <= > >= == != and or``, ``("call", "min", a, b, …)``.

Evaluation works on numbers or pandas Series alike (vectorised): a division by zero gives an empty value
(NaN), never ∞ or an error; an empty operand gives an empty result; a comparison with an empty value is
empty, so ``if`` of it is empty too.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ccdash.findings import CcdashError
from ccdash.i18n import in_each_lang, register

MAX_LENGTH = 500  # characters: a formula is one line a person types
MAX_DEPTH = 40  # nesting of parentheses, functions and unary operators

_AT = {"zh": "（第 {pos} 个字符）", "en": " (at character {pos})"}
_TAIL = "\n{text}\n{caret}"


def _msg(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh + _AT["zh"] + _TAIL, "en": en + _AT["en"] + _TAIL}


MESSAGES = {
    "formula.empty": {"zh": "公式是空的：请写指标名称、数字和运算符，例如 接通量 / 进线量",
                      "en": "The formula is empty: write indicator names, numbers and operators, "
                            "e.g. answered / offered"},
    "formula.too_long": _msg("公式太长（超过 {max} 个字符）", "The formula is too long (over {max} characters)"),
    "formula.too_deep": _msg("公式嵌套太深（括号、函数或负号超过 {max} 层）",
                             "The formula is nested too deeply (over {max} levels of parentheses, functions or signs)"),
    "formula.bad_char": _msg("公式里不能有字符「{token}」", "The character “{token}” cannot be used in a formula"),
    "formula.quote": _msg("公式里不用引号：名称直接写，含空格的名称写在方括号里，如 [Answer rate]",
                          "No quotes in a formula: write names as they are, names with spaces in square brackets, "
                          "e.g. [Answer rate]"),
    "formula.unknown_name": _msg("未知名称「{name}」{hint}", "Unknown name “{name}”{hint}"),
    "formula.unknown_function": _msg("未知函数「{name}」{hint}；可用的函数：{functions}",
                                     "Unknown function “{name}”{hint}; the functions are: {functions}"),
    "formula.not_function": _msg("「{name}」是指标名称，不是函数：名称和「(」之间缺少运算符",
                                 "“{name}” is a name, not a function: an operator is missing between it and “(”"),
    "formula.function_needs_parens": _msg("函数 {name} 后面要跟括号和参数，例如 {example}",
                                          "The function {name} needs parentheses and arguments, e.g. {example}"),
    "formula.arity": _msg("函数 {name} 需要 {expected} 个参数，这里给了 {got} 个（{example}）",
                          "The function {name} takes {expected} argument(s), not {got} ({example})"),
    "formula.round_digits": _msg("round 的第二个参数（小数位数）要写成 0 到 10 的整数，例如 round(aht, 1)",
                                 "The second argument of round (the decimals) must be a whole number 0–10, "
                                 "e.g. round(aht, 1)"),
    "formula.missing_operator": _msg("「{prev}」和「{token}」之间缺少运算符（+ - * /）",
                                     "An operator (+ - * /) is missing between “{prev}” and “{token}”"),
    "formula.trailing_operator": _msg("公式在「{token}」之后就结束了：它后面缺少一个数或名称",
                                      "The formula ends after “{token}”: a number or name is missing"),
    "formula.missing_right": _msg("「{token}」后面缺少一个数或名称",
                                  "A number or name is missing after “{token}”"),
    "formula.missing_left": _msg("「{token}」前面缺少一个数或名称",
                                 "A number or name is missing before “{token}”"),
    "formula.unclosed_paren": _msg("缺少「)」：第 {open} 个字符的「(」没有闭合",
                                   "“)” is missing: the “(” at character {open} is never closed"),
    "formula.unmatched_close": _msg("多余的「)」：前面没有对应的「(」", "This “)” has no matching “(”"),
    "formula.empty_parens": _msg("括号里是空的", "Nothing inside the parentheses"),
    "formula.missing_argument": _msg("函数 {name} 缺少参数：逗号或括号前面是空的",
                                     "An argument of {name} is missing: nothing before the comma or parenthesis"),
    "formula.unclosed_call": _msg("函数 {name} 的括号没有闭合：参数之间用逗号，最后写「)」",
                                  "The parentheses of {name} are not closed: separate arguments with commas, "
                                  "end with “)”"),
    "formula.comma_outside": _msg("逗号只用来分隔函数的参数，例如 max(a, b)",
                                  "A comma only separates the arguments of a function, e.g. max(a, b)"),
    "formula.percent_misplaced": _msg("% 只能直接写在数字后面（85% 即 0.85）",
                                      "% can only follow a number (85% means 0.85)"),
    "formula.comparison_outside_if": _msg("比较和 and/or/not 只能用在 if(条件, 是, 否) 的条件里",
                                          "Comparisons and and/or/not can only be used in the condition of "
                                          "if(condition, then, else)"),
    "formula.chained_comparison": _msg("比较不能连写：请用 and，例如 a < b and b < c",
                                       "Comparisons cannot be chained: use and, e.g. a < b and b < c"),
    "formula.unclosed_bracket": _msg("方括号「[」没有闭合：名称要写成 [名称]", "This “[” is never closed: write [name]"),
    "formula.unmatched_bracket": _msg("多余的「]」：前面没有对应的「[」", "This “]” has no matching “[”"),
    "formula.empty_bracket": _msg("方括号里是空的：应写一个名称", "Nothing inside the square brackets: write a name"),
    "formula.number_too_large": _msg("数字「{token}」太大", "The number “{token}” is too large"),
    "formula.cycle": {"zh": "自定义指标互相引用，形成了循环：{cycle}",
                      "en": "Custom indicators refer to each other in a cycle: {cycle}"},
}
register(MESSAGES)

_HINT = {"zh": " — 是不是「{name}」？", "en": " — did you mean “{name}”?"}
_FUNCTION_HINT = {"zh": "（是不是「{name}」？）", "en": " (did you mean “{name}”?)"}


class FormulaError(CcdashError):
    """A formula that cannot be read: ``position`` (0-based) and ``length`` of the offending text; the
    message (zh and en) shows the formula with a caret line under it."""

    def __init__(self, kind: str, text: str, position: int, length: int = 1, /, **params: object) -> None:
        self.kind, self.text = kind, text
        self.position, self.length = position, max(1, length)
        super().__init__(f"formula.{kind}", text=text, pos=position + 1,
                         caret=caret_line(text, position, self.length), **params)


def _width(text: str) -> int:
    """Columns in a monospace font: Chinese (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def caret_line(text: str, position: int, length: int = 1) -> str:
    """``^`` under ``text[position:position + length]`` (a wide character gets two)."""
    under = text[position:position + length]
    return " " * _width(text[:position]) + "^" * max(1, _width(under))


# ---- tokens ------------------------------------------------------------------------------------------

FUNCTIONS: dict[str, tuple[int, int | None, str]] = {  # name: (least, most arguments, example)
    "min": (1, None, "min(aht, 300)"),
    "max": (1, None, "max(answered - 10, 0)"),
    "abs": (1, 1, "abs(aht - 300)"),
    "round": (1, 2, "round(aht, 1)"),
    "if": (3, 3, "if(offered > 0, answered / offered, 0)"),
    "nullif": (2, 2, "nullif(handled, 0)"),
    "safe_div": (2, 2, "safe_div(answered, offered)"),
}
KEYWORDS = ("and", "or", "not")
COMPARISONS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "==": "==", "!=": "!=", "<>": "!="}
FULL_WIDTH = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},
                            "【": "[", "】": "]", "×": "*", "÷": "/", "\u3000": " ", "−": "-"})

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?![\w.])
  | (?P<op><=|>=|==|!=|<>|[-+*/(),<>=%])
  | (?P<bracket>\[[^\]]*\]?)
  | (?P<word>\w+)
""", re.X)
NAME_LIKE = re.compile(r"\w+")
PLAIN_NAME = re.compile(r"[^\W\d]\w*")


class Token(tuple):
    """(kind, text, position, value): kind is num, name, func, kw, op, end."""
    kind = property(lambda self: self[0])
    text = property(lambda self: self[1])
    pos = property(lambda self: self[2])
    value = property(lambda self: self[3])

    def __new__(cls, kind: str, text: str, pos: int, value=None):
        return tuple.__new__(cls, (kind, text, pos, value))


class Node(tuple):
    """A tree node: a tuple (so trees compare by content), plus where it came from in the text."""
    pos: int = 0
    length: int = 0

    def __new__(cls, items: Iterable, pos: int = 0, length: int = 0):
        node = tuple.__new__(cls, items)
        node.pos, node.length = pos, length
        return node


def _norm(name: str) -> str:
    return " ".join(name.translate(FULL_WIDTH).split()).casefold()


class Vocabulary:
    """The names a formula may use: indicator codes, Chinese and English names, synonyms (and stored
    measures by code), each resolving to a code; with suggestions for a name that is not known."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.codes: dict[str, str] = {}
        self.display: dict[str, str] = {}
        for name, code in names.items():
            key = _norm(name)
            if key and key not in self.codes:
                self.codes[key], self.display[key] = code, " ".join(name.split())
        self._by_first: dict[str, list[str]] = {}
        for key in sorted(self.codes, key=len, reverse=True):
            self._by_first.setdefault(key[0], []).append(key)

    def resolve(self, name: str) -> str | None:
        return self.codes.get(_norm(name))

    def longest_at(self, text: str, pos: int) -> int:
        """The length of the longest known name starting at ``text[pos]`` that ends at a word boundary."""
        for key in self._by_first.get(text[pos].casefold(), ()):
            end = pos + len(key)
            if _norm(text[pos:end]) == key and not (end < len(text) and NAME_LIKE.match(text[end])
                                                      and NAME_LIKE.match(text[end - 1])):
                return len(key)
        return 0

    def suggest(self, name: str) -> str | None:
        key = _norm(name)
        keys = list(self.codes)
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
        if not close:
            contains = [k for k in keys if key and (key in k or k in key)]
            close = sorted(contains, key=lambda k: (abs(len(k) - len(key)), k))[:1]
        return self.display[close[0]] if close else None


def tokenize(text: str, vocabulary: Vocabulary | None = None) -> list[Token]:
    """The tokens of ``text``; a character outside the language raises :class:`FormulaError` here."""
    src = text.translate(FULL_WIDTH)
    tokens: list[Token] = []
    pos = 0
    while pos < len(src):
        m = TOKEN.match(src, pos)
        known = vocabulary.longest_at(src, pos) if vocabulary and not src[pos].isspace() else 0
        if known and (m is None or m.lastgroup in ("num", "word") and known >= m.end() - pos):
            tokens.append(Token("name", text[pos:pos + known], pos, src[pos:pos + known]))
            pos += known
            continue
        if m is None:
            ch = text[pos]
            if ch in "'\"‘’“”`":
                raise FormulaError("quote", text, pos, 1)
            if ch == "]":
                raise FormulaError("unmatched_bracket", text, pos, 1)
            raise FormulaError("bad_char", text, pos, 1, token=ch)
        kind, raw = m.lastgroup, m.group()
        if kind == "num":
            value = float(raw)
            if not math.isfinite(value):
                raise FormulaError("number_too_large", text, pos, len(raw), token=raw)
            tokens.append(Token("num", raw, pos, value))
        elif kind == "op":
            tokens.append(Token("op", text[pos:m.end()], pos, raw))
        elif kind == "bracket":
            if not raw.endswith("]") or len(raw) == 1:
                raise FormulaError("unclosed_bracket", text, pos, 1)
            inner = " ".join(raw[1:-1].split())
            if not inner:
                raise FormulaError("empty_bracket", text, pos, len(raw))
            tokens.append(Token("name", text[pos:m.end()], pos, inner))
        elif kind == "word":
            low = raw.casefold()
            nxt = TOKEN.match(src, m.end())
            if nxt and nxt.lastgroup == "ws":
                nxt = TOKEN.match(src, nxt.end())
            if low in KEYWORDS:
                tokens.append(Token("kw", text[pos:m.end()], pos, low))
            elif nxt and nxt.group() == "(":
                tokens.append(Token("func", text[pos:m.end()], pos, raw))
            else:
                tokens.append(Token("name", text[pos:m.end()], pos, raw))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---- parser ------------------------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str, vocabulary: Vocabulary | None) -> None:
        self.text, self.vocabulary = text, vocabulary
        self.tokens, self.i, self.depth = tokenize(text, vocabulary), 0, 0

    def fail(self, kind: str, tok: Token, length: int | None = None, **params):
        raise FormulaError(kind, self.text, tok.pos, len(tok.text) if length is None else length, **params)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in ops

    def is_kw(self, word: str) -> bool:
        tok = self.peek()
        return tok.kind == "kw" and tok.value == word

    def deeper(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail("too_deep", tok, max=MAX_DEPTH)

    # formula := or_expr
    def formula(self) -> Node:
        return self.logical("or", lambda: self.logical("and", self.negation))

    def logical(self, word: str, sub: Callable[[], Node]) -> Node:
        node = sub()
        while self.is_kw(word):
            tok = self.take()
            node = Node((word, node, sub()), tok.pos, len(tok.text))
        return node

    def negation(self) -> Node:
        if self.is_kw("not"):
            tok = self.take()
            self.deeper(tok)
            node = Node(("not", self.negation()), tok.pos, len(tok.text))
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        node = self.sum()
        if self.is_op(*COMPARISONS):
            tok = self.take()
            node = Node((COMPARISONS[tok.value], node, self.sum()), tok.pos, len(tok.text))
            if self.is_op(*COMPARISONS):
                self.fail("chained_comparison", self.peek())
        return node

    def binary(self, ops: tuple[str, ...], sub: Callable[[], Node]) -> Node:
        node = sub()
        while self.is_op(*ops):
            tok = self.take()
            node = Node((tok.value, node, sub()), tok.pos, len(tok.text))
        return node

    def sum(self) -> Node:
        return self.binary(("+", "-"), self.term)

    def term(self) -> Node:
        return self.binary(("*", "/"), self.unary)

    def unary(self) -> Node:
        if self.is_op("-", "+"):
            tok = self.take()
            self.deeper(tok)
            inner = self.unary()
            self.depth -= 1
            return Node(("neg", inner), tok.pos, 1) if tok.value == "-" else inner
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            if self.is_op("%"):
                pct = self.take()
                return Node(("num", tok.value / 100), tok.pos, pct.pos + 1 - tok.pos)
            return Node(("num", tok.value), tok.pos, len(tok.text))
        if tok.kind == "name":
            return self.name(tok)
        if tok.kind == "func":
            return self.call(tok)
        if tok.kind == "op" and tok.value == "(":
            if self.is_op(")"):
                self.fail("empty_parens", tok, self.peek().pos + 1 - tok.pos)
            self.deeper(tok)
            node = self.formula()
            self.depth -= 1
            if not self.is_op(")"):
                self.unexpected(expected=tok)
            self.take()
            return node
        self.missing_operand(tok)

    def name(self, tok: Token) -> Node:
        name = tok.value
        code = self.vocabulary.resolve(name) if self.vocabulary is not None else name
        if code is None or self.vocabulary is None:
            if name.casefold() in FUNCTIONS and not tok.text.startswith("["):
                self.fail("function_needs_parens", tok, name=name.casefold(), example=FUNCTIONS[name.casefold()][2])
        if code is None:
            self.fail("unknown_name", tok, name=name, hint=_hint(self.vocabulary.suggest(name)))
        return Node(("name", code), tok.pos, len(tok.text))

    def call(self, tok: Token) -> Node:
        fname = tok.value.casefold()
        if fname not in FUNCTIONS:
            if self.vocabulary is not None and self.vocabulary.resolve(tok.value):
                self.fail("not_function", tok, name=tok.value)
            close = difflib.get_close_matches(fname, list(FUNCTIONS), n=1, cutoff=0.5)
            self.fail("unknown_function", tok, name=tok.value, hint=_hint(close[0] if close else None, _FUNCTION_HINT),
                      functions=", ".join(FUNCTIONS))
        self.deeper(tok)
        self.take()  # "("
        args: list[Node] = []
        while True:
            if self.is_op(",", ")"):
                self.fail("missing_argument", self.peek(), name=fname)
            if self.peek().kind == "end":
                self.fail("unclosed_call", tok, name=fname)
            args.append(self.formula())
            if self.is_op(","):
                self.take()
                continue
            if self.is_op(")"):
                self.take()
                break
            if self.peek().kind == "end":
                self.fail("unclosed_call", tok, name=fname)
            self.unexpected()
        self.depth -= 1
        least, most, example = FUNCTIONS[fname]
        if len(args) < least or (most is not None and len(args) > most):
            expected = str(least) if least == most else (f"{least}–{most}" if most else f"≥{least}")
            self.fail("arity", tok, name=fname, expected=expected, got=len(args), example=example)
        if fname == "round" and len(args) == 2:
            digits = args[1]
            if digits[0] != "num" or digits[1] != int(digits[1]) or not 0 <= digits[1] <= 10:
                raise FormulaError("round_digits", self.text, digits.pos, digits.length)
        return Node(("call", fname, *args), tok.pos, len(tok.text))

    def missing_operand(self, tok: Token):
        prev = self.tokens[self.i - 2] if self.i >= 2 else None
        if tok.kind == "end":
            if prev is None:
                raise FormulaError("empty", self.text, 0, 1)
            raise FormulaError("trailing_operator", self.text, len(self.text), 1, token=prev.text)
        if tok.kind == "op" and tok.value == ")":
            if prev is not None and prev.kind in ("op", "kw") and prev.value not in ("(", ","):
                self.fail("missing_right", prev, token=prev.text)
            self.fail("unmatched_close", tok)
        if tok.kind == "op" and tok.value == ",":
            self.fail("comma_outside", tok)
        if tok.kind == "op" and tok.value == "%":
            self.fail("percent_misplaced", tok)
        if prev is not None and prev.kind in ("op", "kw") and prev.value not in ("(", ","):
            self.fail("missing_right", prev, token=prev.text)
        self.fail("missing_left", tok, token=tok.text)

    def unexpected(self, expected: Token | None = None):
        """After a complete operand: anything that is not an operator, a closing ``)`` or ``,``."""
        tok, prev = self.peek(), self.tokens[self.i - 1]
        if tok.kind == "op" and tok.value == "(" and prev.kind == "name":
            self.fail("not_function", prev, name=prev.text)
        if tok.kind in ("num", "name", "func") or (tok.kind == "op" and tok.value == "("):
            self.fail("missing_operator", tok, prev=prev.text, token=tok.text)
        if tok.kind == "op" and tok.value == "%":
            self.fail("percent_misplaced", tok)
        if tok.kind == "op" and tok.value == ",":
            self.fail("comma_outside", tok)
        if tok.kind == "op" and tok.value == ")":
            self.fail("unmatched_close", tok)
        if tok.kind == "kw":
            self.fail("missing_left", tok, token=tok.text)
        if expected is not None:
            raise FormulaError("unclosed_paren", self.text, tok.pos, 1, open=expected.pos + 1)
        self.fail("missing_operator", tok, prev=prev.text, token=tok.text)


def _hint(name: str | None, texts: dict[str, str] = _HINT) -> dict[str, str] | str:
    return in_each_lang(lambda lang: texts[lang].format(name=name)) if name else ""


BOOLEAN = ("<", "<=", ">", ">=", "==", "!=", "and", "or", "not")


def _check_conditions(node: Node, text: str, condition: bool = False) -> None:
    """Comparisons and and/or/not only as the condition of ``if`` (or inside another one)."""
    tag = node[0]
    if tag in BOOLEAN and not condition:
        raise FormulaError("comparison_outside_if", text, node.pos, node.length)
    if tag in ("num", "name"):
        return
    if tag == "call":
        for i, arg in enumerate(node[2:]):
            _check_conditions(arg, text, node[1] == "if" and i == 0)
        return
    for child in node[1:]:
        _check_conditions(child, text, tag in ("and", "or", "not"))


def parse(text: str, vocabulary: Vocabulary | None = None) -> Node:
    """The tree of ``text``. With a ``vocabulary`` every name is resolved to its code (an unknown name is an
    error with a suggestion); without one, names stay as written. Raises :class:`FormulaError`."""
    text = str(text)
    if len(text) > MAX_LENGTH:
        raise FormulaError("too_long", text, MAX_LENGTH, 1, max=MAX_LENGTH)
    if not text.strip():
        raise FormulaError("empty", text, 0, 1)
    parser = _Parser(text, vocabulary)
    node = parser.formula()
    if parser.peek().kind != "end":
        parser.unexpected()
    _check_conditions(node, text)
    return node


def names(node: Node) -> set[str]:
    """Every name the expression refers to."""
    tag = node[0]
    if tag == "name":
        return {node[1]}
    if tag == "num":
        return set()
    children = node[2:] if tag == "call" else node[1:]
    return set().union(*(names(child) for child in children))


# ---- printing ----------------------------------------------------------------------------------------

PRECEDENCE = {"or": 1, "and": 2, "not": 3, **{op: 4 for op in ("<", "<=", ">", ">=", "==", "!=")},
              "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


def _prec(node: Node) -> int:
    return PRECEDENCE.get(node[0], 8)


def name_text(name: str) -> str:
    """A name as it can be written back: plain when it is a word, else in square brackets."""
    plain = PLAIN_NAME.fullmatch(name) and name.casefold() not in KEYWORDS and name.casefold() not in FUNCTIONS
    return name if plain else f"[{name}]"


def to_text(node: Node, label: Callable[[str], str] | None = None) -> str:
    """The formula of a tree, with as few parentheses as the precedence needs; ``label`` writes each name
    (e.g. an indicator code as its Chinese name). ``parse(to_text(tree)) == tree``."""
    tag = node[0]
    if tag == "num":
        value = float(node[1])
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if tag == "name":
        return name_text(label(node[1]) if label else node[1])
    if tag == "call":
        return f"{node[1]}({', '.join(to_text(arg, label) for arg in node[2:])})"
    if tag in ("neg", "not"):
        inner = to_text(node[1], label)
        if _prec(node[1]) < PRECEDENCE[tag]:
            inner = f"({inner})"
        return f"-{inner}" if tag == "neg" else f"not {inner}"
    left, right = to_text(node[1], label), to_text(node[2], label)
    prec = PRECEDENCE[tag]
    if _prec(node[1]) < prec or (prec == 4 and _prec(node[1]) == 4):
        left = f"({left})"
    if _prec(node[2]) <= prec:
        right = f"({right})"
    return f"{left} {tag} {right}"


# ---- evaluation --------------------------------------------------------------------------------------

def _series_of(*values) -> pd.Series | None:
    return next((v for v in values if isinstance(v, pd.Series)), None)


def _like(values, *operands):
    """A numpy result as a Series (when an operand is one) or a float."""
    series = _series_of(*operands)
    if series is not None:
        return pd.Series(np.asarray(values, dtype="float64"), index=series.index)
    return float(values)


def _num(value) -> np.ndarray:
    if isinstance(value, pd.Series):
        return value.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(value, dtype="float64")


def _divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        num, den = _num(a), _num(b)
        out = np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)
        out = np.where(np.isinf(out), np.nan, out)
    return _like(out, a, b)


def _compare(op: str, a, b):
    x, y = _num(a), _num(b)
    with np.errstate(invalid="ignore"):
        result = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
                  "==": np.equal, "!=": np.not_equal}[op](x, y).astype("float64")
    return _like(np.where(np.isnan(x) | np.isnan(y), np.nan, result), a, b)


def _logic(op: str, a, b=None):
    x = _num(a)
    if op == "not":
        return _like(np.where(np.isnan(x), np.nan, (x == 0).astype("float64")), a)
    y = _num(b)
    both = (x != 0) & (y != 0) if op == "and" else (x != 0) | (y != 0)
    return _like(np.where(np.isnan(x) | np.isnan(y), np.nan, both.astype("float64")), a, b)


def _if(cond, a, b):
    c, x, y = _num(cond), _num(a), _num(b)
    out = np.where(np.isnan(c), np.nan, np.where(c != 0, x, y))
    return _like(out, cond, a, b)


def _round(x, digits=0.0):
    scale = 10.0 ** int(digits)
    value = _num(x)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.sign(value) * np.floor(np.abs(value) * scale + 0.5) / scale  # half away from zero
        out = np.where(np.isfinite(out), out, value)
    return _like(out, x)


def _extreme(pick, args):
    out = _num(args[0])
    for arg in args[1:]:
        out = pick(out, _num(arg))
    return _like(out, *args)


CALLS = {
    "min": lambda *args: _extreme(np.minimum, args),
    "max": lambda *args: _extreme(np.maximum, args),
    "abs": lambda x: _like(np.abs(_num(x)), x),
    "round": _round,
    "if": _if,
    "nullif": lambda a, b: _like(np.where(_num(a) == _num(b), np.nan, _num(a)), a, b),
    "safe_div": _divide,
}
OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _divide}


def _eval(node: Node, env: Mapping[str, object]):
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "name":
        return env[node[1]]
    if tag == "neg":
        return -_eval(node[1], env)
    if tag == "not":
        return _logic("not", _eval(node[1], env))
    if tag == "call":
        return CALLS[node[1]](*(_eval(arg, env) for arg in node[2:]))
    a, b = _eval(node[1], env), _eval(node[2], env)
    if tag in OPS:
        with np.errstate(over="ignore", invalid="ignore"):
            return OPS[tag](a, b)
    if tag in ("and", "or"):
        return _logic(tag, a, b)
    return _compare(tag, a, b)


def evaluate(node: Node, env: Mapping[str, object]):
    """Evaluate over ``env`` (name → number or Series); ±∞ (an overflow) comes back empty (NaN)."""
    value = _eval(node, env)
    if isinstance(value, pd.Series):
        return value.astype("float64").mask(np.isinf(value.astype("float64")))
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) or math.isnan(value) else math.nan
    return value


# ---- names of a catalog, units, cycles ---------------------------------------------------------------

def vocabulary(catalog, extra: Mapping[str, Iterable[str]] | None = None,
               measures: Mapping[str, str] | Iterable[str] = ()) -> Vocabulary:
    """Every name a formula may use with ``catalog`` (duck-typed: ``catalog.indicators``): codes first, then
    Chinese and English names, then synonyms, then stored ``measures`` (codes, or a mapping name → measure
    code); ``extra`` adds code → names (custom indicators not yet in the catalog)."""
    entries: list[tuple[str, str]] = []
    inds = catalog.indicators
    entries += [(code, code) for code in inds] + [(code, code) for code in (extra or {})]
    entries += [(ind.name.zh, code) for code, ind in inds.items()] + [(ind.name.en, code) for code, ind in inds.items()]
    entries += [(n, code) for code, more in (extra or {}).items() for n in more]
    entries += [(s, code) for code, ind in inds.items() for s in ind.synonyms]
    entries += list(measures.items()) if isinstance(measures, Mapping) else [(m, m) for m in measures]
    mapping: dict[str, str] = {}
    for name, code in entries:
        mapping.setdefault(name, code)
    return Vocabulary(mapping)


UNITS_OF_MEASURES = {"agents": "agents", "agent_days": "count"}


def _unit_of_name(code: str, catalog, units: Mapping[str, str]) -> str:
    if code in units:
        return units[code]
    ind = catalog.indicators.get(code)
    if ind is not None:
        return ind.unit
    return UNITS_OF_MEASURES.get(code, "seconds" if code.endswith("_s") else "count")


def infer_unit(tree: Node, catalog, units: Mapping[str, str] | None = None) -> str:
    """The unit of a formula's values, from the units of the indicators it names: count / count →
    percent, seconds / count → seconds, seconds ± seconds → seconds, count × number → count, percent ×
    number → percent, count / hours → per_hour, min/max/if of the same unit → that unit, … anything else
    → ``number``. ``units`` gives units for names not in the catalog (custom indicators being defined)."""
    unit = _infer(tree, catalog, units or {})
    return "number" if unit in ("hours", "bool", "const") else unit


def _infer(node: Node, catalog, units) -> str:
    tag = node[0]
    if tag == "num":
        return "const"
    if tag == "name":
        return _unit_of_name(node[1], catalog, units)
    if tag in BOOLEAN:
        return "bool"
    if tag == "neg":
        return _infer(node[1], catalog, units)
    if tag == "call":
        fname, args = node[1], [_infer(arg, catalog, units) for arg in node[2:]]
        if fname in ("abs", "round", "nullif"):
            return _plain(args[0])
        if fname == "safe_div":
            return _plain(_quotient(args[0], args[1], node[3]))
        values = args[1:] if fname == "if" else args
        return _same(values)
    a, b = _infer(node[1], catalog, units), _infer(node[2], catalog, units)
    if tag in ("+", "-"):
        return _same([a, b])
    if tag == "*":
        if a == "const" or b == "const":
            return b if a == "const" else a
        if "number" in (a, b):
            return b if a == "number" else a
        return "number"
    return _quotient(a, b, node[2])


def _plain(unit: str) -> str:
    return "number" if unit == "const" else unit


def _same(units: list[str]) -> str:
    real = {u for u in units if u != "const"}
    if not real:
        return "const"
    return real.pop() if len(real) == 1 else "number"


def _quotient(a: str, b: str, divisor: Node) -> str:
    if b == "const":
        if a == "seconds" and divisor[0] == "num" and divisor[1] == 3600:
            return "hours"
        return a
    if b == "number":
        return a if a != "const" else "number"
    if a == b and a in ("count", "seconds", "agents", "hours"):
        return "percent"
    if a == "seconds" and b in ("count", "agents"):
        return "seconds"
    if a == "count" and b == "hours":
        return "per_hour"
    if a == "count" and b == "agents":
        return "count"
    if a == "score" and b == "count":
        return "score"
    return "number"


def check_cycles(definitions: Mapping[str, str], catalog, measures: Mapping[str, str] | Iterable[str] = (),
                 extra_names: Mapping[str, Iterable[str]] | None = None) -> None:
    """Raise :class:`CcdashError` ``formula.cycle`` (showing ``a → b → c → a``) when custom indicators
    (``code → formula text``) refer to each other in a circle; each formula must parse (``extra_names``:
    the custom indicators' display names, code → names)."""
    extra = {code: tuple((extra_names or {}).get(code, ())) for code in definitions}
    vocab = vocabulary(catalog, extra, measures)
    edges = {code: sorted(names(parse(text, vocab)) & set(definitions)) for code, text in definitions.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(code: str, path: list[str]) -> None:
        state[code] = 1
        for nxt in edges[code]:
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                raise CcdashError("formula.cycle", cycle=" → ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[code] = 2

    for code in sorted(definitions):
        if code not in state:
            visit(code, [code])


__all__ = ["FUNCTIONS", "FormulaError", "Node", "Vocabulary", "caret_line", "check_cycles", "evaluate",
           "infer_unit", "name_text", "names", "parse", "to_text", "tokenize", "vocabulary"]

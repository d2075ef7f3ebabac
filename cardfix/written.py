"""`Written`: a number that keeps its text (its own module: mypyc compiles no subclass of `float`)."""

from __future__ import annotations


class Written(float):
    """A number that keeps the text it was read from, so `0.8720` is written back as `0.8720`."""

    text: str

    def __new__(cls, text: str) -> Written:
        value = super().__new__(cls, text)
        value.text = text
        return value

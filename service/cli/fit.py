"""Tables that stay readable in any terminal window: a table where every word fits whole, else a paragraph per row.

Rich shrinks a table that is too wide by cutting words (« rejet… », « 02/1… ») and, when even that is not
enough, by dropping whole columns: in an 80-column window the import account kept the file names and lost every
number. :func:`fitted` measures what the table needs with every header word and every cell word whole (a cell
that must not wrap, whole); when the window is narrower, each row is shown as a paragraph instead — each value
after its column's name — which wraps at any width and loses nothing.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Column, Table
from rich.text import Text


def _plain(cell: RenderableType) -> str:
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    if isinstance(cell, Text):
        return cell.plain
    return ""


def _needed(column: Column) -> int:
    """Characters ``column`` needs: its longest word (header or cell), or its longest cell if it must not wrap."""
    words = [len(w) for w in _plain(column.header).split()]
    for cell in column.cells:
        text = _plain(cell)
        words.append(len(text) if column.no_wrap else max((len(w) for w in text.split()), default=0))
    return max([*words, column.min_width or 0])


def table_width(table: Table) -> int:
    """The narrowest width at which ``table`` shows every word whole (its padding and rules included)."""
    columns = table.columns
    left, right = table.padding[3], table.padding[1]
    rules = len(columns) + 1 if table.box else 0
    return sum(_needed(c) + left + right for c in columns) + rules


class Fitted:
    """``table`` where it fits whole, else its rows as paragraphs (the module docstring)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def paragraphs(self) -> Group:
        """One paragraph per row, each value after its column's name: « • lot 8 · type signalements · … »."""
        parts: list[RenderableType] = []
        if self.table.title:
            parts.append(Text(_plain(self.table.title), style="italic"))
        columns = self.table.columns
        cells = [list(c.cells) for c in columns]
        for row in range(self.table.row_count):
            card = Text("• ")
            for i, column in enumerate(columns):
                value = _plain(cells[i][row])
                card.append(" · " if i else "")
                card.append(_plain(column.header), style="bold")
                card.append(f" {' '.join(value.split())}")
            parts.append(card)
        return Group(*parts)

    def fits(self, console: Console, options: ConsoleOptions) -> bool:
        """Does the table show every word whole at this width? Measured; then each column is given its whole words
        as its least width and the layout rich makes is checked (nothing cut that was not cut in the cells)."""
        if table_width(self.table) > options.max_width:
            return False
        for column in self.table.columns:  # rich then shrinks the wide columns, never a word below its length
            column.min_width = _needed(column)
        lines = console.render_lines(self.table, options, pad=False)
        shown = "\n".join("".join(segment.text for segment in line) for line in lines)
        given = [_plain(c.header) for c in self.table.columns]
        given += [_plain(cell) for c in self.table.columns for cell in c.cells]
        return shown.count("…") <= sum(text.count("…") for text in given)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The table if every word fits the width the console gives, else the paragraphs."""
        yield self.table if self.fits(console, options) else self.paragraphs()


def fitted(table: Table) -> Fitted:
    """``table``, shown whole or as paragraphs depending on the window's width (for ``console.print``)."""
    return Fitted(table)

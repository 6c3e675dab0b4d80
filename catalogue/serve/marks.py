"""A source's text as HTML with every extracted span marked at its exact offsets, and search snippets with their
matches marked. Every piece of article text is escaped here; the HTML around it is ours."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup, escape

from catalogue.browse import SpanRecord
from catalogue.search import MARK_END, MARK_START


def span_anchor(start: int, end: int) -> str:
    """The id of the mark of text[start:end] on its source's page: claims, events and relations link to it."""
    return f"span-{start}-{end}"


def system_href(name: str) -> str:
    return "/systems/" + quote(name, safe="")


def record_anchor(record: SpanRecord) -> str:
    """Where a record is shown on its system's page."""
    if record.kind in ("event", "observation"):
        return f"event-{record.event_id}"
    return f"{record.kind}-{record.id}"


def record_label(record: SpanRecord) -> str:
    """'Haeil: capability producing radioactive tsunamis (Pyongyang)': what a mark says of one record."""
    what = record.attribute or record.kind
    value = f"{record.value} {record.unit}" if record.value and record.unit else record.value
    said = f" ({record.claimant})" if record.claimant else ""
    status = f" [{record.status}]" if record.status and record.status != "claimed" else ""
    return f"{record.system}: {what}{f' {value}' if value else ''}{said}{status}"


@dataclass
class _Group:
    """The records of one span (several claims often share a sentence): one mark."""

    start: int
    end: int
    records: list[SpanRecord] = field(default_factory=list)

    @property
    def mention(self) -> bool:
        return all(r.kind == "mention" for r in self.records)


def _open(group: _Group, first: bool) -> str:
    if group.mention:  # a system's name: a link to its page
        record = group.records[0]
        return (f'<a class="mention" href="{escape(system_href(record.system_slug))}" '
                f'title="{escape(record.system)}">')
    kinds = " ".join(sorted({r.kind for r in group.records}))
    title = "; ".join(dict.fromkeys(map(record_label, group.records)))
    anchor = f' id="{span_anchor(group.start, group.end)}"' if first else ""  # a split span: its first piece
    return f'<mark{anchor} class="{kinds}" title="{escape(title)}">'


def _close(group: _Group) -> str:
    return "</a>" if group.mention else "</mark>"


def _refs(group: _Group, href: Callable[[SpanRecord], str]) -> str:
    links = dict.fromkeys(
        f'<a href="{escape(href(r))}">{escape(r.system)}: {escape(r.attribute or r.kind)}</a>'
        for r in group.records if r.kind != "mention")
    return f'<sup class="refs">{" ".join(links)}</sup>' if links else ""


def mark_text(text: str, spans: list[SpanRecord], href: Callable[[SpanRecord], str] | None = None) -> Markup:
    """The text with a <mark> around each span (records with the same offsets share one), followed by links to
    the records' places on their systems' pages, and each mention a link to its system. Spans that contain each
    other nest; one that crosses another is closed and opened again (its id stays on its first piece)."""
    href = href or (lambda r: f"{system_href(r.system_slug)}#{record_anchor(r)}")
    groups: dict[tuple[int, int], _Group] = {}
    for record in spans:
        if 0 <= record.start < record.end <= len(text):
            groups.setdefault((record.start, record.end), _Group(record.start, record.end)).records.append(record)
    ordered = sorted(groups.values(), key=lambda g: (g.start, -g.end))
    boundaries = sorted({g.start for g in ordered} | {g.end for g in ordered})
    out: list[str] = []
    stack: list[_Group] = []
    pending: list[str] = []  # links of spans inside a mention: written after it, as a link holds no link
    position, next_group = 0, 0
    for at in boundaries:
        out.append(str(escape(text[position:at])))
        position = at
        if any(g.end == at for g in stack):
            reopen = []
            while any(g.end == at for g in stack):
                group = stack.pop()
                out.append(_close(group))
                if group.end != at:
                    reopen.append(group)
                    continue
                refs = _refs(group, href)
                if any(g.mention for g in stack) or any(g.mention for g in reopen):
                    pending.append(refs)
                else:
                    out.append(refs)
            if pending and not any(g.mention for g in stack + reopen):
                out.extend(pending)
                pending.clear()
            for group in reversed(reopen):
                out.append(_open(group, first=False))
                stack.append(group)
        while next_group < len(ordered) and ordered[next_group].start == at:
            out.append(_open(ordered[next_group], first=True))
            stack.append(ordered[next_group])
            next_group += 1
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


_SNIPPET_MARKS = re.compile(f"{re.escape(MARK_START)}|{re.escape(MARK_END)}")


def mark_snippet(snippet: str) -> Markup:
    """A search snippet with its matches (between [[ and ]]) in <mark>, everything else escaped."""
    parts = _SNIPPET_MARKS.split(snippet)
    return Markup("".join(f"<mark>{escape(part)}</mark>" if i % 2 else str(escape(part))
                          for i, part in enumerate(parts)))

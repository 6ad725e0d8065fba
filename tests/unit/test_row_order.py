"""The list's incremental order: after any changes it equals a full sort of the same views."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.protocol.status import ServerKind
from tui.store.view import ConversationView, ErrorInfo
from tui.ui.listing.query import GROUPS, SORTS, ListQuery, group_of, order
from tui.ui.listing.rows import RowOrder

STATUSES = ["RUNNING", "ERROR", "STARTING", "STOPPED", "ARCHIVED", "PAUSED?"]
TITLES = ["", "a", "ab", "abc", "B", "fix login", "Fix", "zz"]

view_fields = st.fixed_dictionaries(
    {
        "status": st.sampled_from(STATUSES),
        "title": st.sampled_from(TITLES),
        "created": st.integers(0, 5),  # few values: ties are where orders disagree
        "updated": st.one_of(st.none(), st.integers(0, 5)),
        "since": st.one_of(st.none(), st.integers(0, 5)),
        "repository": st.sampled_from([None, "acme/api", "acme/web", "Zed/x"]),
    }
)
queries = st.builds(
    ListQuery,
    text=st.sampled_from(["", "fix", "a", "error"]),
    status=st.one_of(st.none(), st.sampled_from(STATUSES)),
    sort=st.sampled_from(SORTS),
    reverse=st.booleans(),
    errors_first=st.booleans(),
    group=st.one_of(st.none(), st.sampled_from(GROUPS)),
)


def _view(i: int, f: dict[str, object]) -> ConversationView:
    def at(minute: object) -> datetime | None:
        return None if minute is None else datetime(2026, 1, 1, 0, int(str(minute)), tzinfo=UTC)

    return ConversationView(
        server="s",
        id=f"{i:032x}",
        kind=ServerKind.V1,
        status=str(f["status"]),
        title=str(f["title"]),
        repository=None if f.get("repository") is None else str(f["repository"]),
        created_at=at(f["created"]),
        updated_at=at(f["updated"]),
        status_since=None if f["since"] is None else float(str(f["since"])),
    )


@settings(max_examples=200, deadline=None)
@given(
    initial=st.lists(view_fields, max_size=30),
    query=queries,
    changes=st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), view_fields)), max_size=40),
)
def test_incremental_order_equals_a_full_sort(
    initial: list[dict[str, object]],
    query: ListQuery,
    changes: list[tuple[int, dict[str, object] | None]],
) -> None:
    views = {i: _view(i, f) for i, f in enumerate(initial)}
    rows = RowOrder()
    rows.rebuild(views.values(), query)
    assert rows.rows == order(views.values(), query)
    for i, fields in changes:  # changed, new (i beyond the list) or removed (None)
        key = ("s", f"{i:032x}")
        if fields is None:
            views.pop(i, None)
            changed = None
        else:
            changed = views[i] = _view(i, fields)
        rows.update([(key, changed)])
        assert rows.rows == order(views.values(), query)
    assert [rows.position(k) for k in rows.rows] == list(range(len(rows.rows)))
    if query.group is not None:  # each group's rows together, its size counted right
        by_key = {v.key: v for v in views.values()}
        groups = [group_of(by_key[k], query.group) for k in rows.rows]
        for row, group in enumerate(groups):
            assert rows.group_size(row) == groups.count(group)
            assert rows.starts_group(row) == (row == 0 or groups[row - 1] != group)
        runs = [g for n, g in enumerate(groups) if n == 0 or groups[n - 1] != g]
        assert len(runs) == len(set(runs))


def test_descending_titles_put_a_word_before_its_prefix() -> None:
    views = [
        _view(i, {"status": "RUNNING", "title": t, "created": 0, "updated": None, "since": None})
        for i, t in enumerate(["ab", "abc", "b"])
    ]
    titles = {v.key: v.title for v in views}
    forward = [titles[k] for k in order(views, ListQuery(sort="title"))]
    backward = [titles[k] for k in order(views, ListQuery(sort="title", reverse=True))]
    assert forward == ["ab", "abc", "b"] and backward == ["b", "abc", "ab"]


@settings(max_examples=200, deadline=None)
@given(
    initial=st.lists(view_fields, max_size=30),
    query=queries,
    typed=st.text(alphabet="abfixlogn ", min_size=1, max_size=6),
    changes=st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), view_fields)), max_size=10),
)
def test_typing_letters_narrows_to_what_a_full_sort_gives(
    initial: list[dict[str, object]],
    query: ListQuery,
    typed: str,
    changes: list[tuple[int, dict[str, object] | None]],
) -> None:
    """Find as you type narrows the shown rows one keystroke at a time (no full re-sort);
    with changes between keystrokes it still equals a full sort."""
    views = {i: _view(i, f) for i, f in enumerate(initial)}
    rows = RowOrder()
    text = query.text
    rows.rebuild(views.values(), query)
    for n, char in enumerate(typed):
        text += char
        if n < len(changes):
            i, fields = changes[n]
            key = ("s", f"{i:032x}")
            changed = None if fields is None else _view(i, fields)
            if changed is None:
                views.pop(i, None)
            else:
                views[i] = changed
            rows.update([(key, changed)])
        now = replace(query, text=text)
        rows.requery(views.values(), now)
        assert rows.rows == order(views.values(), now)
        assert [rows.position(k) for k in rows.rows] == list(range(len(rows.rows)))


def test_a_title_changed_in_place_while_finding_is_found_by_its_new_words() -> None:
    """A conversation whose new title keeps its place in the order (sorted by status) is
    searched by that new title on the next keystroke."""
    fields: dict[str, object] = {"status": "RUNNING", "created": 1, "updated": 1, "since": 1}
    views = {i: _view(i, {**fields, "title": "fix login"}) for i in range(3)}
    rows = RowOrder()
    rows.requery(views.values(), ListQuery("fix"))
    views[1] = _view(1, {**fields, "title": "fix zz"})
    rows.update([(views[1].key, views[1])])
    now = ListQuery("fix z")
    rows.requery(views.values(), now)
    assert rows.rows == order(views.values(), now) == [views[1].key]


def test_grouping_by_error_code_puts_coded_failures_first_and_the_healthy_last() -> None:
    fields: dict[str, object] = {"created": 1, "updated": 1, "since": 1, "title": "t"}
    coded = replace(_view(0, {**fields, "status": "ERROR"}), last_error=ErrorInfo("E42", "x"))
    uncoded = _view(1, {**fields, "status": "ERROR"})
    healthy = _view(2, {**fields, "status": "RUNNING"})
    assert [group_of(v, "error") for v in (coded, uncoded, healthy)] == [
        (0, "E42"),
        (1, "no error code yet"),
        (2, "not failing"),
    ]
    keys = order([healthy, uncoded, coded], ListQuery(group="error"))
    assert keys == [coded.key, uncoded.key, healthy.key]

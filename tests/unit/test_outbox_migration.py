"""Migration 018 moves messages left in the retired ``send_retries`` into ``outbox``."""

from __future__ import annotations

import json
import sqlite3

from bot.messaging.message import OutMessage
from bot.store.db import _split_sql, migration_files


def test_send_retries_rows_move_to_the_outbox_with_their_buttons() -> None:
    conn = sqlite3.connect(":memory:")
    files = migration_files()
    for number, _name, sql in files:
        if number >= 18:
            break
        for statement in _split_sql(sql):
            conn.execute(statement)
    markup = {"inline_keyboard": [[{"text": "📋 Open", "callback_data": "meal:t:3"}],
                                  [{"text": "Site", "url": "https://x.nl"}]]}
    conn.execute(
        "INSERT INTO send_retries (kind, ref, chat_id, user_id, text, markup, attempts, next_at,"
        " expires_at, last_error, created_at) VALUES ('meal:list', '3', 77, NULL, 'Lijst',"
        " ?, 2, '2026-12-01T08:00:00+00:00', '2026-12-01T17:00:00+00:00', 'NetworkError',"
        " '2026-12-01T07:59:00+00:00')", (json.dumps(markup),))
    conn.execute(
        "INSERT INTO send_retries (kind, ref, chat_id, user_id, text, markup, attempts, next_at,"
        " expires_at, created_at) VALUES ('tally:week', 'top:W49', 78, NULL, 'Telling', NULL,"
        " 1, 'a', 'b', 'c')")
    for _number, _name, sql in (f for f in files if f[0] == 18):
        for statement in _split_sql(sql):
            conn.execute(statement)
    rows = conn.execute("SELECT kind, ref, channel, address, state, attempts, expires_at,"
                        " message FROM outbox ORDER BY id").fetchall()
    assert [r[:6] for r in rows] == [("meal:list", "3", "telegram", "77", "queued", 2),
                                     ("tally:week", "top:W49", "telegram", "78", "queued", 1)]
    first = OutMessage.from_json(json.loads(rows[0][7]))
    assert first.text == "Lijst" and rows[0][6] == "2026-12-01T17:00:00+00:00"
    assert [[b.data or b.url for b in row] for row in first.buttons] == [["meal:t:3"],
                                                                        ["https://x.nl"]]
    assert OutMessage.from_json(json.loads(rows[1][7])) == OutMessage("Telling")
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'send_retries'"
                            ).fetchall()

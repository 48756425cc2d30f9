"""`album share | shares | unshare` end to end: the link printed (path and local URL), the
list with its states (password, expiry, revoked), revoking by name or by link, and every bad
input one clear line that changes nothing."""

from __future__ import annotations

from tests.conftest import fails


def test_the_share_life_cycle_on_the_cli(cli, run_cli, library, tmp_path):
    a, b = library.noise("a.jpg", seed=1), library.noise("b.jpg", seed=2)
    cli("index", str(library.root), "--no-embed")
    cli("album", "create", "Trips/Lisbon")
    cli("album", "add", "Lisbon", str(a), str(b))
    made = cli("album", "share", "Lisbon")
    token = made["token"]
    assert made["path"] == f"/shared/{token}" and len(token) >= 43
    assert made["local"] == f"http://127.0.0.1:7860/shared/{token}"
    assert (made["album"], made["password"], made["expires"], made["public"]) == (
        "Trips/Lisbon", False, None, None,
    )  # fmt: skip
    guarded = cli("album", "share", "Trips/Lisbon", "--password", "open sesame", "--expires", "7d")
    assert guarded["password"] is True
    assert 7 * 86400 - 60 < guarded["expires"] - guarded["created"] <= 7 * 86400
    code, text, err = run_cli(
        ["--data-dir", str(tmp_path / "data"), "--host", "0.0.0.0", "--port", "8123",
         "album", "share", "Lisbon"]
    )  # fmt: skip
    assert code == 0 and ":8123/shared/" in text and "http://0.0.0.0" not in text
    assert "warning: The app has no password" in err  # the link would open the whole app
    assert made["warning"].startswith("The app has no password")
    assert "shown only now" in text
    listed = cli("album", "shares")["shares"]
    assert len(listed) == 3 and all(s["active"] and s["album"] == "Trips/Lisbon" for s in listed)
    assert token not in str(listed)  # the list never shows a working link
    gone = cli("album", "unshare", f"http://127.0.0.1:7860/shared/{token}")["revoked"]
    assert [s["id"] for s in gone] == [made["id"]] and gone[0]["active"] is False
    code, text, _ = run_cli(["--data-dir", str(tmp_path / "data"), "album", "shares"])
    assert code == 0 and "revoked" in text and "password" in text and "active" in text
    rest = cli("album", "unshare", "Lisbon")["revoked"]
    assert {s["id"] for s in rest} == {guarded["id"], listed[0]["id"]}
    assert not any(s["active"] for s in cli("album", "shares")["shares"])


def test_bad_share_input_is_one_line_and_changes_nothing(cli, run_cli, library, tmp_path):
    library.noise("a.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("album", "create", "Lisbon")
    for args, reason in (
        (("album", "share", "Nowhere"), "no album named 'Nowhere'"),
        (("album", "share", "Lisbon", "--expires", "2020-01-01"), "already past"),
        (("album", "share", "Lisbon", "--expires", "soon"), "give a duration"),
        (("album", "share", "Lisbon", "--password", "abc"), "4 to 1024 characters"),
        (("album", "unshare", "Lisbon"), "no share link to revoke"),
        (("album", "unshare", "A" * 43), "no share link has this token"),
    ):
        assert reason in fails(run_cli, tmp_path, *args)
    assert cli("album", "shares")["shares"] == []

"""The gateway's approval endpoints on a real server on 127.0.0.1: admin key only, one decision per call."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from charter.agents.approvals import Approval, ApprovalStore
from charter.backends.fake import FakeBackend
from charter.gateway import GatewaySettings
from charter.operators import OperatorStore
from gateway_server import LiveGateway, live_gateway

WIRE = {"to": "bob", "amount": 2500}


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/gateway.db"


def http(method: str, url: str, body: Any = None, key: str | None = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    if key:
        req.add_header("authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as err:
        payload = err.read()
        err.close()
        return err.code, json.loads(payload or b"null")


class Setup:
    """A database with an operator, an admin key and two held calls, and a gateway serving it."""

    def __init__(self, gw: LiveGateway, op_key: str, admin_key: str, held: list[Approval]) -> None:
        self.gw, self.op_key, self.admin_key, self.held = gw, op_key, admin_key, held

    def approvals(self, query: str = "", key: str | None = None) -> tuple[int, Any]:
        return http("GET", f"{self.gw.v1}/admin/approvals{query}", key=key or self.admin_key)

    def decide(self, id: str, verb: str, body: Any = None, key: str | None = None,
               raw: bytes | None = None) -> tuple[int, Any]:
        return http("POST", f"{self.gw.v1}/admin/approvals/{id}/{verb}", body=body, key=key or self.admin_key, raw=raw)


@pytest.fixture
def setup(db: str) -> Iterator[Setup]:
    with OperatorStore(db) as ops:
        op_key = ops.add("acme")
        admin_key = ops.add_admin_key("on-call")
    with ApprovalStore(db) as store:
        held = [store.request("acme", "send_money", WIRE, ["moves money"]),
                store.request("acme", "delete_file", "rm -rf /srv", ["deletes files", "tainted"])]
    settings = GatewaySettings(database_url=db, backend="fake:helpful", control_ttl_s=0.1)
    with live_gateway(settings, FakeBackend(["helpful"])) as gw:
        yield Setup(gw, op_key, admin_key, held)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/admin/approvals?status=pending"),
    ("POST", "/admin/approvals/ID/approve"),
    ("POST", "/admin/approvals/ID/deny"),
], ids=["list", "approve", "deny"])
@pytest.mark.parametrize("who", ["no-key", "operator-key", "made-up-admin-key"])
def test_only_an_admin_key_reaches_the_approvals(setup: Setup, db: str, method: str, path: str, who: str) -> None:
    key = {"no-key": None, "operator-key": setup.op_key, "made-up-admin-key": "cha_" + "x" * 43}[who]
    code, err = http(method, setup.gw.v1 + path.replace("ID", setup.held[0].id), key=key,
                     body={"note": "sneaky"} if method == "POST" else None)
    assert code == 403 and "an admin key is required" in err["error"]["message"]
    with ApprovalStore(db) as store:
        assert [a.id for a in store.pending()] == [a.id for a in setup.held]


def test_an_admin_lists_the_pending_queue_oldest_first(setup: Setup) -> None:
    code, listed = setup.approvals("?status=pending")
    assert code == 200 and listed["object"] == "list"
    assert [Approval.model_validate(a) for a in listed["data"]] == setup.held
    code, listed = setup.approvals("?status=pending&operator=globex")
    assert code == 200 and listed["data"] == []
    code, err = setup.approvals("?status=maybe")
    assert code == 400 and "unknown approval status 'maybe'" in err["error"]["message"]


def test_an_admin_approves_with_a_note_and_a_second_decision_is_a_conflict(setup: Setup, db: str) -> None:
    target = setup.held[0].id
    code, done = setup.decide(target, "approve", {"note": "checked with finance"})
    assert code == 200
    assert (done["id"], done["status"], done["decided_by"], done["note"]) == \
        (target, "approved", "admin key via gateway", "checked with finance")
    code, err = setup.decide(target, "deny", {"note": "too late"})
    assert code == 409
    assert f"cannot deny '{target}': already approved by admin key via gateway" in err["error"]["message"]
    with ApprovalStore(db) as store:
        assert store.get(target) == Approval.model_validate(done)
    code, listed = setup.approvals("?status=pending")
    assert [a["id"] for a in listed["data"]] == [setup.held[1].id]
    code, listed = setup.approvals()  # no status: everything, newest first
    assert [a["id"] for a in listed["data"]] == [setup.held[1].id, target]


def test_deny_needs_no_body(setup: Setup) -> None:
    code, done = setup.decide(setup.held[1].id, "deny")
    assert code == 200 and done["status"] == "denied" and done["note"] == ""


@pytest.mark.parametrize(("body", "raw", "status", "problem"), [
    ({"note": 5}, None, 400, "'note' must be a string"),
    ({"note": "ok", "by": "ceo"}, None, 400, "unknown key(s): by; the body takes only 'note'"),
    (None, b"{not json", 400, "request body is not valid JSON"),
], ids=["note-not-string", "unknown-key", "bad-json"])
def test_a_bad_body_is_refused_and_decides_nothing(setup: Setup, db: str, body: Any, raw: bytes | None,
                                                   status: int, problem: str) -> None:
    code, err = setup.decide(setup.held[0].id, "approve", body, raw=raw)
    assert code == status and problem in err["error"]["message"]
    with ApprovalStore(db) as store:
        assert store.get(setup.held[0].id) == setup.held[0]


def test_an_unknown_id_is_a_404_naming_it(setup: Setup) -> None:
    code, err = setup.decide("apr_nosuchthing", "approve")
    assert code == 404 and "no approval 'apr_nosuchthing'" in err["error"]["message"]

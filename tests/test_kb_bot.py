"""The answer bot's language rules and ranking, without a server: what a question asks (its
facet), question words taken out before matching, small talk and complaints, the decision,
and an index over hand-written near-neighbour entries (none of them from the evaluation set)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.domain.kb import (
    Action,
    Candidate,
    Intent,
    KbEntry,
    Thresholds,
    decide,
    intent_of,
    rank,
)
from appliance.domain.kb_facets import (
    Facet,
    agreement,
    answered_facets,
    facets_of,
    without_interrogatives,
)
from appliance.services.kb_index import KbIndex
from appliance.services.kb_text import Lexicon, terms


@pytest.mark.parametrize("text, expected", [
    ("滤芯更换的收费标准", {Facet.COST}),
    ("会员卡贵不贵", {Facet.COST}),
    ("维修一般要等几天", {Facet.TIME}),
    ("门店几点开门", {Facet.TIME}),
    ("滤芯多久换一次", {Facet.FREQUENCY}),
    ("一年要保养几次", {Facet.FREQUENCY}),
    ("积分兑换的步骤", {Facet.HOW}),
    ("你们门店在什么地方", {Facet.WHERE}),
    ("为什么订单显示异常", {Facet.REASON}),
    ("A款和B款有什么区别", {Facet.COMPARE}),
    ("上门的人是谁安排", {Facet.WHO}),
    ("最少要订几箱", {Facet.QUANTITY}),
    ("打完针会疼吗", {Facet.NORMAL}),
    ("能开收据吗", {Facet.POSSIBLE}),
    ("保温杯", set()),
])
def test_facets_of_questions(text: str, expected: set[Facet]) -> None:
    assert facets_of(text) == expected


@pytest.mark.parametrize("answer, expected", [
    ("清洗一次收费80元。", {Facet.COST}),
    ("付款后3-5个工作日送达。", {Facet.TIME}),
    ("建议每6个月保养一次。", {Facet.TIME, Facet.FREQUENCY}),
    ("门店地址：人民路18号。", {Facet.WHERE}),
    ("支持，请联系客服。", set()),
])
def test_answered_facets(answer: str, expected: set[Facet]) -> None:
    assert answered_facets(answer) == expected


def test_agreement_rewards_the_same_facet_and_refuses_one_never_answered() -> None:
    cost, time = frozenset({Facet.COST}), frozenset({Facet.TIME})
    assert agreement(cost, cost, frozenset()) == 1
    assert agreement(cost, time, time) == -1       # asks a price, gets a duration
    assert agreement(cost, time, cost) == 0        # the answer gives a price anyway
    assert agreement(frozenset({Facet.POSSIBLE}), time, time) == 0  # 能…吗 says nothing
    assert agreement(frozenset(), cost, cost) == 0


def test_question_words_are_taken_out_before_matching() -> None:
    assert without_interrogatives("退款多久能到账").split() == ["退款", "能到账"]
    assert "什么时候" not in without_interrogatives("师傅什么时候上门")
    assert without_interrogatives("会员卡贵不贵").strip() == "会员卡"


@pytest.mark.parametrize("text, intent", [
    ("你们这服务太差了，我要投诉", Intent.HANDOVER),
    ("等了半天没人回", Intent.HANDOVER),
    ("好的谢谢老师", Intent.SMALL_TALK),
    ("谢谢师傅！", Intent.SMALL_TALK),
    ("今天天气怎么样", Intent.SMALL_TALK),
    ("谢谢，发票怎么开", Intent.QUESTION),
    ("会员卡怎么办", Intent.QUESTION),
])
def test_intent_of_complaints_and_small_talk(text: str, intent: Intent) -> None:
    assert intent_of(text) is intent


def entry(number: int, question: str, answer: str = "见门店公告。") -> KbEntry:
    return KbEntry(number, 1, None, question, answer)


def test_facet_agreement_reranks_and_low_confidence_hands_over() -> None:
    price = Candidate(entry(1, "保养多少钱？"), score=2.0, coverage=0.5, facet=-1)
    often = Candidate(entry(2, "多久保养一次？"), score=1.8, coverage=0.5, facet=1)
    settings = Thresholds(facet_bonus=0.3, answer=0.3, suggest=0.2, margin_weight=0.0,
                          score_weight=0.0, reach_confidence=0.0)
    assert [c.entry.id for c in rank([price, often], settings)] == [2, 1]
    decision = decide(Intent.QUESTION, [price, often], settings)
    assert decision.action is Action.ANSWER and decision.entry_id == 2
    weak = Candidate(entry(3, "积分规则"), score=0.5, coverage=0.05)
    assert decide(Intent.QUESTION, [weak], settings).action is Action.HANDOVER
    assert decide(Intent.QUESTION, [], settings).action is Action.HANDOVER
    assert decide(Intent.SMALL_TALK, [price], settings).action is Action.SMALL_TALK


NEIGHBOURS = [
    entry(1, "洗衣机清洗多少钱？", "上门清洗滚筒洗衣机每台120元，波轮洗衣机每台100元。"),
    entry(2, "洗衣机多久清洗一次比较好？", "一般建议每6个月清洗一次，家里有宠物的每3个月一次。"),
    entry(3, "清洗会损伤洗衣机吗？", "不会，师傅使用专用工具拆洗，不影响洗衣机使用。"),
    entry(4, "清洗师傅什么时候上门？", "预约后24小时内联系您，一般48小时内上门。"),
    entry(5, "会员卡怎么办理？", "在前台出示手机号即可办理，免工本费。"),
]


@pytest.mark.parametrize("text, expected", [
    ("洗衣机清洗一次什么价", 1),
    ("隔多长时间要洗一下洗衣机", 2),
    ("拆洗对机器有伤害吗", 3),
    ("清洗要等几天才上门", 4),
    ("办会员卡的手续", 5),
])
def test_near_neighbours_are_told_apart_by_what_is_asked(text: str, expected: int) -> None:
    index = KbIndex(NEIGHBOURS, Lexicon.build())
    found, _ = index.search(text, limit=5)
    assert rank(found, Thresholds())[0].entry.id == expected, text


def test_a_noun_no_entry_mentions_lowers_confidence() -> None:
    index = KbIndex(NEIGHBOURS, Lexicon.build())
    known, _ = index.search("洗衣机清洗多少钱", limit=1)
    unknown, _ = index.search("洗碗机清洗多少钱", limit=1)
    assert known[0].missing == 0.0
    assert unknown[0].entry.id == 1 and unknown[0].missing == 1.0  # 洗碗机: never mentioned
    settings = Thresholds(missing_weight=0.2)
    assert decide(Intent.QUESTION, unknown, settings).confidence < decide(
        Intent.QUESTION, unknown, Thresholds(missing_weight=0.0)).confidence


def test_the_near_tie_rule_offers_the_top_entries_only_when_switched_on() -> None:
    """`Thresholds.tie_margin` (measured in docs/benchmarks.md, off as shipped): a confident
    best candidate whose runner-up is within the margin is offered with it, not answered."""
    settings = Thresholds(answer=0.3, suggest=0.2, margin_weight=0.0, score_weight=0.0,
                          reach_confidence=0.0, reach_weight=0.0, facet_bonus=0.0)
    best = Candidate(entry(1, "退货运费谁出？"), score=4.0, coverage=0.9)
    close = Candidate(entry(2, "退货流程是什么？"), score=3.9, coverage=0.8)  # 2.5 % behind
    far = Candidate(entry(3, "七天无理由退货"), score=3.0, coverage=0.8)  # 25 % behind
    third = Candidate(entry(4, "拆封能退吗？"), score=1.0, coverage=0.3)
    assert Thresholds().tie_margin == 0.0
    assert decide(Intent.QUESTION, [best, close], settings).action is Action.ANSWER
    tie = replace(settings, tie_margin=0.05)
    offered = decide(Intent.QUESTION, [third, close, best], tie)
    assert offered.action is Action.SUGGEST and offered.entry_id is None
    assert [c.entry.id for c in offered.candidates] == [1, 2, 4]
    assert decide(Intent.QUESTION, [best, far], tie).entry_id == 1  # a clear lead: answered
    assert decide(Intent.QUESTION, [best], tie).entry_id == 1  # alone: answered
    assert decide(Intent.QUESTION, [best, close], replace(tie, tie_margin=0.02)).entry_id == 1


def test_words_the_segmenter_would_guess_are_not_made_up() -> None:
    """The segmenter's guesses for strings its dictionary lacks (随货带, 完款) would be
    words no entry has, counted against the entry that answers; only dictionary words are
    terms, and the characters and pairs of such strings still match."""
    found = terms("随货带发票吗", Lexicon.build())
    assert "w:随货带" not in found and "w:发票" in found
    assert {"b:随货", "b:货带", "u:随"} <= set(found)
    assert "w:完款" not in terms("亲 付完款多久法货", Lexicon.build())


SMALL_SHOP = [
    entry(1, "下单后多久发货？", "付款后24小时内发货。"),
    entry(2, "运费怎么收？包邮吗？", "满99元包邮，不满收8元。"),
    entry(3, "可以开发票吗？", "可以，下单时填写抬头即可。"),
    entry(4, "门店几点开门？", "每天早上9点开门。"),
]


@pytest.mark.parametrize("text", ["多久", "几点", "什么时候"])
def test_a_question_word_alone_is_not_answered_by_an_entry_asking_the_same_kind(
        text: str) -> None:
    """Question words are not matched, only what they ask (a time): with no word of the
    message in any entry, the shipped least score keeps the bot from answering whichever
    entry asks a time (多久 → 门店几点开门)."""
    found, _ = KbIndex(SMALL_SHOP, Lexicon.build()).search(text, limit=5)
    assert decide(Intent.QUESTION, found, Thresholds()).action is not Action.ANSWER, found

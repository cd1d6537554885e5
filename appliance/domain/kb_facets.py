"""What a question asks (its facet: a price, a time, a way to do something, whether it is
possible…) from general Chinese interrogative patterns, and what an answer tells.

Entries about one topic often differ only by facet (洗牙多少钱 / 多久洗一次 / 洗牙伤牙吗,
退货流程 / 退货运费谁出), and a message that asks for a price an entry never gives is
not answered by it (空调移机多少钱 against 空调包安装吗). Written from the language, not
from any evaluation set."""

from __future__ import annotations

import enum
import re
import unicodedata


class Facet(enum.StrEnum):
    COST = "cost"            # 多少钱, 价格, 收费吗, 贵不贵
    TIME = "time"            # 多久, 什么时候, 几天, 几点
    FREQUENCY = "frequency"  # 多久一次, 频率, 几次
    HOW = "how"              # 怎么, 如何, 流程, 步骤, 怎么办
    WHERE = "where"          # 哪里, 在哪, 地址, 怎么去
    WHICH = "which"          # 哪些, 哪种, 什么方式, 有什么
    WHO = "who"              # 谁, 谁承担
    REASON = "reason"        # 为什么, 怎么回事, 原因
    QUANTITY = "quantity"    # 多少件, 几个, 最少, 起订
    COMPARE = "compare"      # 区别, 哪个好, A还是B
    NORMAL = "normal"        # 正常吗, 疼不疼, 伤牙吗, 安全吗, 会不会
    POSSIBLE = "possible"    # 能不能, 可以吗, 支持吗, 有没有 (the weakest: most questions are)


# The facets whose agreement or disagreement tells near-neighbour entries apart. POSSIBLE is
# left out: "能…吗" wraps almost any question.
STRONG: frozenset[Facet] = frozenset(Facet) - {Facet.POSSIBLE}

_NUM = r"[0-9一二两三四五六七八九十几多半]"

_PATTERNS: dict[Facet, str] = {
    Facet.COST: (
        r"多少钱|几块钱?|几毛|多钱|什么价|啥价|价格|价位|价钱|价目|报价|费用|收费|"
        r"[收花交付掏出给]多少|要钱|收钱|花钱|贵不贵|贵吗|贵么|太贵|便宜|免费|另收|另付|"
        r"加钱|额外.{0,2}[费钱]|多少.{0,2}费|[^运邮]费吗|费多少|划算|优惠多少|打几折"
    ),
    Facet.FREQUENCY: (
        r"多久.{0,4}一次|多长时间.{0,4}一次|隔多久|隔多长时间|隔几[天个周年月]|间隔|每隔|频率|几次|"
        r"多少次|几趟|"
        r"一年.{0,3}几|一个月.{0,3}几|经常|定期|勤"
    ),
    Facet.TIME: (
        r"多久|多长时间|多长|多少天|几天|几个?小时|几分钟|几个?月|几年|几周|几个?星期|"
        r"什么时候|啥时候?|何时|几时|几点|哪天|哪一天|哪几天|时间|时效|多快|最快|"
        r"来得及|要等|等多久|周期|期限|有效期|多会儿|当天|今天.{0,3}[能可]|马上|立刻|"
        r"还要多久|几号|几岁|多大(?:开始|年纪|岁|了)"
    ),
    Facet.HOW: (
        r"怎么(?!回事|会|还)|怎样|如何|咋(?!回事)|流程|步骤|手续|程序|方法|办法|操作|处理|办理|"
        r"要做什么|该做什么|需要做|注意什么|注意事项|要注意|攻略"
    ),
    Facet.WHERE: (
        r"哪里|哪儿|哪边|在哪|去哪|到哪|哪个地方|什么地方|啥地方|地址|位置|地点|"
        r"怎么走|怎么去|怎么过去|怎么到|路线|导航|附近"
    ),
    Facet.WHICH: (
        r"哪些|哪几|哪种|哪类|哪款|哪家|哪个|什么方式|什么渠道|什么品牌|什么牌子|"
        r"什么样|有什么|有啥|都有|包括什么|包含什么|含什么|带什么|带啥|准备什么|"
        r"用什么|发什么|是什么"
    ),
    Facet.WHO: r"谁|哪位|什么人|找人|承担",
    Facet.REASON: (
        r"为什么|为啥|为何|怎么回事|咋回事|什么原因|啥原因|原因|怎么会|怎么还|"
        r"凭什么|干嘛|是不是.{0,6}问题"
    ),
    Facet.QUANTITY: (
        rf"多少{_NUM}?[个件套台颗只箱吨片张份瓶盒]|几[个件套台颗只箱吨片张份瓶盒]|"
        r"最少|至少|最多|起订|起购|起批|数量|多大量|量少|少量|批量|买多少|订多少|要多少[个件套]?"
    ),
    Facet.COMPARE: (
        r"区别|差别|不同|不一样|哪个好|哪种好|哪个更|好还是|还是.{1,8}[好呢吗]|"
        r"有啥差|对比|一样吗"
    ),
    Facet.NORMAL: (
        r"正常吗|正常不|正常么|是不是正常|疼不疼|痛不痛|疼吗|痛吗|会疼|会痛|伤[牙身]|"
        r"有害|伤害|危险|安全吗|安全不|副作用|影响大|有影响|会不会|靠谱|可靠吗|"
        r"是正品|真的吗|是真的"
    ),
    Facet.POSSIBLE: (
        r"能不能|能否|可不可以|可以吗|可以么|可以不|可否|能吗|能么|能不|行不行|行吗|"
        r"支不支持|支持吗|支持不|允许|有没有|有吗|有么|要不要|需不需要|需要吗|用不用|"
        r"还能|还可以|是否|会不会|给不给|接不接|做不做|收不收|包不包|包吗|"
        r"(?:能|可以|可否|支持|允许|接受|提供|有)[^，。？?！!]{0,12}[吗么不]$"
    ),
}

_COMPILED: dict[Facet, re.Pattern[str]] = {f: re.compile(p) for f, p in _PATTERNS.items()}

def facets_of(text: str) -> frozenset[Facet]:
    """The facets a message or an FAQ question asks about (possibly none: a bare topic)."""
    text = unicodedata.normalize("NFKC", text).lower().strip(" ?？!！。.~～")
    found = {facet for facet, pattern in _COMPILED.items() if pattern.search(text)}
    if Facet.FREQUENCY in found:
        found.discard(Facet.TIME)  # 多久洗一次 asks how often, not how long
    if Facet.COMPARE in found:
        found.discard(Facet.WHICH)  # 哪个好 compares
    return frozenset(found)


_MONEY = re.compile(r"[0-9]\s*(?:元|块|万元|%)|免费|不收费|另计|另付|加收|补贴|折扣")
_DURATION = re.compile(r"[0-9一二两三四五六七八九十半]\s*(?:-\s*[0-9]+\s*)?(?:个)?"
                       r"(?:工作日|天|小时|分钟|周|星期|月|年)|当天|次日|即时|[0-9]{1,2}[:：][0-9]{2}")
_EVERY = re.compile(r"每[0-9一二两三四五六七八九十半]|一次|每次|每年|每月|每周|每天")
_PLACE = re.compile(r"地址|[路街]\s*[0-9]+\s*号|大厦|地铁|导航|站[A-Z0-9]?口")


def answered_facets(answer: str) -> frozenset[Facet]:
    """The facets an answer gives information on beyond its question's: a price, a time or
    duration, how often, a place. Used to tell whether an entry can answer a facet
    its question does not name."""
    found = set()
    if _MONEY.search(answer):
        found.add(Facet.COST)
    if _DURATION.search(answer):
        found.add(Facet.TIME)
        if _EVERY.search(answer):
            found.add(Facet.FREQUENCY)
    if _PLACE.search(answer):
        found.add(Facet.WHERE)
    return frozenset(found)


def agreement(asked: frozenset[Facet], entry_asks: frozenset[Facet],
              entry_tells: frozenset[Facet]) -> int:
    """+1 when the message asks a strong facet the entry's question asks too, -1 when it asks
    strong facets the entry neither asks nor tells, else 0."""
    strong = asked & STRONG
    if not strong:
        return 0
    if strong & entry_asks:
        return 1
    if strong - entry_asks - entry_tells - {Facet.HOW, Facet.WHICH}:
        return -1
    return 0


# How a question asks, not what it is about: these words carry the facet and nothing of the
# topic, so they are taken out before matching (otherwise 钱什么时候退 matches 师傅什么时候
# 上门 on 什么时候). Longest first.
_INTERROGATIVE = re.compile(
    r"多少钱|几块钱|多钱|多少|多久|多长时间|多长|什么时候|啥时候|何时|几时|几点|几天|几个月|"
    r"几个小时|几小时|几年|几周|几次|几趟|几个|几件|几颗|怎么样|怎么办|怎么回事|怎么|怎样|如何|"
    r"咋办|咋整|咋弄|咋样|咋回事|咋|为什么|为啥|为何|哪里|哪儿|哪些|哪个|哪种|哪家|哪款|哪位|"
    r"在哪|去哪|什么样|什么|啥|能不能|可不可以|可以吗|可以么|可以不|能否|是否|有没有|要不要|"
    r"需不需要|用不用|会不会|行不行|支不支持|贵不贵|给不给|收不收|包不包|是不是|"
    r"[吗么嘛呢吧啊呀]+(?=[\s?？!！。,，~]|$)")


def without_interrogatives(text: str) -> str:
    """`text` with its question words blanked out (normalised text expected)."""
    return _INTERROGATIVE.sub(" ", text)

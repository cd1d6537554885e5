"""Where visits come from, and truncated addresses (appliance/domain/traffic.py)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from appliance.domain.traffic import (
    CAMPAIGN,
    DIRECT,
    PAID,
    PORTAL,
    SEARCH,
    SOCIAL,
    WEBSITE,
    Source,
    canonical_source,
    classify_source,
    truncate_ip,
)

LANDING = "https://www.example.com/"


@pytest.mark.parametrize(("referrer", "expected"), [
    ("https://www.baidu.com/s?ie=utf-8&wd=" + quote("种植牙 价格"),
     Source(SEARCH, "百度", "种植牙 价格")),
    ("https://m.baidu.com/s?word=" + quote("洗牙多少钱"), Source(SEARCH, "百度", "洗牙多少钱")),
    ("https://www.baidu.com/s?ie=gbk&wd=" + quote("牙齿矫正".encode("gbk")),
     Source(SEARCH, "百度", "牙齿矫正")),
    ("https://www.baidu.com/link?url=abc", Source(SEARCH, "百度", "")),  # keyword hidden
    ("https://www.sogou.com/web?query=" + quote("儿童牙科"), Source(SEARCH, "搜狗", "儿童牙科")),
    ("https://wap.sogou.com/web/searchList.jsp?keyword=" + quote("补牙"),
     Source(SEARCH, "搜狗", "补牙")),
    ("https://www.so.com/s?q=" + quote("口腔医院"), Source(SEARCH, "360搜索", "口腔医院")),
    ("https://m.sm.cn/s?q=" + quote("拔智齿"), Source(SEARCH, "神马", "拔智齿")),
    ("https://cn.bing.com/search?q=dental+implant", Source(SEARCH, "必应", "dental implant")),
    ("https://www.google.com.hk/search?q=" + quote("牙科 hk"), Source(SEARCH, "Google", "牙科 hk")),
    ("https://www.google.com/", Source(SEARCH, "Google", "")),
    ("https://detail.1688.com/offer/1.html", Source(PORTAL, "1688")),
    ("https://www.made-in-china.com/products", Source(PORTAL, "中国制造网")),
    ("https://b2b.baidu.com/land?id=1", Source(PORTAL, "百度爱采购")),
    ("https://www.zhihu.com/question/1", Source(WEBSITE, "zhihu.com")),
    # A WeChat official-account article (README: "a WeChat article"), not "a website".
    ("https://mp.weixin.qq.com/s/AbCdEf123", Source(SOCIAL, "微信文章")),
    ("https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1", Source(SOCIAL, "微信文章")),
    ("https://open.weixin.qq.com/connect", Source(SOCIAL, "微信")),
    ("https://m.weibo.cn/status/1", Source(SOCIAL, "微博")),
    ("https://www.douyin.com/video/1", Source(SOCIAL, "抖音")),
    ("https://www.qq.com/", Source(WEBSITE, "qq.com")),  # qq.com itself is a website
    ("", Source(DIRECT)),
    ("not a url", Source(DIRECT)),
    ("https://www.example.com/pricing", Source(DIRECT)),  # navigation inside the site
])
def test_referrers(referrer: str, expected: Source) -> None:
    assert classify_source(LANDING, referrer, ("www.example.com",)) == expected


@pytest.mark.parametrize(("landing", "referrer", "expected"), [
    (LANDING + "?utm_source=baidu&utm_medium=cpc&utm_campaign=spring&utm_term=" + quote("洗牙"),
     "https://www.baidu.com/", Source(PAID, "百度推广", "洗牙", "spring")),
    (LANDING + "?bd_vid=123456", "https://www.baidu.com/s?wd=" + quote("牙套"),
     Source(PAID, "百度推广", "牙套", "")),
    (LANDING + "?hmsr=baidu&hmpl=" + quote("种植牙计划") + "&hmkw=" + quote("种植牙"), "",
     Source(PAID, "百度推广", "种植牙", "种植牙计划")),
    (LANDING + "?gclid=abc", "", Source(PAID, "Google Ads", "", "")),
    (LANDING + "?qhclickid=x", "https://www.so.com/s?q=" + quote("牙医"),
     Source(PAID, "360点睛", "牙医", "")),
    # An unpaid UTM link is not a paid campaign, but it is a campaign (below).
    (LANDING + "?utm_source=newsletter&utm_medium=email", "",
     Source(CAMPAIGN, "newsletter", "", "")),
])
def test_paid_campaigns(landing: str, referrer: str, expected: Source) -> None:
    assert classify_source(landing, referrer) == expected


@pytest.mark.parametrize(("landing", "referrer", "expected"), [
    # Any utm_source without a paid medium: a campaign named by it, whatever the referrer.
    (LANDING + "?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=sale",
     "", Source(CAMPAIGN, "newsletter", "sale", "spring")),
    (LANDING + "?utm_source=wechat", "https://mp.weixin.qq.com/s/abc",
     Source(CAMPAIGN, "微信", "", "")),
    (LANDING + "?utm_source=qrcode&utm_medium=offline", "https://www.example.com/other",
     Source(CAMPAIGN, "qrcode", "", "")),
    # A tagged organic search is a search, named and read as the engine's own referrer.
    (LANDING + "?utm_source=baidu&utm_medium=organic", "https://www.baidu.com/s?wd=x",
     Source(SEARCH, "百度", "x", "")),
    (LANDING + "?utm_source=Google&utm_medium=SEO&utm_term=dentist", "",
     Source(SEARCH, "Google", "dentist", "")),
    (LANDING + "?utm_source=newsletter&utm_medium=organic", "", Source(CAMPAIGN, "newsletter")),
    (LANDING + "?utm_source=" + quote("春季传单") + "&keyword=" + quote("洗牙"), "",
     Source(CAMPAIGN, "春季传单", "洗牙", "")),
    # A paid medium or a click id still makes it paid; other tags without utm_source do not
    # make a campaign (the referrer decides).
    (LANDING + "?utm_source=weibo&utm_medium=cpm", "", Source(PAID, "微博", "", "")),
    (LANDING + "?utm_medium=email&utm_campaign=x", "", Source(DIRECT)),
    (LANDING + "?utm_source=", "https://www.example.org/", Source(WEBSITE, "example.org")),
])
def test_tagged_campaigns(landing: str, referrer: str, expected: Source) -> None:
    assert classify_source(landing, referrer, ("www.example.com",)) == expected


def test_hostile_input_stays_bounded_text() -> None:
    keyword = "<script>alert(1)</script>" * 50
    found = classify_source(LANDING, "https://www.baidu.com/s?wd=" + quote(keyword))
    assert found.kind == SEARCH and len(found.keyword) == 100  # bounded; shown as text later
    assert classify_source(LANDING, "https://www.baidu.com/s?wd=%E0%A4%A").keyword  # bad bytes
    assert classify_source(LANDING + "?" + "&".join(["a=1"] * 5000), "").kind == DIRECT
    assert classify_source("https://[::1", "https://[bad").kind == DIRECT
    control = classify_source(LANDING, "https://www.so.com/s?q=a%00%0Ab%1b")
    assert control.keyword == "ab"


@pytest.mark.parametrize(("address", "truncated"), [
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:1234:5678::1", "2001:db8:1234::"),
    ("::ffff:198.51.100.9", "198.51.100.0"),
    ("", ""), ("not-an-ip", ""), ("999.1.1.1", ""),
])
def test_truncated_addresses(address: str, truncated: str) -> None:
    assert truncate_ip(address) == truncated


@pytest.mark.parametrize(("tag", "name"), [
    # The engine, portal or app a tag names is the one its own referrer names: one report row.
    ("google", "Google"), ("GOOGLE", "Google"), ("google.com.hk", "Google"),
    ("https://www.google.com/", "Google"), ("baidu", "百度"), ("www.baidu.com", "百度"),
    ("m.baidu.com", "百度"), ("b2b.baidu.com", "百度爱采购"), ("百度", "百度"),
    ("weixin", "微信"), ("WeChat", "微信"), ("mp.weixin.qq.com", "微信文章"),
    ("xhs", "小红书"), ("1688", "1688"), ("alibaba.com", "阿里巴巴"), ("Bing", "必应"),
    # Anything else as the owner wrote it, trimmed.
    ("  Newsletter ", "Newsletter"), ("春季传单", "春季传单"), ("example.org", "example.org"),
    ("googleplex", "googleplex"),
])
def test_a_tag_names_a_known_source_as_its_referrer_does(tag: str, name: str) -> None:
    assert canonical_source(tag) == name
    found = classify_source(LANDING + "?utm_source=" + quote(tag) + "&utm_medium=email", "")
    assert found == Source(CAMPAIGN, name)


@pytest.mark.parametrize(("landing", "name"), [
    # One ad, however it was tagged: the engine's ad product.
    (LANDING + "?gclid=abc", "Google Ads"),
    (LANDING + "?gclid=abc&utm_source=google&utm_medium=cpc", "Google Ads"),
    (LANDING + "?utm_source=google&utm_medium=cpc", "Google Ads"),
    (LANDING + "?utm_source=bing&utm_medium=ppc", "Microsoft Ads"),
    (LANDING + "?bd_vid=1", "百度推广"), (LANDING + "?utm_source=Baidu&utm_medium=cpc", "百度推广"),
    (LANDING + "?utm_source=so.com&utm_medium=cpc", "360点睛"),
    # A paid source that is not an engine keeps its tag (canonical when known).
    (LANDING + "?utm_source=douyin&utm_medium=cpm", "抖音"),
    (LANDING + "?utm_source=partner-x&utm_medium=cpc", "partner-x"),
])
def test_a_paid_visit_from_an_engine_is_named_as_its_ads(landing: str, name: str) -> None:
    assert classify_source(landing, "").name == name

"""Where a visit came from: direct, a search engine (with the search keyword), a paid campaign,
another tagged campaign (`utm_source`: a newsletter, a QR code…), a B2B portal, social media (a
WeChat article, Weibo, Douyin…), or another website; and how a visitor's address is kept when
privacy asks.

Pure functions over the landing URL and the referrer, so they are tested without I/O."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from appliance.domain.validation import one_line

DIRECT, SEARCH, PAID, CAMPAIGN, PORTAL, SOCIAL, WEBSITE = (
    "direct", "search", "paid", "campaign", "portal", "social", "website")
SOURCE_KINDS = (DIRECT, SEARCH, PAID, CAMPAIGN, PORTAL, SOCIAL, WEBSITE)
KEYWORD_MAX = 100
NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # one of SOURCE_KINDS
    name: str = ""  # the engine, portal or host ("百度", "1688", "example.com"), or campaign source
    keyword: str = ""  # what the visitor searched for, when the referrer or landing URL says
    campaign: str = ""  # utm_campaign or the ad plan


@dataclass(frozen=True, slots=True)
class _Engine:
    name: str
    hosts: tuple[str, ...]  # registrable suffixes: "baidu.com" matches www.baidu.com, m.baidu.com
    keyword_params: tuple[str, ...]


SEARCH_ENGINES = (
    _Engine("百度", ("baidu.com",), ("wd", "word", "kw", "query")),
    _Engine("搜狗", ("sogou.com",), ("query", "keyword")),
    _Engine("360搜索", ("so.com", "haosou.com"), ("q",)),
    _Engine("神马", ("sm.cn",), ("q",)),
    _Engine("必应", ("bing.com",), ("q",)),
    _Engine("Google", ("google.com", "google.com.hk", "google.cn", "google.co.jp",
                       "google.de", "google.co.uk", "google.fr", "google.com.sg"), ("q",)),
    _Engine("头条搜索", ("so.toutiao.com",), ("keyword",)),
    _Engine("Yahoo", ("search.yahoo.com", "yahoo.co.jp"), ("p",)),
    _Engine("Yandex", ("yandex.ru", "yandex.com"), ("text",)),
    _Engine("DuckDuckGo", ("duckduckgo.com",), ("q",)),
)

# B2B portals small businesses buy leads from.
PORTALS = (
    ("1688", ("1688.com",)),
    ("阿里巴巴", ("alibaba.com",)),
    ("中国制造网", ("made-in-china.com",)),
    ("慧聪网", ("hc360.com",)),
    ("环球资源", ("globalsources.com",)),
    ("百度爱采购", ("b2b.baidu.com",)),
    ("中国供应商", ("china.cn",)),
    ("黄页88", ("huangye88.com",)),
    ("顺企网", ("11467.com",)),
    ("八方资源", ("b2b168.com",)),
    ("马可波罗", ("makepolo.com",)),
)

# Social media and content apps, most specific host first: a WeChat official-account article
# (mp.weixin.qq.com) is not any page of qq.com.
SOCIAL_SITES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("微信文章", ("mp.weixin.qq.com",)),
    ("微信", ("weixin.qq.com", "wx.qq.com", "servicewechat.com")),
    ("微博", ("weibo.com", "weibo.cn")),
    ("抖音", ("douyin.com", "iesdouyin.com")),
    ("小红书", ("xiaohongshu.com", "xhslink.com")),
    ("哔哩哔哩", ("bilibili.com", "b23.tv")),
    ("快手", ("kuaishou.com",)),
)

# Click ids that only paid ads put on a landing URL (Google, Bing, Baidu, 360, Sogou, Shenma,
# Toutiao/Ocean Engine, Tencent ads).
PAID_CLICK_IDS = {
    "gclid": "Google Ads", "gbraid": "Google Ads", "wbraid": "Google Ads",
    "msclkid": "Microsoft Ads", "bd_vid": "百度推广", "bdclkid": "百度推广",
    "qhclickid": "360点睛", "sogouid": "搜狗推广", "sdclkid": "搜狗推广",
    "uctrackid": "神马推广", "clickid": "巨量引擎",
    "gdt_vid": "腾讯广告", "qz_gdt": "腾讯广告",
}
# What a tagged link's `utm_source` (or Baidu Tongji's `hmsr`) commonly says for an engine,
# portal or app whose own referrer is named above: the tag and the referrer then make one row
# of the reports ("google", "Google.com" → Google; "weixin", "wechat" → 微信), any case.
SOURCE_ALIASES: dict[str, tuple[str, ...]] = {
    "百度": ("baidu",), "搜狗": ("sogou",), "360搜索": ("360", "360search", "haosou", "so360"),
    "神马": ("shenma",), "必应": ("bing",), "Google": ("google",), "Yahoo": ("yahoo",),
    "Yandex": ("yandex",), "DuckDuckGo": ("duckduckgo", "ddg"),
    "阿里巴巴": ("alibaba",), "中国制造网": ("made-in-china", "madeinchina"), "慧聪网": ("hc360",),
    "环球资源": ("globalsources",), "百度爱采购": ("aicaigou",),
    "微信": ("wechat", "weixin", "wx"), "微博": ("weibo", "sina weibo"), "抖音": ("douyin",),
    "小红书": ("xiaohongshu", "xhs", "redbook", "rednote"),
    "哔哩哔哩": ("bilibili", "b站"), "快手": ("kuaishou",),
}
# A paid visit from an engine is named as the engine's ad product, whether its click id or a
# `utm_source` told it (Google Ads tags both `gclid` and, by hand, `utm_source=google`).
ENGINE_ADS = {"百度": "百度推广", "Google": "Google Ads", "必应": "Microsoft Ads",
              "360搜索": "360点睛", "搜狗": "搜狗推广", "神马": "神马推广"}
ORGANIC_MEDIUMS = {"organic", "seo"}
PAID_MEDIUMS = {"cpc", "ppc", "paid", "paidsearch", "paid_search", "sem", "cpm", "cpa",
                "display", "banner", "ocpc", "ad", "ads"}
# Landing-URL parameters that carry the keyword an ad was bought on (UTM and Baidu Tongji).
CAMPAIGN_KEYWORD_PARAMS = ("utm_term", "hmkw", "keyword", "kw", "_kw")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _matches(host: str, suffixes: tuple[str, ...]) -> bool:
    return any(host == s or host.endswith("." + s) for s in suffixes)


def _query(url: str) -> list[tuple[str, bytes]]:
    """The query's pairs with raw bytes values (decoded later, in the charset the URL says)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    pairs = []
    for part in query.split("&")[:100]:
        name, _, value = part.partition("=")
        pairs.append((unquote_to_bytes(name.replace("+", " ")).decode("utf-8", "replace"),
                      unquote_to_bytes(value.replace("+", " "))))
    return pairs


def _charset(pairs: list[tuple[str, bytes]]) -> str:
    """Baidu and older engines say how the keyword is encoded (`ie=gbk`)."""
    for name, value in pairs:
        if name.lower() in ("ie", "inputencoding", "enc", "charset"):
            label = value.decode("ascii", "ignore").strip().lower()
            if label in ("gbk", "gb2312", "gb18030", "cp936"):
                return "gb18030"
            if label in ("utf-8", "utf8"):
                return "utf-8"
    return ""


def _decode(value: bytes, charset: str) -> str:
    if charset:
        text = value.decode(charset, "replace")
    else:
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("gb18030", "replace")  # undeclared GBK from older pages
    # The characters of validation.one_line (joiners and direction marks are kept), on one line.
    return " ".join(one_line(text, len(text)).split())[:KEYWORD_MAX]


def _param(pairs: list[tuple[str, bytes]], names: tuple[str, ...]) -> str:
    charset = _charset(pairs)
    for wanted in names:
        for name, value in pairs:
            if name == wanted and value:
                decoded = _decode(value, charset)
                if decoded:
                    return decoded
    return ""


def _known_names() -> dict[str, str]:
    known: dict[str, str] = {}
    groups = [*((e.name, e.hosts) for e in SEARCH_ENGINES), *PORTALS, *SOCIAL_SITES]
    for name, hosts in groups:
        known[name.lower()] = name
        for host in hosts:
            known.setdefault(host, name)
    for name, aliases in SOURCE_ALIASES.items():
        for alias in aliases:
            known[alias] = name
    return known


_KNOWN_NAMES = _known_names()
# Most specific first, as the referrer is read: b2b.baidu.com is a portal, not Baidu's search.
_ALL_HOSTS = [(hosts, name) for name, hosts in (*PORTALS, *SOCIAL_SITES,
                                                *((e.name, e.hosts) for e in SEARCH_ENGINES))]


def canonical_source(name: str) -> str:
    """A tag's source as the reports name the engine, portal or app it is — by its name in
    any case, a common alias or its host ("Google", "google.com.hk", "www.baidu.com",
    "weixin") — or as given, trimmed."""
    name = name.strip()
    key = name.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    key = key.removeprefix("www.")
    if key in _KNOWN_NAMES:
        return _KNOWN_NAMES[key]
    if "." in key and " " not in key:
        for hosts, known in _ALL_HOSTS:  # the first list that has it: portals before engines
            if _matches(key, hosts):
                return known
    return name


def _campaign(landing: list[tuple[str, bytes]]) -> Source | None:
    """A paid visit, told by the landing URL's parameters."""
    values = {name.lower(): _decode(value, "") for name, value in landing if value}
    click = next((label for key, label in PAID_CLICK_IDS.items() if values.get(key)), "")
    medium = values.get("utm_medium", "").lower()
    baidu_tongji = "hmsr" in values and ("hmkw" in values or "hmpl" in values)
    if not (click or medium in PAID_MEDIUMS or baidu_tongji):
        return None
    tagged = canonical_source(values.get("utm_source") or values.get("hmsr") or "")
    name = ENGINE_ADS.get(tagged, tagged) or click
    keyword = next((values[p] for p in CAMPAIGN_KEYWORD_PARAMS if values.get(p)), "")
    campaign = values.get("utm_campaign") or values.get("hmpl") or ""
    return Source(PAID, name[:NAME_MAX], keyword[:KEYWORD_MAX], campaign[:NAME_MAX])


def _tagged(landing: list[tuple[str, bytes]]) -> Source | None:
    """A campaign that is not paid, told by the landing URL's `utm_source` (any other
    `utm_medium`: email, social, qrcode…, or none)."""
    values = {name.lower(): _decode(value, "") for name, value in landing if value}
    name = canonical_source(values.get("utm_source", ""))
    if not name:
        return None
    keyword = next((values[p] for p in CAMPAIGN_KEYWORD_PARAMS if values.get(p)), "")
    campaign = values.get("utm_campaign", "")[:NAME_MAX]
    engine = next((e for e in SEARCH_ENGINES if e.name == name), None)
    if engine is not None and values.get("utm_medium", "").lower() in ORGANIC_MEDIUMS:
        return Source(SEARCH, name, keyword[:KEYWORD_MAX], campaign)  # tagged organic search
    return Source(CAMPAIGN, name[:NAME_MAX], keyword[:KEYWORD_MAX], campaign)


def classify_source(landing_url: str, referrer: str, own_hosts: tuple[str, ...] = ()) -> Source:
    """Where this visit came from. `own_hosts`: the site's own host names (a referrer from one
    of them is navigation inside the site, not a source)."""
    landing = _query(landing_url)
    paid = _campaign(landing)
    host = _host(referrer)
    if paid is not None:
        if not paid.keyword and host:  # the engine's referrer may still carry the search
            engine = next((e for e in SEARCH_ENGINES if _matches(host, e.hosts)), None)
            if engine is not None:
                paid = Source(PAID, paid.name or engine.name,
                              _param(_query(referrer), engine.keyword_params), paid.campaign)
        return paid
    tagged = _tagged(landing)
    if tagged is not None:
        if tagged.kind == SEARCH and not tagged.keyword and host:
            engine = next(e for e in SEARCH_ENGINES if e.name == tagged.name)
            if _matches(host, engine.hosts):
                return Source(SEARCH, tagged.name,
                              _param(_query(referrer), engine.keyword_params), tagged.campaign)
        return tagged
    if not host or _matches(host, tuple(h.lower() for h in own_hosts if h)):
        return Source(DIRECT)
    for name, hosts in PORTALS:  # first: b2b.baidu.com is a portal, not Baidu's search
        if _matches(host, hosts):
            return Source(PORTAL, name)
    for engine in SEARCH_ENGINES:
        if _matches(host, engine.hosts):
            return Source(SEARCH, engine.name, _param(_query(referrer), engine.keyword_params))
    for site_name, site_hosts in SOCIAL_SITES:
        if _matches(host, site_hosts):
            return Source(SOCIAL, site_name)
    return Source(WEBSITE, host.removeprefix("www.")[:NAME_MAX])


def truncate_ip(address: str) -> str:
    """The address with its host part dropped (IPv4 /24, IPv6 /48): enough for a region, not
    for a person. Anything that is not an address becomes empty."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)

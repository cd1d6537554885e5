"""Pure rules of conversations: search terms, accepted uploads and file names, message fields."""

from __future__ import annotations

import re
from typing import Any

import apsw
import pytest

from appliance.domain.conversations import (
    AGENT_KINDS,
    BODY_MAX,
    VISITOR_KINDS,
    clean_body,
    clean_client_id,
    clean_kind,
)
from appliance.domain.errors import Invalid, UnsupportedMediaType
from appliance.domain.search import (
    QUERY_MAX,
    index_prefixes,
    index_terms,
    match_expression,
    message_terms,
)
from appliance.domain.uploads import NAME_MAX, classify, clean_file_name


def refused(fn: Any, *args: Any) -> Invalid:
    with pytest.raises(Invalid) as info:
        fn(*args)
    return info.value


# -- search terms ---------------------------------------------------------------------------

def test_cjk_runs_become_bigrams_plus_their_last_character() -> None:
    assert index_terms("我要申请退款，东西坏了") == (
        "我要 要申 申请 请退 退款 款 东西 西坏 坏了 了")
    assert index_terms("好") == "好"
    assert index_terms("退款") == "退款 款"
    # Kana and hangul are written without spaces too.
    assert index_terms("カタカナ") == "カタ タカ カナ ナ"
    assert index_terms("안녕하세요") == "안녕 녕하 하세 세요 요"


def test_latin_words_are_lower_cased_and_mixed_text_keeps_its_order() -> None:
    assert index_terms("Refund PLEASE") == "refund please"
    assert index_terms("iPhone15退货了吗?OK") == "iphone15 退货 货了 了吗 吗 ok"
    assert index_terms("order #A-1001, 2 items") == "order a 1001 2 items"
    assert index_terms("") == ""
    assert index_terms("！？。…  \n") == ""


def test_queries_match_bigrams_as_a_phrase_and_one_character_by_prefix() -> None:
    assert match_expression("退款") == 'terms : "退款"'
    assert match_expression("申请退款") == 'terms : "申请 请退 退款"'
    assert match_expression("款") == 'terms : "款"*'
    # Words of other scripts match themselves or, as prefixes, longer words (prefix column).
    assert match_expression("Refund") == '(terms : "refund" OR prefixes : "refund")'
    assert match_expression("iPhone 退货") == (
        '(terms : "iphone" OR prefixes : "iphone") AND terms : "退货"')
    assert match_expression("x") == 'terms : "x"*'
    assert match_expression("international") == 'terms : "international"*'  # > 8 characters
    assert match_expression("退款，发货") == 'terms : "退款" AND terms : "发货"'
    assert match_expression("") is None
    assert match_expression("  ，。!? ") is None


def test_latin_words_and_numbers_are_indexed_by_their_prefixes() -> None:
    assert index_prefixes("Refund iPhone15退货") == (
        "re ref refu refun ip iph ipho iphon iphone iphone1")
    assert index_prefixes("13800138000") == "13 138 1380 13800 138001 1380013 13800138"
    assert index_prefixes("好的 ok a") == ""  # CJK and words of 1-2 characters: none
    assert index_prefixes("order order") == "or ord orde"


_ALLOWED_OUTSIDE_QUOTES = {"terms", "prefixes", ":", "*", "(", ")", "OR", "AND"}


@pytest.mark.parametrize("query", ['" OR *', "NEAR(a b)", "a^b", "退款 OR 发货", 'x" AND "y',
                                   "col:term", "-退款", "(", "*", "'", "a NOT b",
                                   "prefixes : x", "site : s1", "terms:(a OR b)"])
def test_fts_syntax_in_a_query_is_only_ever_text(query: str) -> None:
    expression = match_expression(query)
    if expression is None:
        return
    quoted = re.findall(r'"([^"]*)"', expression)
    assert all(q and '"' not in q for q in quoted)
    outside = re.sub(r'"[^"]*"', " ", expression).replace("(", " ( ").replace(")", " ) ")
    assert set(outside.replace(":", " : ").replace("*", " * ").split()) <= (
        _ALLOWED_OUTSIDE_QUOTES), expression
    # The user's words are only ever inside quotes: NOT, NEAR, ^, columns never act.
    assert "NOT" not in outside and "NEAR" not in outside and "site" not in outside


def test_queries_are_capped() -> None:
    assert match_expression("a" * 500) == 'terms : "' + "a" * QUERY_MAX + '"*'
    long_cjk = match_expression("退" * 500)
    assert long_cjk is not None and long_cjk.count("退退") == QUERY_MAX - 1


# The same pairing of terms and queries as storage's message_search table, on a real FTS5 index.
DOCUMENTS = ["我要申请退款，东西坏了", "什么时候发货？", "Refund please", "退货流程是怎样的",
             "iPhone15 屏幕碎了", "款式有几种", "가격이 얼마예요"]


@pytest.fixture
def search_index() -> Any:
    connection = apsw.Connection(":memory:")
    # As migration 9 makes message_index (without its site column).
    connection.execute("CREATE VIRTUAL TABLE search USING fts5(terms, prefixes, "
                       "tokenize='unicode61', prefix='1')")
    for rowid, text in enumerate(DOCUMENTS):
        connection.execute("INSERT INTO search(rowid, terms, prefixes) VALUES (?, ?, ?)",
                           (rowid, index_terms(text), index_prefixes(text)))
    yield connection
    connection.close()


@pytest.mark.parametrize(("query", "found"), [
    ("退款", ["我要申请退款，东西坏了"]),
    ("申请退款", ["我要申请退款，东西坏了"]),
    ("请退", ["我要申请退款，东西坏了"]),
    ("款", ["我要申请退款，东西坏了", "款式有几种"]),
    ("退", ["我要申请退款，东西坏了", "退货流程是怎样的"]),
    ("了", ["我要申请退款，东西坏了", "iPhone15 屏幕碎了"]),
    ("发货", ["什么时候发货？"]),
    ("退款了", []),  # not in this order anywhere
    ("款东", []),  # a comma lies between
    ("refund", ["Refund please"]),
    ("REF", ["Refund please"]),
    ("r", ["Refund please"]),
    ("refunds", []),  # longer than the word
    ("iph", ["iPhone15 屏幕碎了"]),
    ("15", []),  # a prefix must start the word
    ("iphone 屏幕", ["iPhone15 屏幕碎了"]),
    ("가격", ["가격이 얼마예요"]),
    ('" OR *', []),
    ("退款 OR 发货", []),
    ("NEAR(退款 发货)", []),
])
def test_queries_find_what_a_person_would_expect(search_index: Any, query: str,
                                                 found: list[str]) -> None:
    expression = match_expression(query)
    assert expression is not None
    rows = search_index.execute("SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid",
                                (expression,)).fetchall()
    assert [DOCUMENTS[rowid] for (rowid,) in rows] == found


# -- uploads --------------------------------------------------------------------------------

@pytest.mark.parametrize(("sniffed", "kind"), [
    ("image/png", "image"), ("image/jpeg", "image"), ("image/gif", "image"),
    ("image/webp", "image"), ("application/pdf", "file"), ("application/zip", "file"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "file"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "file"),
])
def test_accepted_types_by_their_sniffed_content(sniffed: str, kind: str) -> None:
    assert classify(sniffed, b"\x00binary") == (kind, sniffed)


@pytest.mark.parametrize("sniffed", ["text/html", "image/svg+xml", "application/x-msdownload",
                                     "application/x-sh", "image/tiff", "video/mp4",
                                     "application/javascript"])
def test_other_sniffed_types_are_refused(sniffed: str) -> None:
    error = refused(classify, sniffed, b"whatever")
    assert isinstance(error, UnsupportedMediaType)
    assert (error.code, error.field) == ("unsupported_media_type", "file")


@pytest.mark.parametrize("data", [
    "订单号 20261124，谢谢\n".encode(),
    b"plain ascii",
    b"a < b and 3 > 2",
    b"<3 thanks a lot",
    b"\xef\xbb\xbfwith a byte order mark",
    b"x = 1\r\n",
])
def test_unrecognised_utf8_text_is_a_plain_text_file(data: bytes) -> None:
    assert classify(None, data) == ("file", "text/plain")


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><p>hi</p>",
    b"<!doctype HTML>",
    b"<html><script>alert(1)</script>",
    b"   \r\n\t<script>alert(1)</script>",
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"<?xml version='1.0'?><root/>",
    b"<!-- a comment first --><html>",
    b"\xef\xbb\xbf<body onload=alert(1)>",
    b"<IFRAME/src=x>",
    b"text with a NUL\x00 byte",
    b"\xff\xfe\xfd not utf-8",
    "GBK 编码".encode("gbk"),
])
def test_markup_binary_and_other_encodings_are_refused(data: bytes) -> None:
    assert isinstance(refused(classify, None, data), UnsupportedMediaType)


@pytest.mark.parametrize(("name", "mime", "clean"), [
    ("screenshot.png", "image/png", "screenshot.png"),
    ("照片.JPG", "image/jpeg", "照片.jpg"),
    ("../../etc/passwd.png", "image/png", "passwd.png"),
    ("..\\..\\boot.ini", "text/plain", "boot.txt"),
    ("/absolute/path/report.pdf", "application/pdf", "report.pdf"),
    ("evil.html", "text/plain", "evil.txt"),
    ("invoice.pdf.exe", "application/pdf", "invoice.pdf.pdf"),
    ("no-extension", "application/zip", "no-extension.zip"),
    ("bell\x07tab\tnew\nline\x7f.png", "image/png", "belltabnewline.png"),
    ("rtl\u202egnp.exe", "image/png", "rtlgnp.png"),
    ("zero\u200bwidth.png", "image/png", "zerowidth.png"),
    ("Cafe\u0301.png", "image/png", "Café.png"),
    ("  .hidden.png. ", "image/png", "hidden.png"),
    ("..", "image/png", "file.png"),
    ("", "image/png", "file.png"),
    (None, "text/plain", "file.txt"),
    ("dir/", "image/gif", "file.gif"),
    ("data.bin", "application/octet-stream", "data.bin"),
])
def test_file_names_keep_only_a_safe_display_name(name: str | None, mime: str,
                                                  clean: str) -> None:
    assert clean_file_name(name, mime) == clean


def test_long_file_names_are_cut_before_the_extension() -> None:
    assert clean_file_name("很长" * 200 + ".png", "image/png") == "很长" * 58 + ".png"
    assert len("很长" * 58 + ".png") == NAME_MAX
    assert len(clean_file_name("a" * 1000, "application/pdf")) == NAME_MAX


# -- message fields -------------------------------------------------------------------------

@pytest.mark.parametrize("client_id", ["abcdefgh", "a" * 64, "0b8e1c6f-3d2a-4c1e-9f7a-1234567890ab",
                                       "under_score-dash", "ABCDEFGH12345678"])
def test_client_ids_accepted(client_id: str) -> None:
    assert clean_client_id(client_id) == client_id


@pytest.mark.parametrize("client_id", ["abcdefg", "a" * 65, "", "abcdefgh\n", "\nabcdefgh",
                                       "abcd efgh", "abcdefgh!", "abcdéfgh", "客户端编号一二三四",
                                       "abcdefgh\x00", "abcdefg\u0660",  # an Arabic-Indic digit
                                       None, 12345678, ["abcdefgh"], {"id": "abcdefgh"}])
def test_client_ids_refused(client_id: Any) -> None:
    assert refused(clean_client_id, client_id).field == "client_id"


def test_kinds() -> None:
    assert clean_kind(None, VISITOR_KINDS) == "text"
    for kind in VISITOR_KINDS:
        assert clean_kind(kind, VISITOR_KINDS) == kind
    assert clean_kind("note", AGENT_KINDS) == "note"
    for bad in ("note", "system", "TEXT", "", "text ", 1, True, ["text"]):
        assert refused(clean_kind, bad, VISITOR_KINDS).field == "kind", bad
    assert refused(clean_kind, "system", AGENT_KINDS).field == "kind"


def test_text_bodies() -> None:
    assert clean_body("  你好  ", "text", False) == "你好"
    assert clean_body("第一行\r\n第二行\r\n", "text", False) == "第一行\n第二行"
    assert clean_body("x" * BODY_MAX, "text", False) == "x" * BODY_MAX
    assert clean_body("  " + "x" * BODY_MAX + "\n\n", "note", False) == "x" * BODY_MAX
    assert clean_body("😀" * BODY_MAX, "text", False) == "😀" * BODY_MAX  # characters, not bytes
    for bad in (None, "", "   ", "\r\n\t"):
        assert refused(clean_body, bad, "text", False).field == "body", repr(bad)
        assert refused(clean_body, bad, "note", False).field == "body", repr(bad)
    assert refused(clean_body, "x" * (BODY_MAX + 1), "text", False).field == "body"
    assert refused(clean_body, "NUL\x00inside", "text", False).field == "body"
    for bad_type in (5, ["x"], {"text": "x"}, b"bytes"):
        assert refused(clean_body, bad_type, "text", False).field == "body"


def test_attachment_bodies_are_optional_captions() -> None:
    assert clean_body(None, "image", True) == ""
    assert clean_body("", "file", True) == ""
    assert clean_body(" 这是截图 ", "image", True) == "这是截图"
    assert refused(clean_body, "x" * (BODY_MAX + 1), "image", True).field == "body"
    for kind in ("image", "file"):
        assert refused(clean_body, "caption", kind, False).field == "attachment_id"
        assert refused(clean_body, None, kind, False).field == "attachment_id"


def test_full_width_text_is_found_by_half_width_queries() -> None:
    from appliance.domain.search import index_prefixes, index_terms, match_expression

    assert "iphone" in index_terms("ｉＰｈｏｎｅ 退款").split()
    assert match_expression("ｉＰｈｏｎｅ") == match_expression("iphone")
    assert "iph" in index_prefixes("ｉＰｈｏｎｅ").split()


@pytest.mark.parametrize("text", [
    "我要申请退款，东西坏了", "Hello World refund ＡＢＣ１２３ 你好 iPhone14 size XL", "", "x",
    "İstanbul straße ŉ 你", "退款 refunds, refunding 123456789 abcdefghijklmnop",
    "カタカナ한국 abc 안녕하세요 a1b2c3d4e5", "你好, 我想问一下价格", "refund refund refunds"])
def test_the_indexer_s_one_pass_gives_the_terms_and_the_prefixes(text: str) -> None:
    assert message_terms(text) == (index_terms(text), index_prefixes(text))

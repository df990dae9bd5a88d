from helpers import BUNDLED_CORPUS, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.reading import aggregator
from retrieval.reading.aggregator import is_junk, is_promo, looks_like_page, parse_page
from retrieval.text.normalize import clean_line

EXPECTED_SHARED = {
    ("000_f2ef984220df779f.txt", 0): (
        "Troop deployment plans abandoned in latest Coalition of the Willing talks",
        "Telegraph",
        "4 days ago",
    ),
    ("000_f2ef984220df779f.txt", 1): (
        "Mhairi Black: UK is following a familiar script over Gaza",
        "The National",
        "an hour ago",
    ),
    ("000_f2ef984220df779f.txt", 2): (
        "Young people don't feel part of the EU – and they're right",
        "The Guardian",
        "an hour ago",
    ),
    ("000_f2ef984220df779f.txt", 3): (
        "We're becoming inured to Trump's outbursts – "
        "but when he goes quiet, we need to be worried",
        "The Guardian",
        "2 hours ago",
    ),
    ("003_d84d7595829b207d.txt", 0): (
        "‘Coalition of the willing' talks failed, says EU chief",
        "",  # the page names its publisher only inside a subscription promo
        "",
    ),
    ("003_d84d7595829b207d.txt", 1): (
        "Shares in South Korean chipmaker SK Hynix tumble on US tariffs",
        "Yahoo",
        "27 minutes ago",
    ),
    ("003_d84d7595829b207d.txt", 2): (
        "Trump, Zelensky see progress with Putin",
        "The Hill",
        "28 minutes ago",
    ),
    ("003_d84d7595829b207d.txt", 3): (
        "Paxton investigates O'Rourke-led group over Texas Democrats' funding",
        "Axios",
        "28 minutes ago",
    ),
}

BOILERPLATE = [
    "Try Our AI Features",
    "Explore what Daily8 AI can do for you",
    "No comments yet",
    "Related Articles",
    "DOWNLOAD THE APP",
    "app-store",
    "Broaden your horizons",
    "Credit: Kremlin.ru",
    "Hashtags",
    "Orange background",
    "logo",
]


def _shared_articles():
    articles = []
    for path in sorted(shared_path("corpus").glob("*.txt")):
        articles += parse_page(path.read_text(encoding="utf-8"), path.name)
    return articles


def test_shared_pages_give_eight_articles_with_headline_publisher_and_age():
    got = {(a.file, a.position): (a.headline, a.publisher, a.published) for a in _shared_articles()}
    assert got == EXPECTED_SHARED


def test_no_boilerplate_or_repeated_headline_in_any_body():
    for article in _shared_articles():
        assert article.paragraphs, article.headline
        for paragraph in article.paragraphs:
            assert paragraph != article.headline
            for junk in BOILERPLATE:
                assert not paragraph.startswith(junk), (article.headline, paragraph)


def test_main_article_keeps_its_whole_body_in_order():
    main = _shared_articles()[0]
    assert main.paragraphs[0].startswith("Britain and Europe have sidelined plans")
    assert main.paragraphs[-1].startswith("The Prime Minister told the Ukrainian president")
    assert "Trump funds weapons after U-turn" in main.paragraphs  # a sub-heading is content


PAGE = """logo
Harbour reopens after dredging
Harbour reopens after dredging

Port Gazette12 hours ago
The harbour reopened on Monday after six weeks of dredging. Error in retrieving data
Sign in to access your portfolio Fishing boats returned the same evening.
Photo: Harbour Authority
Subscribe now for unlimited access to every story.
Comments
Related Articles
Rail strike called off
Rail Weekly
time3 days ago
• Rail Weekly
Rail strike called off
Unions called off Friday's strike after a late offer.
Second story with no publisher line
5 minutes ago
Second story with no publisher line
Only the time is known here.
DOWNLOAD THE APP
"""


def test_a_new_page_of_the_same_shape_parses_by_structure():
    main, rail, second = parse_page(PAGE, "page.txt")
    assert (main.headline, main.publisher, main.published) == (
        "Harbour reopens after dredging",
        "Port Gazette",
        "12 hours ago",
    )
    assert main.paragraphs == (
        "The harbour reopened on Monday after six weeks of dredging.",
        "Fishing boats returned the same evening.",
    )
    assert (rail.headline, rail.publisher, rail.published) == (
        "Rail strike called off",
        "Rail Weekly",
        "3 days ago",
    )
    assert rail.paragraphs == ("Unions called off Friday's strike after a late offer.",)
    assert (second.headline, second.publisher) == ("Second story with no publisher line", "")
    assert second.paragraphs == ("Only the time is known here.",)


def test_page_detection():
    assert looks_like_page(PAGE)
    assert not looks_like_page("A headline\nJust a plain article body. It has two sentences.\n")


def test_junk_detection_is_about_shape_not_one_string():
    assert is_junk("Try The Sentinel free for 14 days with unlimited access.")
    assert is_junk("Image credit: Reuters")
    assert not is_junk("The subscription model has made the paper profitable, its editor said.")
    assert (
        clean_line("Shares fell\u200b Error in retrieving data  sharply") == "Shares fell sharply"
    )


def test_bundled_corpus_pages_parse_too():
    page = BUNDLED_CORPUS / "ledger-water-fine.txt"
    articles = parse_page(page.read_text(encoding="utf-8"), page.name)
    assert [a.publisher for a in articles] == ["The Ledger", "Market Wire", "Capitol Report"]
    assert not any("Sign in to access" in p for a in articles for p in a.paragraphs)


# A page of the same aggregator shape from another site, with its own furniture.
OTHER_SITE = """Company logo
Ferry fares frozen for islanders
Ferry fares frozen for islanders

Island Post5 hours ago
Fares on the island ferry will not rise this year, the operator said on Friday.
Blue background
Photo credit: Jane Doe/Island Post
Try as they might, councillors could not win a cut for visitors as well.
Unlock premium features with our app and start your free trial today.
Most read
Related Stories
Lifeboat station gets new boat
Coast Weekly
time2 days ago
• Coast Weekly
Lifeboat station gets new boat
The volunteer crew took delivery of the boat on Wednesday.
Follow us for more island news
"""


def test_another_sites_furniture_is_found_by_its_shape():
    main, lifeboat = parse_page(OTHER_SITE, "island-post.txt")
    assert (main.headline, main.publisher) == ("Ferry fares frozen for islanders", "Island Post")
    assert main.paragraphs == (
        "Fares on the island ferry will not rise this year, the operator said on Friday.",
        "Try as they might, councillors could not win a cut for visitors as well.",
    )
    assert lifeboat.paragraphs == ("The volunteer crew took delivery of the boat on Wednesday.",)


def test_a_promo_addresses_the_reader_or_sells_and_news_does_not():
    for promo in ["Start your free trial today", "Download our app", "Read more", "Join us"]:
        assert is_promo(promo), promo
    for news in [
        "Try as they might, councillors could not win a cut.",
        "Read the report and you will see why, the minister said in a statement on Friday "
        "that ran to many words and went on about the harbour, the ferry, the fares and more "
        "things besides, long after anyone had stopped listening to the argument at all.",
        "Family background",
    ]:
        assert not is_promo(news) and not is_junk(news), news


# -- the cheap tests that let body lines skip the slow time regexes --------------------------

_TIMES = st.sampled_from(
    ["an hour ago", "a day ago", "one week ago", "4 days ago", "12 mins ago", "just now",
     "yesterday", "2025-07-10", "2025-07-10T09:15Z", "2025-07-10 09:15:00", "Jul 10, 2025",
     "10 Sept 2025", "3 hrs ago"]
)  # fmt: skip
# What re.IGNORECASE also equates with a letter: the time words in any case, disguised.
_CASES = {"s": "sSſ", "k": "kKK", "i": "iIİı"}


@st.composite
def _time_lines(draw) -> str:
    when = "".join(draw(st.sampled_from(_CASES.get(c, c + c.upper()))) for c in draw(_TIMES))
    before = draw(st.sampled_from(["", "time", "Telegraph", "The Hill · ", "Axios, ", "x "]))
    return before + when + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=500, deadline=None)
@given(st.one_of(_time_lines(), st.text(max_size=30)))
def test_every_line_the_time_regexes_match_passes_the_cheap_test(line):
    if aggregator._WHEN_LINE.match(line) or aggregator._PUBLISHER_WHEN.match(line):
        assert aggregator._may_end_with_time(line), line


def test_body_lines_skip_the_time_regexes_and_word_counts_stop_early():
    assert not aggregator._may_end_with_time("The council met on Tuesday.")
    assert aggregator._may_end_with_time("Telegraph4 DAYS AGO")
    assert aggregator._words("one two three four", 8) == 4
    assert aggregator._words(" ".join(["w"] * 100), 8) == 9

"""Reuse as others write it: other scripts, disguises, site boilerplate, follow-ups, the term view and its
document frequencies, and the work budget of a very long text. Texts written for these tests."""

from __future__ import annotations

from typing import Any

from service.detect.align import Profile, match_units
from service.detect.fingerprint import Fingerprints
from service.detect.terms import counted_terms, df_entry
from service.detect.text import Text, clean_text
from tests.factories import HARBOUR, ORCHESTRA, make_article

CHINESE = (
    "滨海市议会周二投票决定，从明年春天起禁止机动车通过老港口大桥。这座大桥建于1921年，多年来一直存在安全隐患。"
    "工程师告诉议员，修复费用至少需要一千四百万元。市长林晓梅表示，新桥的设计方案将于三月公开征求意见。"
    "当地商户担心封桥会影响老城区的客流。公交公司表示，施工期间将增加两条临时线路。"
)
CHINESE_COPY = (
    "【本地新闻】滨海市议会本周二投票决定，从明年春天起禁止机动车通过老港口大桥。这座大桥建于1921年，多年来一直存在安全隐患。"
    "工程师告诉议员，修复费用至少需要一千四百万元。市长林晓梅表示，新桥设计方案将于三月公开征求市民意见。"
    "当地商户担心封桥会影响老城区的客流。"
)
CHINESE_OTHER = (
    "国家青年交响乐团周五宣布，今年夏天将赴五个国家巡演。巡演七月在里斯本开幕，八月底在赫尔辛基结束。"
    "乐团总监表示，过去一年私人捐款超过两百万欧元。乐团的一百二十名演奏者年龄在十四岁到二十二岁之间。"
)
URDU = (
    "کراچی (اے پی پی) شہر کی بلدیہ نے منگل کو پرانے بندرگاہ پل کو اگلے موسم بہار سے گاڑیوں کے لیے بند کرنے کا فیصلہ کیا۔ "
    "یہ پل انیس سو اکیس میں تعمیر کیا گیا تھا اور برسوں سے خستہ حال ہے۔ "
    "انجینئروں نے کونسل کو بتایا کہ مرمت پر کم از کم ایک کروڑ چالیس لاکھ روپے خرچ ہوں گے۔ "
    "میئر نے کہا کہ نئے پل کا نقشہ مارچ میں عوام کے سامنے پیش کیا جائے گا۔ "
    "مقامی دکانداروں کو خدشہ ہے کہ پل بند ہونے سے پرانے شہر کا کاروبار متاثر ہوگا۔ "
    "ٹرانسپورٹ کمپنی نے تعمیر کے دوران دو عارضی روٹ شروع کرنے کا اعلان کیا ہے۔"
)
URDU_COPY = (
    "کراچی (نامہ نگار) شہر کی بلدیہ نے منگل کو پرانے بندرگاہ پل کو اگلے موسم بہار سے گاڑیوں کے لیے بند کرنے کا فیصلہ کیا ہے۔ "
    "یہ پل انیس سو اکیس میں تعمیر کیا گیا تھا اور برسوں سے خستہ حال ہے۔ "
    "انجینئروں نے کونسل کو بتایا کہ مرمت پر کم از کم ایک کروڑ چالیس لاکھ روپے خرچ ہوں گے۔ "
    "میئر نے کہا کہ نئے پل کا نقشہ مارچ میں عوام کے سامنے پیش کیا جائے گا۔"
)
URDU_OTHER = (
    "لاہور (اسپورٹس ڈیسک) قومی کرکٹ ٹیم نے دوسرے ٹیسٹ میچ میں مہمان ٹیم کو سات وکٹوں سے شکست دے دی۔ "
    "کپتان نے شاندار سنچری بنائی اور میچ کے بہترین کھلاڑی قرار پائے۔ "
    "سیریز کا تیسرا اور آخری میچ اگلے ہفتے کراچی میں کھیلا جائے گا۔"
)

# A site's standing sentences, on every page of it.
STANDING = (
    "All figures in this report are based on publicly available data at the time of publication. "
    "Subscribe to the Harbour Health newsletter for the latest updates on the outbreak in our region."
)
TOPICS = [
    "Hospital admissions for influenza rose by a fifth in the week to Sunday across the northern district.",
    "A new vaccination centre opened in the old library building on Monday with room for four hundred visits a day.",
    "The regional health board approved funding for two more ambulances to serve the island communities.",
    "Researchers at the university found that hand washing campaigns in schools halved absences last winter.",
    "The children's ward at St Brigid's will close for three weeks in May while its heating is replaced.",
    "Pharmacies in the valley towns reported shortages of paracetamol syrup for infants this month.",
    "A survey of care homes found that nine in ten had fully vaccinated their residents against flu.",
    "The mental health helpline answered more calls in January than in any month since it opened.",
    "Dental practices in the port say waiting lists for new patients have grown to eighteen months.",
    "The blood donation van will visit the fish market every Thursday until the end of the summer.",
    "Air quality monitors near the ring road recorded their highest readings of the year on Friday.",
    "Two new midwives have joined the maternity unit, which had been short of staff since the autumn.",
    "The council will fund free swimming lessons for pupils at the three primary schools in the harbour.",
    "A pilot scheme lets patients book blood tests online at four surgeries from next month.",
]


# A short item, a language model's longer article built around all of it, and a protest story of the next
# day on the same decision that shares its names, figures and facts but tells its own story.
BRIEF = (
    "The regional water board approved a plan on Monday to build a desalination plant on the northern "
    "headland, after three dry summers left the Kellmere reservoir at a fifth of its capacity. "
    "The plant will cost 140 million euros and should supply forty thousand homes from 2029. "
    "Fishermen in Port Arran oppose the site, saying the brine it returns to the sea will harm the "
    "lobster grounds. The board's chair, Ilse Varga, said the outflow would be spread through a pipe "
    "reaching two kilometres offshore."
)
EXPANDED = (
    "In a decision that could reshape how the region gets its drinking water, the regional water board on "
    "Monday gave its approval to plans for a desalination plant on the northern headland. The vote comes "
    "after three consecutive dry summers drained the Kellmere reservoir to just a fifth of its capacity.\n\n"
    "Officials have spent much of the past year studying alternatives, including new boreholes and a "
    "pipeline from the lowland rivers, but concluded that neither could be relied on in a drought. Several "
    "board members said the choice had been the hardest of their time in office.\n\n"
    "The facility is expected to cost 140 million euros and, once running from 2029, should provide water "
    "for some forty thousand households.\n\n"
    "Opposition has been fierce in Port Arran, where fishermen argue that the salty brine the plant sends "
    "back into the sea will damage the lobster grounds they depend on. Many families in the village have "
    "fished the same waters for generations, and a petition against the site has gathered thousands of "
    "signatures in a few weeks.\n\n"
    "Ilse Varga, who chairs the board, sought to reassure critics, explaining that the outflow would be "
    "dispersed through a pipe extending two kilometres offshore.\n\n"
    "Environmental groups have asked for independent monitoring of the seabed once the plant opens, and "
    "the board said it would publish its own measurements every quarter. A public meeting is planned for "
    "next month in the village hall."
)
BRIEF_INDEPENDENT = (
    "Port Arran's lobster fishermen gathered on the harbour wall on Tuesday to protest against the "
    "desalination plant the water board chose for the northern headland the day before.\n\n"
    '"Nobody asked us," said Tomas Reilly, who has fished from the village for thirty years. He fears '
    "that brine from the plant will drive the lobsters from the rocks where his family has set pots since "
    "his grandfather's time.\n\n"
    "The board, which met in Kellmere, says the region cannot wait: the reservoir there is at a fifth of its "
    "capacity after three dry summers. Its chair, Ilse Varga, has promised an outflow pipe two kilometres "
    "long.\n\n"
    "The protesters want the plant moved to the industrial port at Dunmore, forty kilometres south, where "
    "they say currents would carry the brine away from the fishing grounds. Engineers for the board "
    "rejected that site last year because of the cost of pumping water back up the coast.\n\n"
    "A petition has been signed by two thousand people, and the fishermen plan to take their case to the "
    "regional assembly before construction begins. The plant, costing 140 million euros, is due to open "
    "in 2029."
)


def submit(client: Any, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/articles", json=make_article(**fields))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def trace(client: Any, body: str) -> dict[str, Any]:
    response = client.post("/v1/provenance", json={"body": body})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_chinese_copy_is_traced_to_its_original_and_other_chinese_news_is_not(client: Any) -> None:
    submit(client, id="zh/bridge", body=CHINESE, title="", published_at="2025-05-01T08:00:00Z")
    submit(client, id="zh/orchestra", body=CHINESE_OTHER, title="", published_at="2025-05-01T09:00:00Z")
    copy = trace(client, CHINESE_COPY)
    assert (copy["original"]["id"], copy["verdict"]) == ("zh/bridge", "near_duplicate")
    assert [m["id"] for m in copy["matches"]] == ["zh/bridge"]
    assert (
        trace(
            client,
            "体育新闻：国家队周日在主场以二比一战胜对手，晋级下一轮比赛。主教练赛后表示球员们发挥出色。",
        )["original"]
        is None
    )


def test_an_urdu_newspaper_story_reusing_agency_copy_is_traced_and_an_urdu_sports_story_is_not(
    client: Any,
) -> None:
    assert Text(URDU).language == "ur" and len(Text(URDU).sentences) == 6
    submit(client, id="app/bridge", body=URDU, title="", published_at="2025-05-01T08:00:00Z")
    submit(client, id="app/cricket", body=URDU_OTHER, title="", published_at="2025-05-01T09:00:00Z")
    copy = trace(client, URDU_COPY)
    assert copy["original"]["id"] == "app/bridge"
    assert copy["verdict"] in ("duplicate", "near_duplicate")
    assert trace(client, URDU_OTHER.replace("سات", "آٹھ"))["original"]["id"] == "app/cricket"
    assert (
        trace(
            client,
            "اسلام آباد (اے پی پی) وفاقی کابینہ نے بجلی کے نرخوں میں کمی کی منظوری دے دی۔ وزیر خزانہ نے کہا کہ اس سے صنعت کو ریلیف ملے گا۔",
        )["original"]
        is None
    )


def test_the_answer_says_when_a_disguise_was_undone(client: Any) -> None:
    submit(client, id="wire/bridge", body=HARBOUR)
    disguised = HARBOUR.replace("a", "\u0430").replace("bridge", "bri\u200bdge")
    answer = trace(client, disguised)
    assert (answer["original"]["id"], answer["verdict"]) == ("wire/bridge", "duplicate")
    signals = answer["signals"]
    assert signals["disguised"] and signals["lookalike_letters"] == disguised.count("\u0430")
    assert signals["invisible_characters"] == disguised.count("\u200b")
    assert not trace(client, HARBOUR)["signals"]["disguised"]


def test_site_boilerplate_does_not_link_unrelated_articles_of_the_site(client: Any) -> None:
    for i, topic in enumerate(TOPICS[:-1]):
        submit(
            client,
            id=f"health/{i}",
            body=f"{topic}\n\n{STANDING}",
            published_at=f"2025-03-{i + 1:02d}T08:00:00Z",
        )
    answer = trace(client, f"{TOPICS[-1]}\n\n{STANDING}")
    assert answer["original"] is None, answer
    # A page of the site that copies another's story is still that story's copy.
    copied = trace(client, f"{TOPICS[3]}\n\n{STANDING}")
    assert copied["original"]["id"] == "health/3", [
        (m["id"], m["relation"], m["score"]) for m in copied["matches"]
    ]


def test_a_follow_up_that_reuses_background_paragraphs_is_partial(client: Any) -> None:
    day_one = submit(client, id="wire/day1", body=HARBOUR, published_at="2025-03-01T08:00:00Z")
    assert day_one["provenance"]["original"] is None
    background = HARBOUR.split("\n\n")[1:3]
    follow_up = "\n\n".join(
        [
            "Demolition crews began work on the old harbour bridge on Thursday, a week earlier than planned, "
            "after an inspection found cracks in two of its piers.",
            "The council said the early start would not change the date the new crossing opens, and that the "
            "shuttle bus would run from Saturday morning.",
            *background,
            "Residents gathered on the quay to watch the first section lifted away by a floating crane, and a "
            "brass band played as the last car crossed.",
        ]
    )
    answer = trace(client, follow_up)
    assert (answer["original"]["id"], answer["verdict"]) == ("wire/day1", "partial")
    assert 0.2 < answer["score"] < 0.7


def test_a_rewrite_of_a_stored_article_is_found_through_its_terms(app: Any, client: Any) -> None:
    service = app.extensions["provenance"]
    stored = submit(client, id="wire/orchestra", body=ORCHESTRA)
    article = service.index.get(stored["id"])
    assert 0 < len(article.fingerprints.terms) <= 24
    # A text sharing nothing with it but those words finds it through the term view alone.
    found = service.index.candidates(Fingerprints(0, terms=article.fingerprints.terms))
    assert set(found.shared["terms"]) == {article.ref}
    assert found.shared["terms"][article.ref] == len(article.fingerprints.terms)


def test_document_frequencies_rise_with_each_article_and_fall_when_it_is_deleted(
    app: Any, client: Any
) -> None:
    service = app.extensions["provenance"]
    terms = [df_entry(term) for _, term, _ in counted_terms(Text(clean_text(HARBOUR)))]
    assert service.index.document_frequencies(terms)[0] == 0
    submit(client, id="a/1", body=HARBOUR)
    submit(client, id="a/2", body=HARBOUR + "\n\nA late addition.")
    articles, df = service.index.document_frequencies(terms)
    assert articles == 2 and set(df) == {2}
    assert client.delete("/v1/articles/a/1").status_code == 204
    assert service.index.document_frequencies(terms) == (1, [1] * len(terms))
    assert client.delete("/v1/articles/a/2").status_code == 204
    assert service.index.document_frequencies(terms) == (0, [0] * len(terms))


def test_a_very_long_text_is_matched_within_its_unit_budget() -> None:
    long_text = Text("\n\n".join([HARBOUR] * 40))
    units = [u for u in Profile(long_text).units if u.stems]
    assert len(units) > 300
    found = match_units(Profile(long_text), Profile(Text(HARBOUR)), 0.4, most_units=300)
    assert len({m.query for m in found}) == 300  # every unit read matches, and no more are read
    assert len(found) == 300


def test_a_text_of_the_largest_size_is_stored_and_traced(client: Any) -> None:
    paragraph = HARBOUR + "\n\n" + ORCHESTRA
    big = "\n\n".join(paragraph.replace("bridge", f"bridge {i}") for i in range(120))[:199_000]
    assert submit(client, id="big/1", body=big)["provenance"]["verdict"] == "none"
    answer = trace(client, big)
    assert (answer["original"]["id"], answer["verdict"]) == ("big/1", "duplicate")


def test_an_expansion_of_a_short_item_is_partial_with_its_evidence_and_a_story_on_its_event_is_not(
    client: Any,
) -> None:
    submit(client, id="board/brief", body=BRIEF, published_at="2025-04-07T09:00:00Z")
    answer = trace(client, EXPANDED)
    assert (answer["original"]["id"], answer["verdict"]) == ("board/brief", "partial"), answer["matches"]
    # The score is how much of the longer text comes from the item: all of it, in about a third of the text.
    assert 0.25 < answer["score"] < 0.5
    passages = answer["original"]["evidence"]["passages"]
    assert len(passages) >= 4
    for passage in passages:  # offsets into the text sent, and into the item
        assert 0 <= passage["query_start"] < passage["query_end"] <= len(EXPANDED)
        assert 0 <= passage["match_start"] < passage["match_end"] <= len(BRIEF)
    assert [p["query_start"] for p in passages] == sorted(p["query_start"] for p in passages)
    assert trace(client, BRIEF_INDEPENDENT)["original"] is None


def test_the_expansion_check_is_one_threshold_and_off_at_zero() -> None:
    from dataclasses import replace

    from service.detect.compare import compare
    from service.detect.thresholds import Thresholds

    query, item = Profile(Text(EXPANDED)), Profile(Text(BRIEF))
    assert compare(query, item, Thresholds()).relation == "partial"
    assert compare(query, item, replace(Thresholds(), expansion_strength=0.0)).relation == "none"
    assert compare(Profile(Text(BRIEF_INDEPENDENT)), item, Thresholds()).relation == "none"

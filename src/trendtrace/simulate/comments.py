"""Seeded comment threads with known rings: the test bed of ``trendtrace comments`` (docs/comments.md).

A thread is the comment section under one news story on one of several topics (fuel prices, power
cuts, cricket, a new bridge, a leaked exam, a by-election). Its comments come from three kinds of
authors:

* **organic** people: varied opinions for and against, of varied length, register and care
  (lower case, missing punctuation, typos, abbreviations, emoji), a share in Roman Urdu and a few in
  Urdu script; some reply to each other, and some replies only agree ("So true", "Well said",
  "Bilkul sahi kaha"), as real people's sometimes do. Organic agreement is never part of a ring.
* **ring** accounts (in a share of the threads): a group of 4-12 accounts that each post a polite
  paraphrase of the same two sentences (one of two messages per topic, each sentence with several
  structures and synonym choices, so exact copies are rare), within minutes of one another or spread
  over hours, optionally with batch-made names (``Ayesha_Khan_4821``).
* **agreement** replies under ring comments, by other accounts of the ring: "Exactly this.",
  "Couldn't agree more." (0-4 per ring).

Truth comes with every comment (:func:`comment_threads`): ``ring`` (the true ring's id, empty for
organic comments) and ``role`` (``organic``, ``organic_agree``, ``ring``, ``ring_agree``). Rings are
written by the same templates whatever the seed, and organic text by others: this is a test of the
method's parts (background, candidates, agreement, uniformity), not of how real machine-written
comments read. The generator makes about 100,000 comments a second; ``comments`` scales it from a
handful to millions (memory grows with the output: about 1 GB per million comments as Python rows).

>>> table, truth = comment_threads(300, seed=3)
>>> table.column_names
['id', 'author', 'text', 'thread', 'parent', 'time']
>>> sorted(set(truth.column("role").to_pylist()))  # doctest: +SKIP
['organic', 'organic_agree', 'ring', 'ring_agree']
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from ._names import FEMALE, LAST, MALE, PLACES

__all__ = ["comment_threads", "write_comment_threads", "TOPICS", "COMMENT_FORMATS", "TRUTH_FILE"]

#: Formats :func:`write_comment_threads` writes.
COMMENT_FORMATS = ("csv", "jsonl")
#: File name of the truth beside the comments.
TRUTH_FILE = "comments_truth.csv"

_START = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)

# --------------------------------------------------------------------------- a tiny template language
# "{a|b|c}" picks one alternative; "<place>" a place, "<num>" a number, "<rel>" a relative,
# "<name>" a given name. Templates are compiled once into lists of fixed text and choices.

_SLOTS: dict[str, tuple[str, ...]] = {
    "place": PLACES,
    "num": ("2", "3", "4", "5", "6", "8", "10", "12", "15", "20", "40", "100"),
    "rel": ("my father", "my mother", "my uncle", "my brother", "my sister", "my cousin", "my neighbour",
            "my friend", "our driver", "my landlord", "my boss", "my wife", "my husband", "my son"),
    "name": MALE[:20] + FEMALE[:20],
}
_SLOT = re.compile(r"<([a-z]+)>")
_TOKEN = re.compile(r"\{([^{}]*)\}|<([a-z]+)>")

Compiled = list[str | tuple[str, ...]]


def _compile(template: str) -> Compiled:
    parts: Compiled = []
    pos = 0
    for m in _TOKEN.finditer(template):
        if m.start() > pos:
            parts.append(template[pos:m.start()])
        parts.append(tuple(m.group(1).split("|")) if m.group(1) is not None else _SLOTS[m.group(2)])
        pos = m.end()
    if pos < len(template):
        parts.append(template[pos:])
    return parts


def _fill(parts: Compiled, rng: random.Random) -> str:
    text = "".join(p if isinstance(p, str) else p[int(rng.random() * len(p))] for p in parts)
    if "<" in text:  # a slot inside an alternative
        text = _SLOT.sub(lambda m: rng.choice(_SLOTS[m.group(1)]), text)
    return text


def _bank(*templates: str) -> tuple[Compiled, ...]:
    return tuple(_compile(t) for t in templates)


@dataclass(frozen=True)
class Topic:
    """One kind of news story and what people (and rings) write under it."""

    name: str
    english: tuple[Compiled, ...]
    roman_urdu: tuple[Compiled, ...]
    urdu: tuple[Compiled, ...]
    #: two ring messages, each (first sentence forms, second sentence forms)
    messages: tuple[tuple[tuple[Compiled, ...], tuple[Compiled, ...]], ...]


TOPICS: dict[str, Topic] = {
    "fuel": Topic(
        "fuel",
        _bank(
            "petrol went up {again|AGAIN|one more time}, how are {ppl|people} supposed to {manage|survive}",
            "the price hike is a {disaster|nightmare} for daily wage workers in <place>",
            "{honestly|tbh} the last {govt|government} was no better, they all raise fuel prices",
            "my bike costs me {double|twice as much} now to fill up",
            "IMF conditions, what did you expect",
            "fuel is expensive everywhere in the world, not just here",
            "Rs <num> per litre is not small, transporters will raise fares {tomorrow|by monday}",
            "where is the opposition on this? silent as usual",
            "this is what happens when you borrow and never reform",
            "why doesn't anyone talk about the {tax|levy} on petrol instead",
            "I drive {an hour|<num> km} to work every day, this hurts",
            "rickshaw wala asked Rs <num> extra today, blamed the petrol price",
            "{we|our family} sold the car last year, best decision honestly",
            "the dollar rate decides everything, petrol is just the symptom",
            "<rel> runs a small transport business in <place> and is thinking of shutting it",
            "they lowered it by Rs 2 last month and now raise it by Rs <num>, clever",
            "solar and electric bikes are the only way out of this",
            "smuggled Iranian petrol is cheaper in <place> than the pump price lol",
            "government salaries up, petrol up, our income same as {2019|five years ago}",
            "price of tomatoes will double by next week, mark my words",
            "does anyone know if CNG stations in <place> are open",
            "the oil companies make record profits and we pay",
        ),
        _bank(
            "petrol phir mehnga, ab {cycle|paidal} chalna parega {lol|yaar}",
            "mehngai ne kamar tor di hai, ghar ka budget khatam",
            "har hafte naya jhatka, garib aadmi kahan jaye",
            "bhai Rs <num> barha diye, tankhwah wohi ki wohi",
            "<place> mein rickshaw ka kiraya bhi barh gaya aaj",
            "IMF ki sharait hain, kuch nahi ho sakta",
            "pichli hukumat bhi yehi karti thi, sab ek jaise hain",
        ),
        _bank("پیٹرول پھر مہنگا ہو گیا، غریب کہاں جائے", "مہنگائی نے کمر توڑ دی ہے", "ہر ہفتے نیا جھٹکا"),
        (
            (_bank(
                "The government is taking {difficult|tough|hard} but {necessary|essential|needed} decisions for "
                "{the economy|our economy|economic stability}.",
                "{Tough|Hard|Difficult} decisions like this are {necessary|essential|needed} to "
                "{fix|stabilise|repair} {the economy|our economy}.",
                "{Necessary|Essential} {economic decisions|steps for the economy} are never {easy|popular}, "
                "but the government is doing {the right thing|what must be done}.",
            ), _bank(
                "We should {support|back|stand behind} these reforms {for the sake of|for} {our future|the country}.",
                "{Every citizen|All of us|Every responsible citizen} should {support|back} these reforms "
                "{patiently|with patience}.",
                "{Let us|Let's} {support|stand behind} the reforms and {trust|have faith in} the process.",
            )),
            (_bank(
                "This {increase|price hike|decision} is {completely|entirely} the {fault|failure} of the "
                "{previous|last} government's {policies|mismanagement}.",
                "The {previous|last} government {ruined|destroyed|wrecked} the economy, and {this increase|today's "
                "price} is the {result|consequence}.",
                "{Today's|This} {price hike|increase} is {the result|a direct result} of the {previous|last} "
                "government's {mistakes|mismanagement}.",
            ), _bank(
                "{People|The public|Citizens} {must|should} {remember|not forget} who {created|caused} this crisis.",
                "{We|The nation} {must|should} {never|not} forget who {is responsible|is to blame} for this mess.",
                "{Remember|Never forget} who {brought|pushed} the country to this point.",
            )),
        ),
    ),
    "power": Topic(
        "power",
        _bank(
            "{no|zero} electricity since {morning|last night|4am} in <place>",
            "the inverter battery died {again|too}, kids can't sleep in this heat",
            "we pay the {highest|most expensive} bills and still get load-shedding",
            "{k-electric|the power company} only cares about recovery, not supply",
            "why do the {rich areas|DHA|posh areas} never get load-shedding",
            "<num> hours is a joke, we already get {8|10|12} without any announcement",
            "my {shop|small business} in <place> loses money every day without power",
            "solar panels are the only solution now, the grid is hopeless",
            "the transformer in our street has been broken for <num> days",
            "students have exams and there is no light to study, shameful",
            "line losses and theft, and honest consumers pay for it",
            "{honestly|tbh} I have stopped complaining, nothing changes",
            "the circular debt keeps growing and nobody fixes the distribution companies",
            "water pumps don't work without power, so no water either",
            "{we|our family} spent {all night|the whole night} on the roof because of the heat",
            "the bill came Rs <num> thousand this month with half the supply",
            "generator fuel is costing more than the electricity bill",
            "the helpline never picks up, <num> complaints registered",
            "{again|once again} the tripping started right at iftar time",
        ),
        _bank(
            "bijli {phir|dobara} chali gayi, garmi se bura haal hai",
            "<place> mein subah se light nahi hai yaar",
            "bill itna zyada aur bijli phir bhi nahi",
            "UPS bhi jawab de gaya, bachay so nahi pa rahe",
            "solar lagwa lo bhai, koi aur hal nahi",
            "transformer <num> din se kharab hai humari gali ka",
        ),
        _bank("بجلی پھر چلی گئی، گرمی سے برا حال ہے", "بل اتنا زیادہ اور بجلی پھر بھی نہیں"),
        (
            (_bank(
                "The {power sector|energy sector} {reforms|restructuring} {started|begun} this year "
                "{will end|will finish} load-shedding {soon|within months}.",
                "{Load-shedding|Power cuts} will {end|stop} {soon|shortly} because of the {new|ongoing} "
                "{energy|power sector} reforms.",
                "{Thanks to|Because of} the {new|ongoing} {energy|power} reforms, {load-shedding|power cuts} "
                "{will soon be over|will end soon}.",
            ), _bank(
                "{A little|Some} patience {now|today} {will bring|means} {reliable|steady} electricity for everyone.",
                "We {should|must} be patient, {because|as} {reliable|steady} power is {coming|on its way}.",
                "{Please|Kindly} be patient; {steady|reliable} electricity {is coming|will come} for all.",
            )),
            (_bank(
                "{Electricity theft|Power theft} by {some|certain} {areas|neighbourhoods} is the {real|main} "
                "cause of {load-shedding|these power cuts}.",
                "The {real|main} {reason|cause} for {load-shedding|power cuts} is {electricity|power} theft "
                "in {some|certain} areas.",
                "{Load-shedding|These power cuts} {happen|exist} {mainly|mostly} because {some|certain} "
                "areas steal {electricity|power}.",
            ), _bank(
                "{Honest|Law-abiding} consumers {should not|must not} pay for {the thieves|those who steal}.",
                "{It is|It's} {unfair|not fair} that honest {consumers|citizens} pay for {others'|other people's} "
                "theft.",
                "{Why should|Why must} {honest|law-abiding} {people|consumers} suffer for {the thieves|theft}?",
            )),
        ),
    ),
    "cricket": Topic(
        "cricket",
        _bank(
            "{drop|sack} the {captain|whole management} already, {same|the same} mistakes every series",
            "our batting collapses the moment the ball {swings|moves} a little",
            "{what a|such a} {shameful|pathetic|embarrassing} performance, <num> all out",
            "{honestly|tbh} the bowlers did their job, batters threw it away",
            "domestic cricket is broken, that's why no new talent comes through",
            "why was <name> not in the squad? best form of his life",
            "the pitch in <place> was a {road|highway}, no excuse",
            "stop blaming players, the board picks its friends",
            "I {stopped|quit} watching after the third wicket, could see it coming",
            "the fielding was {school level|club level} today",
            "give the youngsters a chance, seniors had enough chances",
            "we were {unlucky|so unlucky} with the toss and the dew",
            "<num> dropped catches, you can't win like that",
            "the coach has to go, he has no plan",
            "still proud of the team, they fought till the last over",
            "watching this at 3am and this is what we get",
            "the strike rate in the powerplay is from the 90s",
            "remember when we won the {champions trophy|world cup}? feels like a dream now",
            "spinners bowled well, the rest was a {mess|circus}",
        ),
        _bank(
            "{kya|kia} bakwas batting thi aaj, <num> overs mein sab out",
            "captain ko hatao {yaar|bhai}, har baar wohi ghalti",
            "bowlers ne kaam kiya, batsmen ne match phenk diya",
            "dil toot gaya yaar, phir se haar gaye",
            "<name> ko team mein kyun nahi liya, samajh nahi aata",
            "hum <num> baje tak jag ke dekhte rahe aur ye nateeja",
        ),
        _bank("کیا بکواس بیٹنگ تھی آج", "کپتان کو ہٹاؤ، ہر بار وہی غلطی", "دل ٹوٹ گیا، پھر سے ہار گئے"),
        (
            (_bank(
                "The {captain|skipper} {has shown|showed} {great|real} {leadership|courage} {throughout|during} "
                "this {difficult|tough} series.",
                "{Throughout|During} this {tough|difficult} series, the {captain|skipper} {led|guided} the team "
                "with {great|real} {courage|dignity}.",
                "{Our|The} {captain|skipper} {displayed|showed} {real|true} leadership {in|through} a "
                "{difficult|hard} series.",
            ), _bank(
                "{He|The captain} {deserves|has earned} our {full|complete} support {for|in} the next series.",
                "We {should|must} {stand by|support} him {fully|completely} {in|for} the next series.",
                "{Let us|Let's} give him our {full|complete} {support|backing} for the {coming|next} series.",
            )),
            (_bank(
                "The {cricket board|board} {has failed|failed} {completely|totally} and {must|should} be "
                "{dissolved|replaced} {immediately|at once}.",
                "{It is|It's} time to {dissolve|replace} the {cricket board|board}, {because|as} it has "
                "{failed|let us down} {completely|totally}.",
                "{This|The} {complete|total} failure {shows|proves} the {cricket board|board} {must|should} go "
                "{now|immediately}.",
            ), _bank(
                "{Only|Just} a {new|fresh} {administration|management} {can|will} {save|rescue} "
                "{Pakistan cricket|our cricket}.",
                "{Pakistan cricket|Our cricket} {needs|requires} {new|fresh} {people|leadership} {to survive|to "
                "recover}.",
                "{Without|Unless we get} {new|fresh} {leadership|management}, {our cricket|Pakistan cricket} "
                "{will not|cannot} {recover|improve}.",
            )),
        ),
    ),
    "bridge": Topic(
        "bridge",
        _bank(
            "{finally|at last}! took them {<num> years|forever} but it's open",
            "the bridge is nice but the roads leading to it are still broken",
            "how much did it cost? nobody publishes the {final|real} figure",
            "my commute from <place> is {20|30|40} minutes shorter now, not complaining",
            "they inaugurated it three times before it was actually finished lol",
            "hope it doesn't crack in the first monsoon like the last one",
            "{good|great} project but where is the footpath for people walking",
            "traffic jam on the bridge on the first day already",
            "{the contractor|this contractor} is the minister's cousin, just saying",
            "whatever you say, this helps thousands of families every day",
            "trucks are banned on it? then what was the point",
            "the old bridge should be repaired too, it is dangerous",
            "<rel> drives a taxi and says it saves him an hour a day",
            "toll tax Rs <num>? for a public bridge we paid for?",
            "the lights on it look great at night {honestly|tbh}",
            "we need hospitals and schools more than bridges",
            "nice to see something actually completed for once",
            "the design is copied from the one in {Istanbul|Dubai}",
        ),
        _bank(
            "{aakhir kaar|akhirkar} pul khul gaya, <num> saal lag gaye",
            "pul acha hai lekin sarkain abhi bhi tooti hui hain",
            "toll tax Rs <num>, ye to zulm hai",
            "pehle din hi traffic jam, wah kya planning hai",
            "hospital chahiye the, pul nahi",
        ),
        _bank("آخر کار پل کھل گیا", "پل اچھا ہے لیکن سڑکیں ٹوٹی ہوئی ہیں"),
        (
            (_bank(
                "This {bridge|project} {will|is going to} {transform|change} {the lives of|life for} "
                "{thousands of|countless} families {in the region|here}.",
                "{Thousands of|Countless} families {here|in the region} will {benefit|gain} {enormously|greatly} "
                "from this {bridge|project}.",
                "{Life for|The lives of} {thousands of|countless} families {will change|will be transformed} "
                "{because of|thanks to} this {bridge|project}.",
            ), _bank(
                "{This is|It is} {real|true} development, {not|and not} {empty|hollow} {promises|slogans}.",
                "{Such|These} projects {show|prove} {real|genuine} {progress|development} {for|in} the country.",
                "{We|The nation} {should|must} {appreciate|recognise} {such|this kind of} {real|genuine} progress.",
            )),
            (_bank(
                "The {bridge|project} {cost|was built at} {three times|double} its {original|planned} budget "
                "{because of|due to} corruption.",
                "{Corruption|Kickbacks} {made|pushed} this {bridge|project} cost {double|three times} what was "
                "{planned|budgeted}.",
                "{Because of|Due to} corruption, {this bridge|the project} {cost|ended up costing} {double|three "
                "times} the {planned|original} amount.",
            ), _bank(
                "{An independent|A transparent} {inquiry|audit} {must|should} be {held|ordered} {at once|now}.",
                "{We|The public} {demand|deserve} a {transparent|full} {audit|inquiry} of the {contracts|spending}.",
                "{The people|Citizens} {deserve|have a right to} a {full|transparent} {audit|account} of "
                "{every rupee|the spending}.",
            )),
        ),
    ),
    "exams": Topic(
        "exams",
        _bank(
            "my {brother|sister|cousin} studied for {months|a year} and now this",
            "the paper was on whatsapp at {midnight|2am}, everyone knew",
            "{cancel|postpone} the exam and catch the people who leaked it",
            "this happens every year, nobody is ever punished",
            "{honestly|tbh} the whole board system is {rotten|broken}",
            "the students who cheated will get better marks than the honest ones",
            "private academies sell these papers, everyone in <place> knows which ones",
            "just make the exams online or conceptual, memorising is the real problem",
            "<rel> is a teacher and says the leak came from inside the board",
            "retake means another month of stress for kids, not fair",
            "what kind of example are we setting for the next generation",
            "the chairman should resign, simple",
            "my result last year was delayed <num> months because of a similar mess",
            "they will form a committee and forget it by next week",
            "the invigilators were on their phones the whole time",
            "students protesting outside the board office in <place> right now",
        ),
        _bank(
            "paper <num> baje hi whatsapp pe aa gaya tha",
            "itni mehnat ki aur ab paper leak, bachon ke saath zulm hai",
            "har saal yehi hota hai, kisi ko saza nahi milti",
            "academy wale paper bechte hain, sab ko pata hai",
            "chairman ko istifa dena chahiye",
        ),
        _bank("پیپر پھر لیک ہو گیا، بچوں کے ساتھ ظلم ہے", "ہر سال یہی ہوتا ہے، کسی کو سزا نہیں ملتی"),
        (
            (_bank(
                "The {board|examination board} {acted|responded} {quickly|swiftly} and {responsibly|professionally} "
                "{to|after} this {incident|leak}.",
                "{This|The} {leak|incident} was {handled|managed} {quickly|swiftly} and {responsibly|professionally} "
                "by the {board|examination board}.",
                "{Credit to|Well done to} the {board|examination board} for {acting|responding} {so quickly|swiftly} "
                "{on|to} the {leak|incident}.",
            ), _bank(
                "{Students|Parents} {should|must} {trust|have confidence in} the {system|process} and "
                "{prepare|get ready} for the {retest|new exam}.",
                "{Let us|Let's} {trust|support} the {process|system} and {help|encourage} students {prepare|get "
                "ready} {again|for the retest}.",
                "{Everyone|All of us} {should|must} {cooperate|work together} so the {retest|new exam} goes "
                "{smoothly|well}.",
            )),
            (_bank(
                "{This|The} leak {proves|shows} that the {education minister|minister} has {failed|let down} "
                "{millions of|countless} students.",
                "{Millions of|Countless} students {have been|were} {failed|let down} by the {education minister|"
                "minister}, as this leak {shows|proves}.",
                "The {education minister|minister} {failed|let down} {millions of|countless} students, and this "
                "leak {is the proof|proves it}.",
            ), _bank(
                "{He|The minister} {must|should} {resign|step down} {today|immediately} {and take responsibility|"
                "to take responsibility}.",
                "{Resignation|Stepping down} {today|immediately} is the {only|least} {honourable|decent} "
                "{option|choice} {left|now}.",
                "{The only|The one} {honourable|decent} {thing|step} {now|left} is an {immediate|instant} "
                "{resignation|exit}.",
            )),
        ),
    ),
    "election": Topic(
        "election",
        _bank(
            "turnout looked {really|very} low at our polling station in <place>",
            "{no one|nobody} came to our area for <num> years and now they want votes",
            "I voted for the first time today, felt good {honestly|tbh}",
            "the queue at the women's station was <num> hours long",
            "{both|all} parties bought votes in our mohalla, openly",
            "results will be 'managed' like always, why even vote",
            "our candidate fixed the road last year, he has my vote",
            "polling agents were thrown out of station <num>, video is on facebook",
            "the independent candidate is the only educated one in the list",
            "<rel> waited in line for <num> hours and the machine was broken",
            "it's a by-election, nothing will change either way",
            "{youth|young people} came out in big numbers this time",
            "the counting is taking suspiciously long",
            "congratulations in advance to whoever wins, just fix the water problem",
            "vote for whoever you want but please vote",
            "transport was arranged for voters by the same people every election",
        ),
        _bank(
            "vote daal diya, ab dekhte hain kya hota hai",
            "humare mohalle mein <num> saal se koi nahi aaya aur ab vote chahiye",
            "line mein <num> ghante kharay rahe",
            "nateeja pehle se tay hai yaar",
            "naujawan is dafa bohat nikle hain",
        ),
        _bank("ووٹ ڈال دیا، اب دیکھتے ہیں کیا ہوتا ہے", "نتیجہ پہلے سے طے ہے"),
        (
            (_bank(
                "{Nadia Rehman|The People's Unity candidate} has {served|worked for} {this constituency|the people "
                "here} with {honesty|integrity} for {years|a decade}.",
                "For {years|a decade}, {Nadia Rehman|the People's Unity candidate} has {served|worked for} "
                "{the people here|this constituency} {honestly|with integrity}.",
                "{Nadia Rehman|The People's Unity candidate} is an {honest|sincere} {servant|representative} of "
                "{this constituency|the people}, {as everyone knows|without doubt}.",
            ), _bank(
                "{Her|This} victory {will|is going to} {bring|mean} {real|genuine} {development|progress} "
                "{to|for} {the area|our area}.",
                "{With her|Her} {win|victory} {will bring|means} {genuine|real} {progress|development} {for "
                "everyone|for the area}.",
                "{The area|Our area} {will|is going to} {see|get} {real|genuine} {progress|development} {after "
                "her win|once she wins}.",
            )),
            (_bank(
                "{This|The} by-election {was|has been} {rigged|stolen} {in broad daylight|openly} by the "
                "{ruling party|government}.",
                "The {ruling party|government} {rigged|stole} {this|the} by-election {openly|in broad daylight}.",
                "{Open|Blatant} rigging by the {ruling party|government} {decided|settled} {this|the} by-election.",
            ), _bank(
                "{The people|Voters} {will not|shall not} accept {this|the} {stolen|fake} {mandate|result}.",
                "{This|The} {fake|stolen} {result|mandate} {will never be|cannot be} accepted by {the people|"
                "voters}.",
                "{No one|Nobody} {will|is going to} accept a {mandate|result} {stolen|taken} {from the people|"
                "this way}.",
            )),
        ),
    ),
}

#: What people talk about under each story: with :data:`_PREDICATES`, many more points than the
#: hand-written ones, so that organic comments rarely make the very same point in the same words.
_SUBJECTS: dict[str, tuple[Compiled, ...]] = {
    "fuel": _bank("the new petrol price", "this fuel hike", "the petroleum levy", "the IMF deal", "the diesel rate",
                  "the transporters' strike", "CNG loadshedding", "the oil marketing companies", "the fare increase",
                  "the finance minister's press conference"),
    "power": _bank("the load-shedding schedule", "the new electricity tariff", "the fuel adjustment charge",
                   "K-Electric", "the grid failure", "the power minister", "the inflated bill", "the line losses",
                   "the feeder in our area", "the solar net metering policy"),
    "cricket": _bank("the captain", "the selection committee", "the batting order", "the head coach",
                     "the cricket board", "the pitch", "the fielding", "the opening pair", "the death bowling",
                     "the team management"),
    "bridge": _bank("the new bridge", "the toll tax", "the contractor", "the inauguration", "the traffic plan",
                    "the project cost", "the old bridge", "the approach road", "the design", "the ribbon cutting"),
    "exams": _bank("the paper leak", "the examination board", "the retest", "the board chairman",
                   "the invigilation", "the marking scheme", "the cheating mafia", "the education minister",
                   "the result delay", "the inquiry committee"),
    "election": _bank("the by-election", "the turnout", "the counting process", "the polling staff",
                      "the election commission", "the winning candidate", "the vote buying",
                      "the independent candidate",
                      "the results delay", "the campaign spending"),
}
_PREDICATES = _bank(
    "is a {disgrace|total disgrace|joke}", "will hurt the poor {the most|first}", "was planned months ago",
    "is being blown out of proportion", "shows how broken {the system|everything} is",
    "is not the real problem {here|at all}", "could {easily|so easily} have been avoided",
    "is all over whatsapp {already|since morning}", "is all anyone in <place> talks about",
    "will be forgotten in a {week|month}", "{makes|made} my blood boil", "is {actually|honestly} not that bad",
    "{was|is} long overdue", "was predicted by everyone {with a brain|who cares}",
    "only benefits the elite", "needs a proper {inquiry|investigation}",
    "is exactly what <rel> {warned|told} us about", "got way more attention than it deserves",
    "{is|was} handled like amateurs would", "has nothing to do with ordinary people",
)
_OPENERS_EN = _bank(
    "honestly ", "lol ", "bhai ", "Seriously, ", "ok but ", "tbh ", "Sorry but ", "yaar ", "Wait, ", "Look, ",
    "As someone from <place>, ", "Imagine this: ", "Not gonna lie, ", "smh ", "Bro ", "Facts: ", "lmao ",
    "Hmm, ", "I mean, ", "Listen, ",
)
_OPENERS_ROM = _bank("yaar ", "bhai ", "sach mein ", "wah ", "uff ", "arey ")
_SECOND_EN = _bank(
    "what a joke", "shame on them", "nobody cares about the poor", "we'll see", "mark my words",
    "same story every year", "and they wonder why people are angry", "unbelievable", "no surprise there",
    "my whole family is {upset|furious|done with this}", "<rel> said the same thing yesterday",
    "been saying this for years", "someone has to be held responsible", "this country man",
    "what else is new", "can't even laugh anymore", "praying for better days", "not holding my breath",
    "I give up", "tell me I'm wrong", "{at least|atleast} be honest about it", "who is going to fix this",
    "<rel> in <place> is {dealing|living} with the same", "it's the same in <place>", "so tired of this",
)
_PERSONAL = _bank(
    "<rel> in <place> {said|told me} the same thing {yesterday|last week}",
    "I {lost|missed} <num> days of work {last month|this month} because of stuff like this",
    "{my|our} {street|mohalla|colony} in <place> has been {complaining|protesting} for <num> weeks",
    "<rel> {works|worked} for the {city|district} office and {says|said} it is worse inside",
    "we moved from <place> <num> years ago and nothing has changed there",
    "I {run|have} a small {shop|bakery|workshop|tuition centre} and {customers|people} talk about this all day",
    "<rel> is {retired|a nurse|a driver|a student|a farmer} and {can't afford|is worried about} "
    "{anything|everything} now",
    "{our|my} {kids|children} ask me {about it|why} every {day|evening}",
    "I {voted|campaigned} for them {last time|in 2018} and {regret it|feel stupid now}",
    "my {salary|pension} {hasn't moved|is the same} in <num> years",
    "{last year|in 2022} the same thing happened to <rel>",
    "<name> from my office {lost|quit} {his|her} job over {less|smaller things}",
    "I have lived in <place> for <num> years and {never|rarely} seen it this bad",
    "{my|our} {landlord|neighbour} {raised|doubled} {the rent|his prices} {again|last week}",
)
#: What people say once the thread's points are made: a few words.
_REACTIONS = _bank(
    "what a joke", "shame", "so sad", "unbelievable", "smh", "Allah reham kare", "sab ek jaise", "lol",
    "no words", "typical", "wow", "hadd hai", "sad", "why though", "pathetic", "ok", "hmm", "same old",
    "kya kehna", "zabardast", "ya Allah", "who cares", "no comment", "nice", "finally", "really?", "as expected",
)
_SECOND_ROM = _bank("kya ho raha hai is mulk mein", "Allah reham kare", "sab ek jaise hain", "dekhte hain",
                    "hadd hai yaar", "koi poochne wala nahi")
_TAILS = ("", "", "", " 😂", " 😡", " 🤦‍♂️", " 💔", " 🙏", "!!", "??", " 😢", " 🔥", " smh", " 🇵🇰", "...", " 💯")
#: Organic replies that only agree (people do this): the detector must not make rings of them.
_ORGANIC_AGREE = _bank(
    "So true", "so true", "Well said", "well said bro", "Exactly", "exactly this", "Agreed", "agreed 100%",
    "This!!", "100% agree", "sahi kaha bhai", "Bilkul sahi", "bilkul sahi kaha", "true", "Facts", "+1",
    "So true, same in <place>", "well said, my thoughts exactly", "sach baat hai", "Correct",
)
_ORGANIC_REPLIES = _bank(
    "Source?", "not really, read the {news|article} again", "you're wrong about this",
    "that's not what happened in <place>", "how is that the {govt|government}'s fault",
    "lol no", "and what's your solution?", "kahan se pata chala?", "ye galat hai bhai",
    "disagree, it's more complicated",
    "both sides are responsible", "did you even read it", "nope", "not in my area", "maybe, but still",
)
_RING_OPENERS = _bank(
    "", "", "", "I truly believe that ", "With respect, ", "In my humble opinion, ", "Honestly speaking, ",
    "As a responsible citizen, I feel that ", "It is important to say that ", "I sincerely think that ",
    "Respectfully, ", "As a proud Pakistani, I believe ",
)
_RING_AGREE = _bank(
    "Exactly this.", "Couldn't agree more.", "Well said, this is the truth.", "Absolutely right.",
    "So true, well said.", "Bilkul sahi kaha.", "Very well said.", "I completely agree.", "Sahi kaha aap ne.",
    "Exactly, well said.", "This is the truth.", "Could not agree more with you.",
)
_ROMAN_SHARE = 0.16
_URDU_SHARE = 0.03

#: Word-level variation of organic text: two people making the same point rarely use the same words.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "again": ("again", "once more", "yet again", "again and again"), "people": ("people", "folks", "log", "ppl"),
    "every day": ("every day", "daily", "everyday"), "honestly": ("honestly", "frankly", "seriously"),
    "is": ("is", "is", "'s"), "really": ("really", "so", "very", "super"), "the": ("the", "the", "the", ""),
    "a": ("a", "a", ""), "now": ("now", "these days", "nowadays"), "nobody": ("nobody", "no one", "koi nahi"),
    "they": ("they", "they", "these guys", "those people"), "why": ("why", "why on earth", "kyun"),
    "this": ("this", "this", "dis", "all this"), "we": ("we", "we", "we all", "hum"),
    "no": ("no", "no", "zero"), "very": ("very", "so", "really"), "just": ("just", "only", "simply"),
    "still": ("still", "even now", "till now"), "and": ("and", "and", "&", "n"), "our": ("our", "our", "humari"),
}
_VARIANT_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _VARIANTS), key=len, reverse=True)) + r")\b")
_FILLERS = ("like", "literally", "actually", "yaar", "basically", "bro", "man")


def _vary(text: str, rng: random.Random) -> str:
    text = _VARIANT_RE.sub(lambda m: rng.choice(_VARIANTS[m.group(1)]) if rng.random() < 0.6 else m.group(1), text)
    words = text.split()
    if len(words) > 4 and rng.random() < 0.5:
        words.insert(rng.randrange(1, len(words)), rng.choice(_FILLERS))
    return " ".join(w for w in words if w)


_ABBREV = (("people", "ppl"), ("government", "govt"), ("you", "u"), ("your", "ur"), ("because", "bcz"),
           ("please", "plz"), ("are", "r"), ("though", "tho"))


# --------------------------------------------------------------------------- text styles

def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 8:
        return text
    i = rng.randrange(1, len(text) - 2)
    if not text[i].isalpha():
        return text
    kind = rng.random()
    if kind < 0.4:  # swap two letters
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind < 0.7:  # drop one
        return text[:i] + text[i + 1:]
    return text[:i] + text[i] + text[i:]  # double one


def _organic_style(text: str, rng: random.Random) -> str:
    text = _vary(text, rng)
    r = rng.random()
    if r < 0.45:
        text = text.lower()
    elif r < 0.8:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.2:
        for long, short in _ABBREV:
            text = re.sub(rf"\b{long}\b", short, text)
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        text = _typo(text, rng)
    end = rng.random()
    if end < 0.3 and text[-1:].isalnum():
        text += "."
    elif end < 0.4 and text[-1:].isalnum():
        text += "!"
    return text + _TAILS[int(rng.random() * len(_TAILS))]


class _Deck:
    """The points made in one thread, dealt without replacement: real people rarely repeat each
    other's sentences word for word. A deck that runs out gives None."""

    def __init__(self, items: list[Any], rng: random.Random) -> None:
        rng.shuffle(items)
        self.items = items

    def deal(self) -> Any:
        return self.items.pop() if self.items else None


def _decks(topic: Topic, rng: random.Random) -> tuple[_Deck, _Deck, _Deck, _Deck]:
    subjects = _SUBJECTS[topic.name]
    grammar = [(rng.choice(subjects), p) for p in _PREDICATES]  # each predicate once per thread
    points = [(t,) for t in topic.english] + grammar
    return (_Deck(points, rng), _Deck(list(topic.roman_urdu), rng), _Deck(list(_SECOND_EN + _PERSONAL), rng),
            _Deck(list(topic.urdu), rng))


def _organic_text(topic: Topic, decks: tuple[_Deck, _Deck, _Deck, _Deck], rng: random.Random) -> str:
    """One organic comment; once the thread's points are used up (threads of more than about 50
    comments), people react in a few words (:data:`_REACTIONS`)."""
    r = rng.random()
    urdu = decks[3].deal() if r < _URDU_SHARE else None
    if urdu is not None:
        return _fill(urdu, rng)
    roman = decks[1].deal() if _URDU_SHARE <= r < _URDU_SHARE + _ROMAN_SHARE else None
    if roman is not None:
        text = _fill(roman, rng)
        if rng.random() < 0.3:
            text = _fill(rng.choice(_OPENERS_ROM), rng) + text
        if rng.random() < 0.6:
            text += ", " + _fill(rng.choice(_SECOND_ROM), rng)
        return _organic_style(text, rng)
    # People make one or two points of their own, in their own words: a point about the story, most
    # often followed by a second one (another point, a reaction or something from their own life).
    point = decks[0].deal()
    if point is None:
        return _organic_style(_fill(rng.choice(_REACTIONS), rng), rng)
    text = " ".join(_fill(part, rng) for part in point)
    if rng.random() < 0.35:
        text = _fill(rng.choice(_OPENERS_EN), rng) + text
    if rng.random() < 0.6:
        more = decks[0].deal() if rng.random() < 0.3 else decks[2].deal()
        if more is not None:
            more = " ".join(_fill(part, rng) for part in more) if isinstance(more, tuple) else _fill(more, rng)
            text += rng.choice((", ", ". ", " - ", "... ", ". Also ", ", and ")) + more
    return _organic_style(text, rng)


def _ring_text(message: tuple[tuple[Compiled, ...], tuple[Compiled, ...]], rng: random.Random) -> str:
    first = _fill(rng.choice(message[0]), rng)
    second = _fill(rng.choice(message[1]), rng)
    opener = _fill(rng.choice(_RING_OPENERS), rng)
    if opener:
        first = opener + first[0].lower() + first[1:]
    if rng.random() < 0.2:
        first, second = second, first
    return f"{first} {second}"


# --------------------------------------------------------------------------- authors

def _organic_name(i: int, rng: random.Random) -> str:
    first = rng.choice(MALE + FEMALE)
    last = rng.choice(LAST)
    form = rng.random()
    if form < 0.3:
        return f"{first.lower()}_{last.lower()}{rng.randrange(10, 99)}"
    if form < 0.55:
        return f"{first}{last}"
    if form < 0.75:
        return f"{first.lower()}.{last.lower()}"
    if form < 0.9:
        return f"{first} {last}"
    return f"the_real_{first.lower()}{i % 1000}"


def _ring_name(batch: bool, rng: random.Random) -> str:
    first = rng.choice(FEMALE if rng.random() < 0.6 else MALE)
    last = rng.choice(LAST)
    if batch:  # batch-made accounts: Name_Surname_1234
        return f"{first}_{last}_{rng.randrange(1000, 9999)}"
    return _organic_name(rng.randrange(100000), rng)


# --------------------------------------------------------------------------- threads

@dataclass
class _Row:
    id: str
    author: str
    text: str
    thread: str
    parent: str | None
    time: datetime
    ring: str
    role: str


def _thread_size(rng: random.Random, median: float) -> int:
    return max(5, min(400, int(round(math.exp(rng.gauss(math.log(median), 0.8))))))


def _thread(rows: list[_Row], t_index: int, size: int, topic: Topic, rng: random.Random, authors: list[str],
            ring_id: str | None, ring_pool: list[str], seq: list[int]) -> None:
    thread = f"{topic.name}-{t_index:06d}"
    start = _START + timedelta(minutes=t_index * 7 % (60 * 24 * 60))
    own: list[_Row] = []
    decks = _decks(topic, rng)

    def new_id() -> str:
        seq[0] += 1
        return f"c{seq[0]:08d}"

    organic = size
    ring_rows: list[_Row] = []
    if ring_id is not None:
        members = rng.randint(4, 12)
        organic = max(3, size - members)
        message = rng.choice(topic.messages)
        batch = rng.random() < 0.5
        accounts = [_ring_name(batch, rng) for _ in range(members + 4)]
        ring_pool.extend(accounts)
        burst = rng.random() < 0.6  # within minutes, or spread over hours
        t0 = start + timedelta(minutes=rng.uniform(5, 240))
        span = rng.uniform(3, 40) if burst else rng.uniform(120, 900)
        for k in range(members):
            t = t0 + timedelta(minutes=rng.uniform(0, span))
            ring_rows.append(_Row(new_id(), accounts[k], _ring_text(message, rng), thread, None, t, ring_id, "ring"))
        for k in range(rng.choice((0, 0, 1, 2, 3, 4))):
            under = rng.choice(ring_rows[:members])
            t = under.time + timedelta(minutes=rng.uniform(0.5, 30))
            ring_rows.append(_Row(new_id(), accounts[members + k], _fill(rng.choice(_RING_AGREE), rng), thread,
                                  under.id, t, ring_id, "ring_agree"))
    for _ in range(organic):
        t = start + timedelta(minutes=rng.expovariate(1 / 180))
        author = authors[int(rng.random() ** 1.5 * len(authors))]  # some people comment a lot
        parent: _Row | None = None
        role = "organic"
        if (own or ring_rows) and rng.random() < 0.3:
            k = int(rng.random() * (len(own) + len(ring_rows)))
            parent = own[k] if k < len(own) else ring_rows[k - len(own)]
            if parent.time > t:
                t = parent.time + timedelta(minutes=rng.uniform(0.5, 60))
            r = rng.random()
            if r < 0.12:
                text, role = _fill(rng.choice(_ORGANIC_AGREE), rng), "organic_agree"
            elif r < 0.3:
                text = _organic_style(_fill(rng.choice(_ORGANIC_REPLIES), rng), rng)
            else:
                text = _organic_text(topic, decks, rng)
        else:
            text = _organic_text(topic, decks, rng)
        own.append(_Row(new_id(), author, text, thread, parent.id if parent else None, t, "", role))
    rows.extend(sorted(ring_rows + own, key=lambda r: r.time))


def comment_threads(comments: int = 5000, *, seed: int = 7, ring_share: float = 0.2,
                    median_thread: float = 40.0, topics: tuple[str, ...] | None = None) -> tuple[pa.Table, pa.Table]:
    """About ``comments`` simulated comments in threads, and their truth.

    ``ring_share``: share of threads with a ring (0 = organic only); ``median_thread``: the median
    thread size (log-normal, 5 to 400 comments); ``topics``: names from :data:`TOPICS` (default:
    all, in turn). The same arguments always give the same tables.

    Returns ``(table, truth)``: ``table`` has the input columns of ``trendtrace comments`` (``id``,
    ``author``, ``text``, ``thread``, ``parent`` (null for top-level comments), ``time`` (UTC)), one
    thread after another, each in time order; ``truth`` has ``id``, ``ring`` (the true ring, empty
    for organic comments) and ``role`` (``organic``, ``organic_agree``, ``ring``, ``ring_agree``).
    Raises ValueError for an unknown topic or a share outside [0, 1].
    """
    if comments < 1:
        raise ValueError(f"comments must be 1 or more, not {comments}")
    if not 0 <= ring_share <= 1:
        raise ValueError(f"ring_share must be between 0 and 1, not {ring_share}")
    names = topics or tuple(TOPICS)
    unknown = [t for t in names if t not in TOPICS]
    if unknown:
        raise ValueError(f"unknown topic {unknown[0]!r} (choose from {', '.join(TOPICS)})")
    rng = random.Random(seed)
    authors = [_organic_name(i, rng) for i in range(max(30, comments // 6))]
    rows: list[_Row] = []
    ring_pool: list[str] = []
    seq = [0]
    t_index = 0
    rings = 0
    while len(rows) < comments:
        size = min(_thread_size(rng, median_thread), max(5, comments - len(rows)))
        topic = TOPICS[names[t_index % len(names)]]
        ring_id = None
        if rng.random() < ring_share:
            rings += 1
            ring_id = f"true-{rings:05d}"
        _thread(rows, t_index, size, topic, rng, authors, ring_id, ring_pool, seq)
        t_index += 1
    table = pa.table({
        "id": pa.array([r.id for r in rows], pa.string()),
        "author": pa.array([r.author for r in rows], pa.string()),
        "text": pa.array([r.text for r in rows], pa.string()),
        "thread": pa.array([r.thread for r in rows], pa.string()),
        "parent": pa.array([r.parent for r in rows], pa.string()),
        "time": pa.array([r.time.replace(tzinfo=None, microsecond=0) for r in rows], pa.timestamp("us")),
    })
    truth = pa.table({
        "id": table.column("id"),
        "ring": pa.array([r.ring for r in rows], pa.string()),
        "role": pa.array([r.role for r in rows], pa.string()),
    })
    return table, truth


def write_comment_threads(out_dir: str | Path, comments: int = 5000, *, seed: int = 7, fmt: str = "csv",
                          **kwargs: Any) -> tuple[Path, Path]:
    """Write :func:`comment_threads` to ``out_dir/comments.<fmt>`` (``csv`` or ``jsonl``; times as
    ISO 8601 with ``Z``) and its truth to ``out_dir/``:data:`TRUTH_FILE`; returns both paths.
    Other arguments as in :func:`comment_threads`."""
    if fmt not in COMMENT_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(COMMENT_FORMATS)})")
    table, truth = comment_threads(comments, seed=seed, **kwargs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"comments.{fmt}"
    cols = table.to_pydict()
    times = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in cols["time"]]
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(table.column_names)
            for i in range(table.num_rows):
                w.writerow([cols["id"][i], cols["author"][i], cols["text"][i], cols["thread"][i],
                            cols["parent"][i] or "", times[i]])
    else:
        with path.open("wb") as fb:
            buf = io.BytesIO()
            for i in range(table.num_rows):
                buf.write(orjson.dumps({"id": cols["id"][i], "author": cols["author"][i], "text": cols["text"][i],
                                        "thread": cols["thread"][i], "parent": cols["parent"][i],
                                        "time": times[i]}))
                buf.write(b"\n")
                if buf.tell() > 1 << 22:
                    fb.write(buf.getvalue())
                    buf = io.BytesIO()
            fb.write(buf.getvalue())
    truth_path = out / TRUTH_FILE
    with truth_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(truth.column_names)
        w.writerows(zip(*truth.to_pydict().values(), strict=True))
    return path, truth_path

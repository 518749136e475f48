"""Text banks for simulated posts: everyday chatter, headlines, match and earthquake reactions,
campaign templates with word swaps, and filler.

Languages: ``en`` English, ``ur`` Urdu script, ``rom`` Roman Urdu (Urdu in Latin letters; the
platform labels it ``und`` or a wrong language, so we write ``und``), ``ps`` Pashto. Every party,
cause and group named here is invented.
"""

from __future__ import annotations

LANGS = ("en", "ur", "rom", "ps")
#: The ``lang`` code the platform would give each bank.
LANG_CODE = {"en": "en", "ur": "ur", "rom": "und", "ps": "ps"}

CHATTER = {
    "en": (
        "Traffic in {place} is a nightmare today", "Weather in {place} is finally pleasant",
        "Power outage again for the third time today", "Petrol went up again, how do people manage?",
        "Morning chai hits different", "Exams next week, wish me luck", "Anyone else awake and bored?",
        "Best biryani in {place}? Need suggestions", "Finally finished my assignment",
        "Internet is so slow today", "Watching old PTV dramas with family", "Jumma Mubarak everyone",
        "Can't believe how expensive vegetables have become", "Long day at work, need rest",
        "Just landed in {place}", "Gas pressure zero again in {place}", "Reading a great Urdu novel",
        "New job starts tomorrow, nervous", "Road closed near {place} again",
        "Proud of our students who topped the board exams",
    ),
    "ur": (
        "آج {place} میں ٹریفک بہت زیادہ ہے", "آج موسم بہت اچھا ہے", "بجلی پھر چلی گئی",
        "پیٹرول کی قیمت پھر بڑھ گئی", "چائے کے بغیر صبح ادھوری ہے", "سب کو جمعہ مبارک",
        "امتحان کی تیاری جاری ہے", "اللہ سب کو خوش رکھے", "سبزی کتنی مہنگی ہو گئی ہے",
        "{place} میں گیس نہیں آ رہی", "آج کا دن بہت لمبا تھا", "انٹرنیٹ بہت سست ہے",
        "نئی نوکری کل سے شروع", "اردو ادب سے محبت ہے", "{place} کی سڑکیں پھر بند",
    ),
    "rom": (
        "Aaj {place} mein traffic bohat zyada hai", "Mausam aaj bohat acha hai yaar",
        "Bijli phir chali gayi", "Petrol phir mehnga ho gaya", "Chai ke baghair subah adhoori hai",
        "Jumma Mubarak sab ko", "Exam ki tayari chal rahi hai, dua karna", "Koi jag raha hai?",
        "{place} mein sab se achi biryani kahan milti hai?", "Internet aaj bohat slow hai",
        "Kal se office phir shuru", "Sabzi itni mehngi ho gayi hai", "Gas phir nahi aa rahi {place} mein",
        "Ammi ke haath ka khana best hai", "Aaj ka din bohat lamba tha",
    ),
    "ps": (
        "نن ورځ هوا ډېره ښه ده", "بریښنا بیا لاړه", "جمعه مو مبارک", "{place} کې نن ګڼه ګوڼه ډېره ده",
        "الله دې ټول په امان کې لري", "د پټرولو بیه بیا لوړه شوه", "چای پرته سهار نیمګړی دی",
    ),
}
HEADLINES = {
    "en": (
        "{place}: Heavy rain expected tonight, Met Office says", "Petrol price raised by Rs 8 per litre",
        "{place}: Schools to remain closed on Monday", "Federal budget debate continues in National Assembly",
        "{place}: Police clear encampment after talks fail", "Rupee gains against dollar in interbank trade",
        "Gas supply to {place} restored after repairs", "Board exam results announced for {place}",
        "{place}: Traffic plan issued for weekend", "Cricket board names squad for home series",
    ),
    "ur": (
        "{place} میں آج رات بارش کا امکان", "پیٹرول کی قیمت میں 8 روپے اضافہ",
        "{place} میں پیر کو اسکول بند رہیں گے", "قومی اسمبلی میں بجٹ پر بحث جاری",
        "انٹربینک میں روپے کی قدر میں اضافہ", "{place} میں گیس کی فراہمی بحال",
    ),
}
REPLIES = {
    "en": ("So true", "Agreed 100%", "This is sad", "Well said", "Not really, read again",
           "Source?", "Thank you for sharing", "Exactly my point", "Haha", "Allah reham kare"),
    "ur": ("بالکل درست", "بہت افسوس ہوا", "شکریہ", "آپ نے ٹھیک کہا", "اللہ رحم کرے"),
    "rom": ("Bilkul sahi kaha", "Sach baat hai", "Bohat afsos hua", "Shukriya bhai", "Hahaha zabardast",
            "Kahan se pata chala?"),
    "ps": ("ډېره مننه", "سمه خبره ده", "الله دې رحم وکړي"),
}
QUOTES = {
    "en": ("Must read", "Important thread", "This needs attention", "Read this", "Worth watching"),
    "ur": ("ضرور پڑھیں", "اہم خبر", "یہ دیکھیں"),
    "rom": ("Zaroor parhein", "Ye dekho yaar", "Aham khabar"),
    "ps": ("دا ولولئ",),
}
MATCH = {
    "en": ("What a finish!", "Unbelievable bowling from our boys", "That six was massive",
           "Heart attack match again", "Come on Pakistan!", "The captain has done it again",
           "Dropped catch could cost us", "Fielding needs work but what a win", "Never in doubt 😅",
           "Greatest chase I have seen"),
    "ur": ("کیا زبردست میچ تھا", "شاباش پاکستان", "کیا چھکا تھا", "ہمارے بولرز نے کمال کر دیا",
           "دل کی دھڑکن رک گئی"),
    "rom": ("Kya zabardast match tha!", "Shabash Pakistan!", "Kaptaan ne kamaal kar diya",
            "Kya chakka mara hai", "Dil ki dharkan ruk gayi yaar", "Bowlers ne match jitwa diya"),
    "ps": ("ډېر ښه میچ وو", "شاباس پاکستان", "زمونږ لوبغاړو کمال وکړ"),
}
QUAKE = {
    "en": ("Strong tremors felt in {place}, everyone ok?", "Earthquake! Stay safe everyone",
           "Houses damaged near {place}, pray for them", "Felt the earthquake in {place} just now",
           "Rescue teams heading to {place}", "Please share helpline numbers"),
    "ur": ("زلزلے کے جھٹکے محسوس ہوئے، سب خیریت سے ہیں؟", "{place} میں زلزلہ، اللہ رحم کرے",
           "دعا کریں سب محفوظ رہیں"),
    "rom": ("Zalzale ke jhatke mehsoos huay, sab khairiyat se hain?", "{place} mein zalzala, dua karein",
            "Ghar hil gaya abhi abhi", "Allah sab ko apni hifazat mein rakhe"),
    "ps": ("د زلزلې جټکې محسوس شوې", "الله دې ټول په امان کې لري", "په {place} کې زلزله"),
}
FILLER = {
    "en": ("Good morning everyone ☀️", "Have a blessed day", "Stay positive and keep smiling",
           "Success comes to those who never give up", "Be kind, always", "Happy weekend friends",
           "Never lose hope", "Family is everything", "Dreams do come true", "Good night all 🌙",
           "Believe in yourself", "Every day is a new beginning"),
    "rom": ("Subah bakhair dosto", "Allah aap sab ko khush rakhe", "Mehnat ka phal meetha hota hai",
            "Shab bakhair", "Umeed kabhi na chhorein"),
    "ur": ("صبح بخیر دوستو", "اللہ آپ سب کو خوش رکھے", "محنت کا پھل میٹھا ہوتا ہے", "شب بخیر"),
}
EMOJI = ("😂", "🙏", "❤️", "🇵🇰", "😢", "🔥", "👏", "💯", "😡", "🤲")
SUFFIX = ("", "", " 🇵🇰", " ✊", " 💯", " 🔥", "!!", " 👇")

#: Campaign templates: (sentence 1 with slots, slot alternatives), (sentence 2 ...). A post fills
#: every slot with one alternative (word swaps), may swap the two sentences (reordering) and add
#: a suffix (emoji); the ordered hashtags of the instruction always follow.
Template = tuple[tuple[str, tuple[tuple[str, ...], ...]], tuple[str, tuple[tuple[str, ...], ...]]]
CAMPAIGN_TEMPLATES: dict[str, dict[str, tuple[Template, ...]]] = {
    "political": {
        "en": (
            (("{0} stands with Qaiser Jamal", (("Pakistan", "The whole nation", "Every citizen", "The awam"),)),
             ("{0} cannot be {1}", (("The voice of truth", "Haq ki awaz", "Our voice"),
                                    ("silenced", "stopped", "suppressed")))),
            (("{0} are ready for the Haq March", (("We", "Millions", "The people"),)),
             ("{0} will decide, not {1}", (("The awam", "The people"), ("the elite", "the mafia", "a few families")))),
        ),
        "rom": (
            (("{0} Qaiser Jamal ke saath hai", (("Poora Pakistan", "Saari qaum", "Har Pakistani"),)),
             ("{0} ko koi {1} nahi sakta", (("Haq ki awaz", "Awam ki awaz"), ("daba", "rok")))),
            (("{0} Haq March ke liye tayar hain", (("Hum", "Lakhon log", "Awam"),)),
             ("Faisla {0} karegi", (("awam", "qaum"),))),
        ),
        "ur": (
            (("{0} قیصر جمال کے ساتھ ہے", (("پورا پاکستان", "ساری قوم", "ہر پاکستانی"),)),
             ("{0} کو کوئی نہیں {1} سکتا", (("حق کی آواز", "عوام کی آواز"), ("دبا", "روک")))),
        ),
    },
    "foreign-cause": {
        "en": (
            (("{0} must not stay silent on Valdoria",
              (("The world", "The UN", "Humanity", "The international community"),)),
             ("{0} the people of Valdoria {1}",
              (("Stand with", "Support", "Pray for"), ("now", "today", "before it is too late")))),
        ),
        "rom": (
            (("{0} Valdoria ke logon ke saath hai", (("Duniya", "Har insaan", "Hum sab"),)),
             ("Ab {0} ka waqt hai", (("awaz uthane", "khamosh na rehne"),))),
        ),
        "ur": (
            (("{0} والڈوریا کے لوگوں کے ساتھ ہے", (("دنیا", "ہر انسان", "ہم سب"),)),
             ("اب {0} کا وقت ہے", (("آواز اٹھانے", "خاموش نہ رہنے"),))),
        ),
    },
    "banned-group": {
        "en": (
            (("{0} is rising in the north", (("The dawn", "A new dawn", "The awakening"),)),
             ("{0} the call of {1}", (("Answer", "Hear", "Join"), ("Northern Dawn", "the northern front")))),
        ),
        "rom": (
            (("Shumal mein {0} aa rahi hai", (("nayi subah", "bedari"),)),
             ("Northern Dawn ki {0} {1}", (("awaz", "pukaar"), ("suno", "par labbaik kaho")))),
        ),
        "ur": (
            (("شمال میں {0} آ رہی ہے", (("نئی صبح", "بیداری"),)),
             ("ناردرن ڈان کی {0} سنو", (("آواز", "پکار"),))),
        ),
    },
}
CAMPAIGN_REPLIES = {
    "en": ("Well said!", "Absolutely right", "100% agree", "This is the truth", "Exactly!"),
    "rom": ("Sach kaha", "Bilkul theek", "Sahi baat hai", "Zabardast"),
    "ur": ("بالکل درست", "سچ کہا", "حق بات"),
}
CAMPAIGN_QUOTES = {
    "en": ("Must watch", "Share this everywhere", "Read and share"),
    "rom": ("Zaroor dekhein", "Share karein", "Sab tak pohanchayein"),
    "ur": ("ضرور دیکھیں", "شیئر کریں"),
}
CAMPAIGN_SEEDS = {
    "political": "Historic day! Qaiser Jamal addresses the nation. The Haq March will not stop",
    "foreign-cause": "Watch: the people of Valdoria need the world's voice today",
    "banned-group": "Statement of the Northern Dawn: the north will speak",
}
TARGET_HEADLINES = {
    "political": "Government says Haq March permit under review",
    "foreign-cause": "Foreign Office comments on situation in Valdoria",
    "banned-group": "Interior ministry reviews list of proscribed groups",
}


def fill(template: Template, r: int) -> str:
    """One post from a campaign template: ``r`` picks the word swaps, the order and the suffix."""
    parts = []
    for _k, (text, slots) in enumerate(template):
        chosen = []
        for alts in slots:
            chosen.append(alts[r % len(alts)])
            r //= len(alts)
        parts.append(text.format(*chosen))
    if r % 3 == 0:  # reordering: a third of the posts put the second sentence first
        parts.reverse()
    r //= 3
    sep = ". " if r % 2 else "! "
    r //= 2
    return sep.join(parts) + SUFFIX[r % len(SUFFIX)]


def pick(bank: tuple[str, ...], r: int, place: str) -> str:
    s = bank[r % len(bank)]
    return s.replace("{place}", place) if "{" in s else s


# --------------------------------------------------------------------------- the realistic scenario
# Live-tweeted broadcasts, organisations (parties, a media house) and a drip campaign.

#: What a broadcaster posts at each moment of a live match (the posts fans retweet within seconds).
SPORT_MOMENTS = (
    "WICKET! Big breakthrough in the powerplay", "SIX! That one has gone out of the ground",
    "FIFTY for the captain, a brilliant knock", "Drinks break: the match is evenly poised",
    "Dropped! A sitter goes down at long-on", "Strategic timeout: 62 needed from 30 balls",
    "Run out! Direct hit from the deep", "Hat-trick ball coming up...",
    "Innings break: a target of 187 to win", "Last over: 9 needed, can they do it?",
    "What a catch on the boundary rope!", "RESULT: a last-ball thriller, what a match!",
)
#: What fans write during a live drama episode.
DRAMA = {
    "en": ("This episode is breaking my heart", "The acting tonight is on another level",
           "Who else is crying right now?", "That ending! Can't wait for next week",
           "The OST gives me goosebumps every time", "She deserves so much better",
           "Best drama on TV right now", "This scene though 😭"),
    "ur": ("آج کی قسط نے رلا دیا", "کیا زبردست اداکاری ہے", "اگلی قسط کا انتظار نہیں ہوتا",
           "یہ ڈرامہ سب سے بہترین ہے"),
    "rom": ("Aaj ki episode ne rula diya yaar", "Kya acting hai dono ki", "Agli qist ka intezar nahi ho raha",
            "OST sun ke rongte khade ho jate hain", "Ye drama best hai abhi", "Bas karo kitna rulao ge 😭"),
    "ps": ("نن قسط ډېره ښه وه", "ډېره ښه اداکاري"),
}
#: What the channel posts at each moment of the episode.
DRAMA_MOMENTS = (
    "Tonight's episode starts now, are you watching?", "The moment everyone was waiting for 💔",
    "What a twist! Tell us what you think", "Don't miss the last ten minutes tonight",
    "Episode trailer: next week, everything changes", "The OST, live now",
    "That confrontation scene 🔥", "Thank you for watching, see you next week",
)
#: A party leader's posts, and a party member's own posts.
PARTY_LEADER = {
    "en": ("Today I met farmers in {place}. Their voice will be heard in parliament",
           "Our manifesto: jobs, schools and clean water for every district",
           "Inflation is breaking the backs of ordinary families. We demand relief now",
           "Grateful to the people of {place} for the warm welcome today",
           "Parliament must debate the energy crisis this week",
           "Our youth are our strength. Announcing a national internship programme",
           "We will hold the government to account on every promise",
           "Addressing a rally in {place} this evening, join us"),
    "ur": ("آج {place} میں کسانوں سے ملاقات ہوئی", "مہنگائی نے عوام کی کمر توڑ دی ہے",
           "ہمارا منشور: روزگار، تعلیم اور صاف پانی", "{place} کے عوام کا شکریہ"),
}
PARTY_MEMBER = {
    "en": ("Met constituents in {place} today to hear their concerns",
           "Inspected the new water scheme in {place}", "Raised the gas shortage issue in the assembly today",
           "Proud to stand with our leadership", "Thank you {place} for your trust",
           "Visited the district hospital in {place}, staff shortages must be fixed",
           "Our party will not let the people of {place} down"),
    "ur": ("آج {place} میں عوام سے ملاقات کی", "اسمبلی میں گیس کی قلت کا مسئلہ اٹھایا",
           "{place} کے عوام کا شکریہ"),
    "rom": ("Aaj {place} mein awam se mulaqat hui", "Assembly mein gas ka masla uthaya",
            "Hum apni qayadat ke saath khade hain"),
}
MEDIA_MEMBER = {
    "en": ("Reporting from {place}: more details shortly", "My report on the budget debate tonight at 9",
           "On my way to {place} for a story", "Watch our special programme tonight",
           "Exclusive interview airs at 10 pm", "Thread: what the new energy plan means for {place}"),
    "ur": ("{place} سے رپورٹ: مزید تفصیلات جلد", "آج رات 9 بجے بجٹ پر خصوصی پروگرام دیکھیں"),
}
ORG_QUOTES = {
    "party": ("Well said, Chairman", "Our leader speaks for the nation", "Exactly this 👇", "Must listen"),
    "media": ("Our report 👇", "Watch", "Details here", "Important story"),
}
#: A drip campaign's hub posts (the operator's own accounts) per theme.
HUB_POSTS = {
    "development": (
        "New motorway section opens ahead of schedule. This is what progress looks like",
        "Exports up for the third month running. The economy is turning the corner",
        "Thousands of young people trained in IT this year. A brighter future is coming",
        "Another power plant connected to the grid. Load shedding will end",
        "Record wheat harvest this season. Farmers are smiling again",
        "Foreign investment is returning. The world trusts Pakistan again",
    ),
}
CAMPAIGN_TEMPLATES["development"] = {
    "en": (
        (("{0} is on the road to progress", (("Pakistan", "Our country", "The nation"),)),
         ("{0} can see the {1}",
          (("Everyone", "The whole world", "Every citizen"), ("change", "difference", "results")))),
        (("{0} are building a {1} Pakistan",
          (("We", "Together we", "The people"), ("brighter", "stronger", "prosperous"))),
         ("Do not listen to the {0}", (("pessimists", "critics", "propaganda"),))),
    ),
    "rom": (
        (("{0} taraqqi ki raah par hai", (("Pakistan", "Hamara mulk", "Qaum"),)),
         ("Sab ko {0} nazar aa rahi hai", (("tabdeeli", "behtari"),))),
    ),
    "ur": (
        (("{0} ترقی کی راہ پر ہے", (("پاکستان", "ہمارا ملک"),)),
         ("سب کو {0} نظر آ رہی ہے", (("تبدیلی", "بہتری"),))),
    ),
}


# --------------------------------------------------------------------------- chat groups
# What the operators' chat groups give to copy, and what real people write about a campaign's
# hashtag before the campaign pushes it (docs/simulator.md, "The chat groups").

#: Texts an order gives to copy, per theme: one or two sentences of at least eight words, no
#: hashtag, mention or link (the executors add the instruction's hashtags themselves).
COPY_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "political": {
        "en": ("The voice of the people cannot be silenced, Pakistan stands with Qaiser Jamal today",
               "Millions are ready for the Haq March and nobody can stop the awam now",
               "This is the moment to raise our voice for justice and for every Pakistani"),
        "rom": ("Haq ki awaz ko koi nahi daba sakta, poora Pakistan Qaiser Jamal ke saath hai",
                "Awam Haq March ke liye tayar hai aur ab humein koi nahi rok sakta"),
    },
    "foreign-cause": {
        "en": ("The world cannot stay silent while the people of Valdoria suffer every single day",
               "Stand with the people of Valdoria now before it is too late for them"),
        "rom": ("Duniya Valdoria ke mazloom logon par khamosh kyun hai, ab awaz uthane ka waqt hai",),
    },
    "banned-group": {
        "en": ("A new dawn is rising in the north and its voice will be heard everywhere",
               "The call of the Northern Dawn is growing louder, the north will speak for itself"),
        "rom": ("Shumal mein nayi subah aa rahi hai aur Northern Dawn ki awaz har jagah pohanchegi",),
    },
    "development": {
        "en": ("Pakistan is on the road to progress and the whole world can see the change",),
        "rom": ("Hamara mulk taraqqi ki raah par hai aur sab ko tabdeeli nazar aa rahi hai",),
    },
}
#: What real people write with a campaign's first hashtag before the campaign (their own words),
#: per theme; ``hijacked``: an organic hashtag a campaign hijacks (the cost of living).
BYSTANDER: dict[str, dict[str, tuple[str, ...]]] = {
    "political": {
        "en": ("Is the Haq March really happening this week? Hearing different things",
               "My cousin wants to go to the Haq March, I am not convinced",
               "Qaiser Jamal was on TV again last night, same old promises",
               "Not sure what to make of all this Haq March news"),
        "rom": ("Haq March ka kya scene hai is hafte?", "Qaiser Jamal ki speech kal suni, theek thi",
                "Sab Haq March ki baat kar rahe hain, hoga bhi ya nahi?"),
        "ur": ("حق مارچ کب ہے؟ کسی کو معلوم ہے؟", "قیصر جمال کی تقریر سنی، دیکھتے ہیں کیا ہوتا ہے"),
    },
    "foreign-cause": {
        "en": ("What is actually happening in Valdoria? The news is so confusing",
               "Praying for the families in Valdoria tonight",
               "Why is nobody covering Valdoria properly?"),
        "rom": ("Valdoria mein kya ho raha hai yaar?", "Valdoria ke logon ke liye dua hai"),
    },
    "banned-group": {
        "en": ("Saw a strange Northern Dawn post in my feed and reported it",
               "Who is behind this Northern Dawn stuff?"),
        "rom": ("Ye Northern Dawn kya cheez hai? Pehli baar naam suna",),
    },
    "hijacked": {
        "en": ("Filled the tank today and could not believe the bill",
               "Rickshaw fares went up again, everyone blames petrol",
               "How are salaried people supposed to manage these prices?"),
        "rom": ("Petrol ki qeemat ne kamar tod di hai", "Aaj tanki full karwai, bill dekh ke hosh ur gaye"),
        "ur": ("پیٹرول کی قیمت نے کمر توڑ دی ہے",),
    },
}

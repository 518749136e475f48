"""Names, handles, bios, places and clients for simulated accounts.

All names are common given names and family names of Pakistan; every organisation (news outlet,
party, network, cause, group) is invented. Choices are made by the caller with a seeded
``numpy.random.Generator``; this module only holds the vocabularies and pure builders.
"""

from __future__ import annotations

MALE = (
    "Ali", "Ahmed", "Usman", "Bilal", "Hamza", "Hassan", "Hussain", "Imran", "Faisal", "Kamran",
    "Zeeshan", "Saad", "Fahad", "Waqar", "Junaid", "Asad", "Danish", "Omer", "Shahid", "Tariq",
    "Naveed", "Adnan", "Salman", "Arslan", "Haris", "Talha", "Zain", "Umair", "Noman", "Yasir",
    "Sohail", "Irfan", "Khalid", "Rashid", "Javed", "Waseem", "Asif", "Sajid", "Gul", "Wali",
    "Aimal", "Mirwais", "Sher", "Zarak", "Shoaib", "Atif", "Ehsan", "Farhan", "Ghulam", "Jawad",
)
FEMALE = (
    "Ayesha", "Fatima", "Maryam", "Zainab", "Hira", "Sana", "Amna", "Mahnoor", "Iqra", "Sadia",
    "Rabia", "Saba", "Nida", "Mehwish", "Kiran", "Areeba", "Alina", "Aiman", "Laiba", "Hafsa",
    "Sidra", "Bushra", "Uzma", "Nimra", "Anum", "Farah", "Javeria", "Maheen", "Zara", "Palwasha",
    "Gulalai", "Shazia", "Samina", "Rida", "Komal", "Mehak", "Noor", "Huma", "Sobia", "Tooba",
)
LAST = (
    "Khan", "Ahmed", "Ali", "Malik", "Butt", "Sheikh", "Qureshi", "Siddiqui", "Chaudhry", "Raza",
    "Hussain", "Iqbal", "Mirza", "Abbasi", "Awan", "Baig", "Hashmi", "Jutt", "Rana", "Shah",
    "Bukhari", "Gillani", "Yousafzai", "Afridi", "Khattak", "Durrani", "Marwat", "Bangash", "Memon",
    "Baloch", "Rind", "Soomro", "Zaidi", "Naqvi", "Rizvi", "Javed", "Aslam", "Anwar", "Akhtar",
    "Farooq",
)
#: Urdu-script spellings for part of the names (display names are sometimes written in Urdu).
URDU = {
    "Ali": "علی", "Ahmed": "احمد", "Usman": "عثمان", "Bilal": "بلال", "Hamza": "حمزہ", "Hassan": "حسن",
    "Imran": "عمران", "Faisal": "فیصل", "Tariq": "طارق", "Asad": "اسد", "Zain": "زین", "Gul": "گل",
    "Ayesha": "عائشہ", "Fatima": "فاطمہ", "Maryam": "مریم", "Zainab": "زینب", "Hira": "حرا",
    "Sana": "ثنا", "Amna": "آمنہ", "Noor": "نور", "Sadia": "سعدیہ", "Rabia": "رابعہ",
    "Khan": "خان", "Malik": "ملک", "Qureshi": "قریشی", "Shah": "شاہ", "Raza": "رضا",
    "Hussain": "حسین", "Butt": "بٹ", "Awan": "اعوان", "Abbasi": "عباسی", "Afridi": "آفریدی",
}

NICK_EMOJI = ("🇵🇰", "💚", "🌙", "✨", "🏏", "🦅", "🌹", "☕")

PLACES = (
    "Karachi", "Lahore", "Islamabad", "Peshawar", "Quetta", "Multan", "Faisalabad", "Rawalpindi",
    "Hyderabad", "Sialkot", "Swat", "Gilgit", "Abbottabad", "Mardan", "Sukkur", "Gwadar",
)
ORGANIC_LOCATIONS = (
    "Karachi, Pakistan", "Lahore, Pakistan", "Islamabad", "Pakistan", "پاکستان", "Peshawar, KPK",
    "Rawalpindi", "Multan", "Quetta, Balochistan", "Faisalabad", "لاہور", "کراچی", "Swat",
    "Dubai, UAE", "London, UK", "Earth", "Sindh", "Punjab, Pakistan", "Mardan", "Hyderabad, Sindh",
)
CAMPAIGN_LOCATIONS = ("Lahore, Pakistan", "Karachi, Pakistan", "Islamabad, Pakistan", "Pakistan")

ORGANIC_BIOS = (
    "Engineer. Cricket lover. Chai addict ☕", "Student at PU | Dreamer", "Doctor | Mother | Reader",
    "Views are my own", "Banker by day, poet by night", "Software dev from Karachi 💻",
    "Teacher. Urdu adab.", "Proud Pakhtun", "اردو ادب سے محبت", "زندگی ایک سفر ہے",
    "Foodie 🍕 | Traveller", "Journalism student", "Retired army officer", "Small business owner",
    "Tweets in Urdu & English", "Mom of two. Baking is my therapy", "Cricket is life 🏏",
    "Civil engineer | Peshawar", "Law student | Human rights", "Farmer from Sahiwal",
)
NEWS_OUTLET_PARTS = (
    ("Daily", "The", "", "Pakistan"),
    ("Roshni", "Indus", "Frontier", "Capital", "Mehran", "Sarhad", "Margalla", "Ravi",
     "Karakoram", "Quetta", "Khyber", "Chenab", "Potohar", "Sindh", "Bolan", "Hazara"),
    ("Times", "Post", "News", "Herald", "Chronicle", "Tribune", "Bulletin", "Report", "Express",
     "Observer", "Gazette", "Voice"),
)

CAMPAIGN_WOMAN_BIOS = (
    "Proud Pakistani 🇵🇰 | {a} | {b}", "{a} 🇵🇰 | {b} | Pakistan Zindabad",
    "{b} | {a} | Love my country 💚", "",
)
CAMPAIGN_WOMAN_A = ("Student", "Teacher", "Doctor", "Social worker", "Blogger", "Nurse")
CAMPAIGN_WOMAN_B = ("Love my country", "Truth will prevail", "Voice of the people", "Haq ki awaz")
CAMPAIGN_NEWS_NAMES = (
    ("Pakistan News Alert", "newsalert"), ("Breaking News PK", "pkbreaking"),
    ("Daily Updates Pakistan", "dailyupd"), ("Pak Khabar Live", "khabarlive"),
    ("News Today Pakistan", "newstoday"), ("Awam Ki Awaz News", "awamnews"),
    ("Urdu News 24", "urdunews"), ("Pakistan Headlines", "pkheadline"),
)
CAMPAIGN_NEWS_BIOS = (
    "Latest news and updates from Pakistan. Follow for breaking news.",
    "Latest breaking news from Pakistan and the world. Follow for updates.",
    "Breaking news, politics and more. Follow for latest updates.",
    "Your source for breaking news from Pakistan 🇵🇰",
)

#: Client apps: name → the link v1.1 wraps it in (``<a href="..." rel="nofollow">name</a>``).
CLIENT_HREF = {
    "Twitter for Android": "http://twitter.com/download/android",
    "Twitter for iPhone": "http://twitter.com/download/iphone",
    "Twitter for iPad": "http://twitter.com/#!/download/ipad",
    "Twitter Web App": "https://mobile.twitter.com",
    "TweetDeck": "https://about.twitter.com/products/tweetdeck",
    "TweetDeck Web App": "https://tweetdeck.twitter.com",
    "Hootsuite Inc.": "https://www.hootsuite.com",
    "SocialFlow": "http://www.socialflow.com",
}
ORGANIC_CLIENTS = (("Twitter for Android", 0.62), ("Twitter for iPhone", 0.22),
                   ("Twitter Web App", 0.14), ("Twitter for iPad", 0.02))
NEWS_CLIENTS = (("Twitter Web App", 0.4), ("TweetDeck", 0.3), ("Hootsuite Inc.", 0.15),
                ("SocialFlow", 0.15))
CAMPAIGN_CLIENTS = (("Twitter Web App", 0.55), ("Twitter for Android", 0.35),
                    ("TweetDeck Web App", 0.10))
CLIENTS = tuple(CLIENT_HREF)


def organic_handle(first: str, last: str, style: int, digits: int) -> str:
    """A handle as real people pick them; ``style`` 0–7 picks the pattern.

    Style 7 is the platform's auto-suggested ``name`` + 8–9 digits: real people keep these too, so a
    long digit run is not proof of a fake account.
    """
    f, la = first.lower(), last.lower()
    if style == 0:
        h = f + la
    elif style == 1:
        h = f"{f}_{la}"
    elif style == 2:
        h = f"{f}{la}{digits % 100:02d}"
    elif style == 3:
        h = f"{f}{1970 + digits % 36}"
    elif style == 4:
        h = f"{la}{f}"
    elif style == 5:
        h = f"the{f}{la[:3]}"
    elif style == 6:
        h = f"{f[0]}{la}{digits % 1000}"
    else:
        h = f"{f}{la[:1]}{digits % 10**8:08d}"
    return h[:15]


def digit_handle(base: str, digits: int, ndigits: int) -> str:
    """``base`` + ``ndigits`` digits, cut to the 15 characters a handle may have."""
    return base.lower()[: 15 - ndigits] + f"{digits % 10**ndigits:0{ndigits}d}"


def outlet_name(i: int) -> tuple[str, str, str]:
    """(display name, handle, web domain) of the i-th invented news outlet."""
    pre, mid, suf = NEWS_OUTLET_PARTS
    m = mid[i % len(mid)]
    s = suf[(i // len(mid)) % len(suf)]
    p = pre[(i // (len(mid) * len(suf))) % len(pre)]
    rnd = i // (len(mid) * len(suf) * len(pre))
    name = " ".join(x for x in (p, m, s) if x)
    handle = (p + m + s).replace(" ", "")
    if rnd:
        handle = f"{handle[:12]}{rnd}"
        name = f"{name} {rnd}"
    handle = handle[:15]
    return name, handle, f"{handle.lower()}.pk"

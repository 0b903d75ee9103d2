"""The words of the company domain that prompts and arguments use: industries, countries, cities, ISO codes.

What the ``ai_search`` interpreter understands (names, synonyms, adjectives, other spellings of
cities) and what argument validation checks (ISO 3166-1 alpha-2 codes). It is knowledge of the
world, not of one data set: a backend may hold industries and cities beyond these, and filters
on them still pass through. What the deterministic generator needs on top of this (offerings,
audiences, name words, TLDs, legal suffixes, weights) lives with it, in ``companydata.vocabulary``.
Plain constants and tiny lookups, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IndustryTerms:
    name: str  # display name, as stored on companies
    keywords: tuple[str, ...]  # lowercase synonyms a prompt may use (multi-word allowed)


@dataclass(frozen=True, slots=True)
class CountryTerms:
    code: str  # ISO 3166-1 alpha-2
    name: str
    aliases: tuple[str, ...]  # other lowercase names ("uk", "britain")
    adjectives: tuple[str, ...]  # lowercase adjective/demonym forms ("german")
    cities: tuple[str, ...]  # real cities, ASCII English spelling (the stored form)


INDUSTRIES: tuple[IndustryTerms, ...] = (
    IndustryTerms(
        "Financial Technology",
        (
            "fintech",
            "financial technology",
            "payments",
            "payment",
            "neobank",
            "digital banking",
            "banking software",
            "banks",
            "bank",
            "banking",
            "lending",
            "fin tech",
            "financial services",
            "wealth management",
            "neobanks",
            "accounting software",
            "invoicing",
        ),
    ),
    IndustryTerms(
        "Software",
        ("software", "saas", "enterprise software", "b2b software", "cloud software"),
    ),
    IndustryTerms(
        "Biotechnology",
        (
            "biotech",
            "biotechnology",
            "life sciences",
            "genomics",
            "drug discovery",
            "therapeutics",
            "pharma",
            "pharmaceutical",
            "pharmaceuticals",
            "biopharma",
        ),
    ),
    IndustryTerms(
        "Healthcare",
        (
            "healthcare",
            "health care",
            "hospitals",
            "clinics",
            "medical services",
            "care providers",
            "hospital",
            "health",
            "medical",
            "clinic",
            "patient care",
            "nursing homes",
            "health services",
        ),
    ),
    IndustryTerms(
        "Digital Health",
        ("digital health", "healthtech", "health tech", "telehealth", "telemedicine", "mhealth"),
    ),
    IndustryTerms(
        "Medical Devices",
        ("medtech", "medical devices", "medical device", "diagnostics", "medical equipment"),
    ),
    IndustryTerms(
        "Artificial Intelligence",
        ("ai", "artificial intelligence", "machine learning", "ml", "deep learning", "generative ai", "llm", "llms"),
    ),
    IndustryTerms(
        "Cybersecurity",
        (
            "cybersecurity",
            "cyber security",
            "security",
            "infosec",
            "network security",
            "identity security",
            "cyber",
            "security software",
            "cyber security software",
        ),
    ),
    IndustryTerms(
        "E-commerce",
        (
            "ecommerce",
            "e commerce",
            "online retail",
            "marketplace",
            "marketplaces",
            "online shopping",
            "d2c",
            "online stores",
            "online store",
            "webshops",
            "webshop",
            "e commerce platforms",
        ),
    ),
    IndustryTerms(
        "Retail",
        ("retail", "retailer", "retailers", "stores", "shops"),
    ),
    IndustryTerms(
        "Logistics",
        (
            "logistics",
            "shipping",
            "freight",
            "supply chain",
            "delivery",
            "warehousing",
            "trucking",
            "transport",
            "transportation",
            "couriers",
            "courier",
            "freight forwarding",
            "last mile",
        ),
    ),
    IndustryTerms(
        "Manufacturing",
        ("manufacturing", "manufacturer", "manufacturers", "industrial", "factories", "factory"),
    ),
    IndustryTerms(
        "Energy",
        ("energy", "oil and gas", "utilities", "utility", "power generation", "oil", "gas"),
    ),
    IndustryTerms(
        "Clean Technology",
        ("cleantech", "clean technology", "renewables", "renewable energy", "solar", "wind", "climate tech"),
    ),
    IndustryTerms(
        "Real Estate",
        ("real estate", "proptech", "property", "properties", "property management"),
    ),
    IndustryTerms(
        "Insurance",
        ("insurance", "insurtech", "insurer", "insurers", "underwriting"),
    ),
    IndustryTerms(
        "Education Technology",
        (
            "edtech",
            "education technology",
            "education",
            "elearning",
            "e learning",
            "online learning",
            "schools",
            "universities",
            "learning platforms",
        ),
    ),
    IndustryTerms(
        "Marketing Technology",
        (
            "martech",
            "marketing technology",
            "marketing",
            "advertising",
            "adtech",
            "ad tech",
            "digital marketing",
            "marketing agencies",
            "ads",
        ),
    ),
    IndustryTerms(
        "Telecommunications",
        ("telecom", "telecommunications", "telco", "mobile networks", "5g", "connectivity", "telecoms", "telcos"),
    ),
    IndustryTerms(
        "Automotive",
        (
            "automotive",
            "cars",
            "car",
            "vehicles",
            "electric vehicles",
            "ev",
            "evs",
            "carmakers",
            "automakers",
            "car makers",
            "auto",
        ),
    ),
    IndustryTerms(
        "Aerospace & Defense",
        ("aerospace", "defense", "defence", "aviation", "satellites", "drones", "space tech"),
    ),
    IndustryTerms(
        "Agriculture Technology",
        ("agtech", "agritech", "agriculture", "farming", "agrifood", "precision agriculture"),
    ),
    IndustryTerms(
        "Food & Beverage",
        ("food", "beverage", "beverages", "food and beverage", "foodtech", "drinks", "restaurants", "restaurant"),
    ),
    IndustryTerms(
        "Gaming",
        ("gaming", "games", "video games", "esports", "game studio", "game development", "game studios"),
    ),
    IndustryTerms(
        "Media & Entertainment",
        ("media", "entertainment", "streaming", "publishing", "music", "film"),
    ),
    IndustryTerms(
        "Travel & Hospitality",
        ("travel", "hospitality", "tourism", "hotels", "hotel", "traveltech", "airlines", "airline"),
    ),
    IndustryTerms(
        "Human Resources",
        (
            "hr tech",
            "hrtech",
            "hr",
            "human resources",
            "recruiting",
            "recruitment",
            "hiring",
            "payroll",
            "hr software",
            "people ops",
            "talent acquisition",
            "workforce management",
            "human capital",
        ),
    ),
    IndustryTerms(
        "Legal Technology",
        ("legaltech", "legal tech", "legal", "law", "law firms", "law firm", "lawyers"),
    ),
    IndustryTerms(
        "Construction",
        ("construction", "contech", "construction tech", "builders", "civil engineering"),
    ),
    IndustryTerms(
        "Consulting",
        ("consulting", "consultancy", "consultants", "advisory", "professional services"),
    ),
    IndustryTerms(
        "Data & Analytics",
        ("analytics", "data analytics", "business intelligence", "bi", "big data", "data platform", "data platforms"),
    ),
    IndustryTerms(
        "Blockchain",
        ("blockchain", "crypto", "cryptocurrency", "web3", "defi", "digital assets", "bitcoin"),
    ),
    IndustryTerms(
        "IT Services",
        ("it services", "managed services", "msp", "it consulting", "outsourcing", "it outsourcing"),
    ),
    IndustryTerms(
        "Developer Tools",
        ("devtools", "developer tools", "dev tools", "devops", "api", "apis", "developer platform"),
    ),
    IndustryTerms(
        "Robotics",
        ("robotics", "robots", "robot", "automation", "industrial automation"),
    ),
    IndustryTerms(
        "Semiconductors",
        ("semiconductors", "semiconductor", "chips", "chip design", "microelectronics", "chipmakers", "chip makers"),
    ),
)

COUNTRIES: tuple[CountryTerms, ...] = (
    CountryTerms(
        "US",
        "United States",
        (
            "usa",
            "united states",
            "united states of america",
            "america",
            "the us",
            "etats unis",
            "estados unidos",
            "vereinigte staaten",
            "stati uniti",
        ),
        ("american",),
        ("New York", "San Francisco", "Boston", "Austin", "Seattle", "Chicago", "Los Angeles", "Denver", "Atlanta"),
    ),
    CountryTerms(
        "GB",
        "United Kingdom",
        (
            "uk",
            "united kingdom",
            "britain",
            "great britain",
            "england",
            "royaume uni",
            "reino unido",
            "grossbritannien",
            "regno unito",
        ),
        ("british", "english"),
        ("London", "Manchester", "Edinburgh", "Bristol", "Leeds", "Glasgow", "Birmingham", "Oxford"),
    ),
    CountryTerms(
        "DE",
        "Germany",
        ("germany", "deutschland", "allemagne", "alemania", "germania"),
        ("german",),
        ("Berlin", "Munich", "Hamburg", "Frankfurt", "Cologne", "Stuttgart", "Dusseldorf", "Leipzig"),
    ),
    CountryTerms(
        "FR",
        "France",
        ("france", "frankreich", "francia"),
        ("french",),
        ("Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes"),
    ),
    CountryTerms(
        "NL",
        "Netherlands",
        ("netherlands", "the netherlands", "holland", "nederland", "niederlande"),
        ("dutch",),
        ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "The Hague"),
    ),
    CountryTerms(
        "SE",
        "Sweden",
        ("sweden", "sverige", "schweden", "suede"),
        ("swedish",),
        ("Stockholm", "Gothenburg", "Malmo", "Uppsala"),
    ),
    CountryTerms(
        "ES",
        "Spain",
        ("spain", "espana", "espagne", "spanien", "spagna"),
        ("spanish",),
        ("Madrid", "Barcelona", "Valencia", "Seville", "Bilbao", "Malaga"),
    ),
    CountryTerms(
        "IT",
        "Italy",
        ("italy", "italia", "italien", "italie"),
        ("italian",),
        ("Milan", "Rome", "Turin", "Bologna", "Florence", "Naples"),
    ),
    CountryTerms(
        "CA",
        "Canada",
        ("canada",),
        ("canadian",),
        ("Toronto", "Vancouver", "Montreal", "Ottawa", "Calgary", "Waterloo"),
    ),
    CountryTerms(
        "AU",
        "Australia",
        ("australia",),
        ("australian", "aussie"),
        ("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"),
    ),
    CountryTerms(
        "IN",
        "India",
        ("india", "inde", "indien"),
        ("indian",),
        ("Bangalore", "Mumbai", "Delhi", "Hyderabad", "Pune", "Chennai", "Gurgaon"),
    ),
    CountryTerms(
        "JP",
        "Japan",
        ("japan", "nippon", "japon"),
        ("japanese",),
        ("Tokyo", "Osaka", "Kyoto", "Fukuoka", "Yokohama", "Nagoya"),
    ),
    CountryTerms(
        "BR",
        "Brazil",
        ("brazil", "brasil"),
        ("brazilian",),
        ("Sao Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Florianopolis"),
    ),
    CountryTerms(
        "KR",
        "South Korea",
        ("south korea", "korea", "republic of korea"),
        ("korean", "south korean"),
        ("Seoul", "Busan", "Incheon", "Daegu", "Daejeon"),
    ),
    CountryTerms(
        "IE",
        "Ireland",
        ("ireland", "irlande", "irland", "eire"),
        ("irish",),
        ("Dublin", "Cork", "Galway", "Limerick"),
    ),
    CountryTerms(
        "CH",
        "Switzerland",
        ("switzerland", "schweiz", "suisse", "svizzera"),
        ("swiss",),
        ("Zurich", "Geneva", "Basel", "Lausanne", "Bern", "Zug"),
    ),
    CountryTerms(
        "IL",
        "Israel",
        ("israel",),
        ("israeli",),
        ("Tel Aviv", "Jerusalem", "Haifa", "Herzliya"),
    ),
    CountryTerms(
        "DK",
        "Denmark",
        ("denmark", "danmark", "danemark", "daenemark"),
        ("danish",),
        ("Copenhagen", "Aarhus", "Odense", "Aalborg"),
    ),
    CountryTerms(
        "FI",
        "Finland",
        ("finland", "suomi", "finnland"),
        ("finnish",),
        ("Helsinki", "Espoo", "Tampere", "Oulu", "Turku"),
    ),
    CountryTerms(
        "NO",
        "Norway",
        ("norway", "norge", "norwegen"),
        ("norwegian",),
        ("Oslo", "Bergen", "Trondheim", "Stavanger"),
    ),
    CountryTerms(
        "PL",
        "Poland",
        ("poland", "polska"),
        ("polish",),
        ("Warsaw", "Krakow", "Wroclaw", "Gdansk", "Poznan"),
    ),
    CountryTerms(
        "AT",
        "Austria",
        ("austria", "osterreich", "oesterreich", "autriche"),
        ("austrian",),
        ("Vienna", "Graz", "Linz", "Salzburg"),
    ),
    CountryTerms(
        "BE",
        "Belgium",
        ("belgium", "belgique", "belgie", "belgien"),
        ("belgian",),
        ("Brussels", "Antwerp", "Ghent", "Leuven"),
    ),
    CountryTerms(
        "MX",
        "Mexico",
        ("mexico", "mexique", "mexiko"),
        ("mexican",),
        ("Mexico City", "Guadalajara", "Monterrey", "Puebla"),
    ),
    CountryTerms(
        "PT",
        "Portugal",
        ("portugal",),
        ("portuguese",),
        ("Lisbon", "Porto", "Braga", "Coimbra"),
    ),
    CountryTerms(
        "ZA",
        "South Africa",
        ("south africa",),
        ("south african",),
        ("Cape Town", "Johannesburg", "Durban", "Pretoria"),
    ),
    CountryTerms(
        "AE",
        "United Arab Emirates",
        ("united arab emirates", "uae", "emirates"),
        ("emirati",),
        ("Dubai", "Abu Dhabi", "Sharjah", "Ajman"),
    ),
    CountryTerms(
        "CN",
        "China",
        ("china", "chine"),
        ("chinese",),
        ("Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Guangzhou", "Chengdu"),
    ),
)

# Other spellings of known cities (lowercase, diacritics stripped) -> the stored spelling.
CITY_ALIASES: dict[str, str] = {
    "nyc": "New York",
    "new york city": "New York",
    "sf": "San Francisco",
    "san fran": "San Francisco",
    "bengaluru": "Bangalore",
    "new delhi": "Delhi",
    "gurugram": "Gurgaon",
    "munchen": "Munich",
    "muenchen": "Munich",
    "koln": "Cologne",
    "frankfurt am main": "Frankfurt",
    "den haag": "The Hague",
    "goteborg": "Gothenburg",
    "lisboa": "Lisbon",
    "milano": "Milan",
    "roma": "Rome",
    "torino": "Turin",
    "firenze": "Florence",
    "napoli": "Naples",
    "wien": "Vienna",
    "bruxelles": "Brussels",
    "brussel": "Brussels",
    "antwerpen": "Antwerp",
    "gent": "Ghent",
    "warszawa": "Warsaw",
    "sevilla": "Seville",
    "kobenhavn": "Copenhagen",
    "geneve": "Geneva",
    "tel aviv yafo": "Tel Aviv",
    # other languages' spellings, and umlauts written out ("Muenchen", "Zuerich")
    "koeln": "Cologne",
    "zuerich": "Zurich",
    "duesseldorf": "Dusseldorf",
    "goeteborg": "Gothenburg",
    "malmoe": "Malmo",
    "koebenhavn": "Copenhagen",
    "kopenhagen": "Copenhagen",
    "genf": "Geneva",
    "mailand": "Milan",
    "lissabon": "Lisbon",
    "warschau": "Warsaw",
    "bruessel": "Brussels",
    "londres": "London",
    "londra": "London",
    "parigi": "Paris",
    "monaco di baviera": "Munich",
    "nueva york": "New York",
    "bombay": "Mumbai",
    "madras": "Chennai",
    "peking": "Beijing",
    "krakau": "Krakow",
    "wroclaw": "Wroclaw",
    "zurich": "Zurich",
}

# Every ISO 3166-1 alpha-2 code currently assigned (249), for validating ``country``.
_ISO_CODES_TEXT = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ "
    "BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR "
    "CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF "
    "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI "
    "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR "
    "TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)
ISO_COUNTRY_CODES: frozenset[str] = frozenset(_ISO_CODES_TEXT.split())

_INDUSTRY_BY_KEY = {ind.name.casefold(): ind for ind in INDUSTRIES}
_COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}
_CITY_COUNTRY = {city.casefold(): c.code for c in COUNTRIES for city in c.cities}


def is_country_code(code: str) -> bool:
    return code in ISO_COUNTRY_CODES


def industry_by_name(name: str) -> IndustryTerms | None:
    """The industry whose display name equals ``name`` case-insensitively."""
    return _INDUSTRY_BY_KEY.get(name.strip().casefold())


def country_by_code(code: str) -> CountryTerms | None:
    """A known country by its ISO code (``None`` for valid codes it has no words for)."""
    return _COUNTRY_BY_CODE.get(code.strip().upper())


def city_country(city: str) -> str | None:
    """The ISO code of the country a known city (stored spelling, any case) belongs to."""
    return _CITY_COUNTRY.get(city.strip().casefold())


_CITY_SPELLING = {
    **{city.casefold(): city for c in COUNTRIES for city in c.cities},
    **{alias: city for alias, city in CITY_ALIASES.items()},
}


def canonical_city(city: str) -> str:
    """A known city's stored spelling (from any case or listed alias); any other name, stripped, as given."""
    clean = " ".join(city.split())
    return _CITY_SPELLING.get(clean.casefold(), clean)

"""Reference data of the company domain: industries, countries, cities.

Used by argument validation (ISO codes), by the deterministic generator (so the
seeded data only uses these values) and by the ``ai_search`` prompt parser
(names, synonyms, adjectives). Plain constants and tiny lookups, no I/O.
Changing the order or content of these tuples changes the seeded data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Industry:
    name: str  # display name, stored on every company
    keywords: tuple[str, ...]  # lowercase synonyms a prompt may use (multi-word allowed)
    tags: tuple[str, ...]  # lowercase tags a company of this industry carries
    offerings: tuple[str, ...]  # what such a company makes ("... builds <offering> for <audience>")
    audiences: tuple[str, ...]
    name_words: tuple[str, ...]  # words that fit in a company name ("Zenori Therapeutics")


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    aliases: tuple[str, ...]  # other lowercase names ("uk", "britain")
    adjectives: tuple[str, ...]  # lowercase adjective/demonym forms ("german")
    cities: tuple[str, ...]  # real cities, ASCII English spelling (the stored form)
    tld: str
    legal_suffixes: tuple[str, ...]
    weight: int  # relative share of seeded companies


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "Financial Technology",
        ("fintech", "financial technology", "payments", "payment", "neobank", "digital banking", "banking software"),
        ("fintech", "payments", "banking", "lending", "compliance", "wallets", "fraud"),
        ("payment processing APIs", "digital banking software", "lending infrastructure", "expense management tools"),
        ("online merchants", "small businesses", "banks", "finance teams"),
        ("Pay", "Capital", "Finance", "Money"),
    ),
    Industry(
        "Software",
        ("software", "saas", "enterprise software", "b2b software", "cloud software"),
        ("saas", "cloud", "enterprise", "workflow", "collaboration", "productivity"),
        ("workflow automation software", "collaboration tools", "cloud-based planning software", "CRM software"),
        ("mid-sized companies", "enterprise teams", "operations teams", "sales teams"),
        ("Software", "Cloud", "Systems", "Apps"),
    ),
    Industry(
        "Biotechnology",
        ("biotech", "biotechnology", "life sciences", "genomics", "drug discovery", "therapeutics"),
        ("biotech", "genomics", "drug discovery", "life sciences", "clinical trials", "therapeutics"),
        ("antibody therapeutics", "gene therapies", "genomic sequencing services", "drug discovery platforms"),
        ("pharmaceutical partners", "research hospitals", "patients with rare diseases", "clinical researchers"),
        ("Bio", "Therapeutics", "Genomics", "Biosciences"),
    ),
    Industry(
        "Healthcare",
        ("healthcare", "health care", "hospitals", "clinics", "medical services", "care providers"),
        ("healthcare", "clinics", "patient care", "hospitals", "nursing", "wellness"),
        ("outpatient clinics", "home care services", "diagnostic imaging centres", "physiotherapy services"),
        ("patients", "families", "elderly people", "employers"),
        ("Health", "Care", "Clinics", "Medical"),
    ),
    Industry(
        "Digital Health",
        ("digital health", "healthtech", "health tech", "telehealth", "telemedicine", "mhealth"),
        ("digital health", "telehealth", "patient engagement", "remote monitoring", "mental health", "wellness"),
        ("telemedicine apps", "remote patient monitoring", "mental health apps", "electronic health records"),
        ("clinics", "insurers", "patients", "hospitals"),
        ("Health", "Care", "Vital", "Med"),
    ),
    Industry(
        "Medical Devices",
        ("medtech", "medical devices", "medical device", "diagnostics", "medical equipment"),
        ("medtech", "medical devices", "diagnostics", "imaging", "wearables", "surgical"),
        ("surgical instruments", "wearable heart monitors", "point-of-care diagnostics", "imaging systems"),
        ("hospitals", "surgeons", "laboratories", "clinics"),
        ("Medical", "Devices", "Diagnostics", "Surgical"),
    ),
    Industry(
        "Artificial Intelligence",
        ("ai", "artificial intelligence", "machine learning", "ml", "deep learning", "generative ai", "llm", "llms"),
        ("ai", "machine learning", "computer vision", "nlp", "generative ai", "automation"),
        ("machine learning platforms", "computer vision models", "language model assistants", "AI copilots"),
        ("enterprises", "retailers", "manufacturers", "support teams"),
        ("AI", "Intelligence", "Labs", "Minds"),
    ),
    Industry(
        "Cybersecurity",
        ("cybersecurity", "cyber security", "security", "infosec", "network security", "identity security"),
        ("security", "identity", "threat detection", "zero trust", "encryption", "compliance"),
        ("threat detection software", "identity and access management", "managed security services"),
        ("banks", "governments", "enterprise IT teams", "hospitals"),
        ("Security", "Shield", "Secure", "Defense"),
    ),
    Industry(
        "E-commerce",
        ("ecommerce", "e commerce", "online retail", "marketplace", "marketplaces", "online shopping", "d2c"),
        ("ecommerce", "marketplace", "online retail", "checkout", "fulfilment", "d2c"),
        ("online marketplaces", "direct-to-consumer brands", "storefront software", "checkout tools"),
        ("shoppers", "independent brands", "online sellers", "retailers"),
        ("Shop", "Market", "Store", "Commerce"),
    ),
    Industry(
        "Retail",
        ("retail", "retailer", "retailers", "stores", "shops"),
        ("retail", "stores", "consumer", "fashion", "point of sale", "loyalty"),
        ("fashion stores", "home goods stores", "convenience stores", "sporting goods shops"),
        ("shoppers", "families", "young professionals", "local communities"),
        ("Retail", "Stores", "Outlet", "Goods"),
    ),
    Industry(
        "Logistics",
        ("logistics", "shipping", "freight", "supply chain", "delivery", "warehousing", "trucking"),
        ("logistics", "freight", "supply chain", "warehousing", "last mile", "shipping"),
        ("freight forwarding", "last-mile delivery", "warehouse robotics", "supply chain visibility software"),
        ("retailers", "manufacturers", "online sellers", "importers"),
        ("Logistics", "Freight", "Cargo", "Transport"),
    ),
    Industry(
        "Manufacturing",
        ("manufacturing", "manufacturer", "manufacturers", "industrial", "factories", "factory"),
        ("manufacturing", "industrial", "machinery", "precision parts", "production", "supply chain"),
        ("precision machine parts", "industrial pumps", "packaging machinery", "custom metal components"),
        ("automotive suppliers", "industrial customers", "OEMs", "construction firms"),
        ("Industries", "Works", "Manufacturing", "Engineering"),
    ),
    Industry(
        "Energy",
        ("energy", "oil and gas", "utilities", "utility", "power generation"),
        ("energy", "utilities", "grid", "oil and gas", "power", "efficiency"),
        ("power distribution services", "energy trading", "grid maintenance", "energy efficiency audits"),
        ("utilities", "municipalities", "industrial plants", "households"),
        ("Energy", "Power", "Utilities", "Grid"),
    ),
    Industry(
        "Clean Technology",
        ("cleantech", "clean technology", "renewables", "renewable energy", "solar", "wind", "climate tech"),
        ("cleantech", "solar", "wind", "batteries", "climate", "carbon"),
        ("solar installations", "battery storage systems", "carbon accounting software", "wind turbine services"),
        ("homeowners", "utilities", "industrial sites", "cities"),
        ("Solar", "Green", "Renewables", "Climate"),
    ),
    Industry(
        "Real Estate",
        ("real estate", "proptech", "property", "properties", "property management"),
        ("real estate", "proptech", "property management", "leasing", "commercial property", "housing"),
        ("property management software", "commercial leasing", "residential developments", "coworking spaces"),
        ("landlords", "tenants", "property investors", "brokers"),
        ("Properties", "Estates", "Realty", "Homes"),
    ),
    Industry(
        "Insurance",
        ("insurance", "insurtech", "insurer", "insurers", "underwriting"),
        ("insurance", "insurtech", "claims", "underwriting", "risk", "policies"),
        ("digital car insurance", "claims automation", "small business insurance", "underwriting analytics"),
        ("drivers", "small businesses", "insurers", "homeowners"),
        ("Insurance", "Assurance", "Cover", "Risk"),
    ),
    Industry(
        "Education Technology",
        ("edtech", "education technology", "education", "elearning", "e learning", "online learning"),
        ("edtech", "education", "online courses", "learning", "tutoring", "skills"),
        ("online courses", "learning management systems", "tutoring apps", "language learning apps"),
        ("students", "schools", "universities", "corporate learners"),
        ("Learning", "Academy", "Education", "Tutor"),
    ),
    Industry(
        "Marketing Technology",
        ("martech", "marketing technology", "marketing", "advertising", "adtech", "ad tech", "digital marketing"),
        ("marketing", "advertising", "seo", "analytics", "campaigns", "social media"),
        ("campaign analytics", "programmatic advertising", "email marketing software", "social media tools"),
        ("brands", "agencies", "marketing teams", "publishers"),
        ("Media", "Marketing", "Reach", "Ads"),
    ),
    Industry(
        "Telecommunications",
        ("telecom", "telecommunications", "telco", "mobile networks", "5g", "connectivity"),
        ("telecom", "5g", "networks", "fiber", "connectivity", "iot"),
        ("fiber broadband", "private 5G networks", "IoT connectivity", "VoIP services"),
        ("households", "enterprises", "mobile operators", "factories"),
        ("Telecom", "Networks", "Connect", "Mobile"),
    ),
    Industry(
        "Automotive",
        ("automotive", "cars", "car", "vehicles", "electric vehicles", "ev", "evs"),
        ("automotive", "electric vehicles", "charging", "mobility", "fleet", "parts"),
        ("electric vehicle charging", "fleet management software", "car subscription services", "auto parts"),
        ("drivers", "fleet operators", "car makers", "dealerships"),
        ("Motors", "Auto", "Mobility", "Drive"),
    ),
    Industry(
        "Aerospace & Defense",
        ("aerospace", "defense", "defence", "aviation", "satellites", "drones", "space tech"),
        ("aerospace", "aviation", "satellites", "drones", "defense", "avionics"),
        ("small satellites", "drone inspection services", "avionics systems", "aircraft components"),
        ("airlines", "space agencies", "defense ministries", "infrastructure operators"),
        ("Aerospace", "Aero", "Orbital", "Dynamics"),
    ),
    Industry(
        "Agriculture Technology",
        ("agtech", "agritech", "agriculture", "farming", "agrifood", "precision agriculture"),
        ("agtech", "farming", "crop monitoring", "irrigation", "food supply", "sustainability"),
        ("crop monitoring drones", "precision irrigation systems", "farm management software", "vertical farms"),
        ("farmers", "food producers", "cooperatives", "agronomists"),
        ("Agro", "Farms", "Harvest", "Fields"),
    ),
    Industry(
        "Food & Beverage",
        ("food", "beverage", "beverages", "food and beverage", "foodtech", "drinks"),
        ("food", "beverages", "plant-based", "snacks", "organic", "restaurants"),
        ("plant-based snacks", "craft beverages", "meal kits", "organic baby food"),
        ("supermarkets", "restaurants", "health-conscious consumers", "cafes"),
        ("Foods", "Kitchen", "Brewing", "Provisions"),
    ),
    Industry(
        "Gaming",
        ("gaming", "games", "video games", "esports", "game studio", "game development"),
        ("gaming", "mobile games", "esports", "game engines", "multiplayer", "streaming"),
        ("mobile puzzle games", "multiplayer online games", "esports tournaments", "game development tools"),
        ("players", "game studios", "streamers", "esports fans"),
        ("Games", "Studios", "Play", "Interactive"),
    ),
    Industry(
        "Media & Entertainment",
        ("media", "entertainment", "streaming", "publishing", "music", "film"),
        ("media", "streaming", "publishing", "podcasts", "music", "video"),
        ("video streaming services", "podcast networks", "digital publishing", "music distribution"),
        ("audiences", "creators", "advertisers", "publishers"),
        ("Media", "Studios", "Pictures", "Records"),
    ),
    Industry(
        "Travel & Hospitality",
        ("travel", "hospitality", "tourism", "hotels", "hotel", "traveltech"),
        ("travel", "hospitality", "hotels", "bookings", "tourism", "experiences"),
        ("boutique hotels", "travel booking platforms", "guided tours", "hotel management software"),
        ("travellers", "hotels", "tour operators", "business travellers"),
        ("Travel", "Hotels", "Journeys", "Stays"),
    ),
    Industry(
        "Human Resources",
        ("hr tech", "hrtech", "hr", "human resources", "recruiting", "recruitment", "hiring", "payroll"),
        ("hr", "recruiting", "payroll", "talent", "benefits", "workforce"),
        ("recruiting software", "payroll services", "employee engagement tools", "benefits administration"),
        ("HR teams", "growing companies", "recruiters", "employees"),
        ("Talent", "People", "Workforce", "Hire"),
    ),
    Industry(
        "Legal Technology",
        ("legaltech", "legal tech", "legal", "law", "law firms"),
        ("legal", "contracts", "compliance", "e-discovery", "law firms", "document automation"),
        ("contract management software", "e-discovery services", "legal research tools", "document automation"),
        ("law firms", "in-house legal teams", "compliance officers", "notaries"),
        ("Legal", "Law", "Counsel", "Lex"),
    ),
    Industry(
        "Construction",
        ("construction", "contech", "construction tech", "builders", "civil engineering"),
        ("construction", "building", "infrastructure", "project management", "materials", "engineering"),
        ("commercial construction", "modular housing", "construction project software", "civil engineering"),
        ("developers", "municipalities", "contractors", "architects"),
        ("Construction", "Builders", "Structures", "Build"),
    ),
    Industry(
        "Consulting",
        ("consulting", "consultancy", "consultants", "advisory", "professional services"),
        ("consulting", "strategy", "advisory", "transformation", "operations", "due diligence"),
        ("strategy consulting", "digital transformation advisory", "operations consulting", "due diligence"),
        ("executives", "private equity firms", "public sector bodies", "family businesses"),
        ("Partners", "Advisors", "Consulting", "Group"),
    ),
    Industry(
        "Data & Analytics",
        ("analytics", "data analytics", "business intelligence", "bi", "big data", "data platform", "data platforms"),
        ("analytics", "data", "business intelligence", "dashboards", "data engineering", "forecasting"),
        ("business intelligence dashboards", "data pipelines", "forecasting software", "customer analytics"),
        ("analysts", "finance teams", "retailers", "product teams"),
        ("Analytics", "Data", "Insights", "Metrics"),
    ),
    Industry(
        "Blockchain",
        ("blockchain", "crypto", "cryptocurrency", "web3", "defi", "digital assets"),
        ("blockchain", "crypto", "web3", "custody", "tokenization", "defi"),
        ("digital asset custody", "blockchain analytics", "crypto payment rails", "tokenization platforms"),
        ("exchanges", "asset managers", "developers", "banks"),
        ("Chain", "Ledger", "Crypto", "Block"),
    ),
    Industry(
        "IT Services",
        ("it services", "managed services", "msp", "it consulting", "outsourcing", "it outsourcing"),
        ("it services", "managed services", "cloud migration", "support", "outsourcing", "infrastructure"),
        ("managed IT services", "cloud migration projects", "IT support", "infrastructure outsourcing"),
        ("small businesses", "schools", "enterprises", "public agencies"),
        ("IT", "Solutions", "Technologies", "Services"),
    ),
    Industry(
        "Developer Tools",
        ("devtools", "developer tools", "dev tools", "devops", "api", "apis", "developer platform"),
        ("developer tools", "devops", "apis", "open source", "testing", "observability"),
        ("API testing tools", "CI/CD pipelines", "observability platforms", "open-source developer tooling"),
        ("developers", "platform teams", "startups", "DevOps engineers"),
        ("Dev", "Code", "Stack", "Labs"),
    ),
    Industry(
        "Robotics",
        ("robotics", "robots", "robot", "automation", "industrial automation"),
        ("robotics", "automation", "robots", "computer vision", "warehouses", "manufacturing"),
        ("warehouse robots", "collaborative robot arms", "autonomous mobile robots", "inspection robots"),
        ("warehouses", "factories", "hospitals", "farms"),
        ("Robotics", "Robots", "Automation", "Machines"),
    ),
    Industry(
        "Semiconductors",
        ("semiconductors", "semiconductor", "chips", "chip design", "microelectronics"),
        ("semiconductors", "chips", "electronics", "sensors", "chip design", "hardware"),
        ("low-power chips", "image sensors", "chip design services", "power electronics"),
        ("device makers", "automotive suppliers", "data centres", "electronics manufacturers"),
        ("Semiconductor", "Silicon", "Micro", "Electronics"),
    ),
)

COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        "United States",
        ("usa", "united states", "united states of america", "america", "the us"),
        ("american",),
        ("New York", "San Francisco", "Boston", "Austin", "Seattle", "Chicago", "Los Angeles", "Denver", "Atlanta"),
        "com",
        ("Inc.", "LLC", "Corp."),
        30,
    ),
    Country(
        "GB",
        "United Kingdom",
        ("uk", "united kingdom", "britain", "great britain", "england"),
        ("british", "english"),
        ("London", "Manchester", "Edinburgh", "Bristol", "Leeds", "Glasgow", "Birmingham", "Oxford"),
        "co.uk",
        ("Ltd", "PLC"),
        8,
    ),
    Country(
        "DE",
        "Germany",
        ("germany", "deutschland"),
        ("german",),
        ("Berlin", "Munich", "Hamburg", "Frankfurt", "Cologne", "Stuttgart", "Dusseldorf", "Leipzig"),
        "de",
        ("GmbH", "AG"),
        7,
    ),
    Country(
        "FR",
        "France",
        ("france",),
        ("french",),
        ("Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes"),
        "fr",
        ("SAS", "SA"),
        5,
    ),
    Country(
        "NL",
        "Netherlands",
        ("netherlands", "the netherlands", "holland"),
        ("dutch",),
        ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "The Hague"),
        "nl",
        ("B.V.",),
        3,
    ),
    Country(
        "SE",
        "Sweden",
        ("sweden",),
        ("swedish",),
        ("Stockholm", "Gothenburg", "Malmo", "Uppsala"),
        "se",
        ("AB",),
        2,
    ),
    Country(
        "ES",
        "Spain",
        ("spain", "espana"),
        ("spanish",),
        ("Madrid", "Barcelona", "Valencia", "Seville", "Bilbao", "Malaga"),
        "es",
        ("S.L.", "S.A."),
        3,
    ),
    Country(
        "IT",
        "Italy",
        ("italy", "italia"),
        ("italian",),
        ("Milan", "Rome", "Turin", "Bologna", "Florence", "Naples"),
        "it",
        ("S.r.l.", "S.p.A."),
        3,
    ),
    Country(
        "CA",
        "Canada",
        ("canada",),
        ("canadian",),
        ("Toronto", "Vancouver", "Montreal", "Ottawa", "Calgary", "Waterloo"),
        "ca",
        ("Inc.", "Ltd."),
        4,
    ),
    Country(
        "AU",
        "Australia",
        ("australia",),
        ("australian", "aussie"),
        ("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"),
        "com.au",
        ("Pty Ltd",),
        3,
    ),
    Country(
        "IN",
        "India",
        ("india",),
        ("indian",),
        ("Bangalore", "Mumbai", "Delhi", "Hyderabad", "Pune", "Chennai", "Gurgaon"),
        "in",
        ("Pvt. Ltd.",),
        5,
    ),
    Country(
        "JP",
        "Japan",
        ("japan", "nippon"),
        ("japanese",),
        ("Tokyo", "Osaka", "Kyoto", "Fukuoka", "Yokohama", "Nagoya"),
        "jp",
        ("K.K.",),
        3,
    ),
    Country(
        "BR",
        "Brazil",
        ("brazil", "brasil"),
        ("brazilian",),
        ("Sao Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Florianopolis"),
        "com.br",
        ("Ltda.",),
        2,
    ),
    Country(
        "KR",
        "South Korea",
        ("south korea", "korea", "republic of korea"),
        ("korean", "south korean"),
        ("Seoul", "Busan", "Incheon", "Daegu", "Daejeon"),
        "co.kr",
        ("Co., Ltd.",),
        2,
    ),
    Country(
        "IE",
        "Ireland",
        ("ireland",),
        ("irish",),
        ("Dublin", "Cork", "Galway", "Limerick"),
        "ie",
        ("Ltd",),
        1,
    ),
    Country(
        "CH",
        "Switzerland",
        ("switzerland",),
        ("swiss",),
        ("Zurich", "Geneva", "Basel", "Lausanne", "Bern", "Zug"),
        "ch",
        ("AG", "SA"),
        2,
    ),
    Country(
        "IL",
        "Israel",
        ("israel",),
        ("israeli",),
        ("Tel Aviv", "Jerusalem", "Haifa", "Herzliya"),
        "co.il",
        ("Ltd.",),
        2,
    ),
    Country(
        "DK",
        "Denmark",
        ("denmark",),
        ("danish",),
        ("Copenhagen", "Aarhus", "Odense", "Aalborg"),
        "dk",
        ("ApS", "A/S"),
        1,
    ),
    Country(
        "FI",
        "Finland",
        ("finland",),
        ("finnish",),
        ("Helsinki", "Espoo", "Tampere", "Oulu", "Turku"),
        "fi",
        ("Oy",),
        1,
    ),
    Country(
        "NO",
        "Norway",
        ("norway",),
        ("norwegian",),
        ("Oslo", "Bergen", "Trondheim", "Stavanger"),
        "no",
        ("AS",),
        1,
    ),
    Country(
        "PL",
        "Poland",
        ("poland", "polska"),
        ("polish",),
        ("Warsaw", "Krakow", "Wroclaw", "Gdansk", "Poznan"),
        "pl",
        ("sp. z o.o.",),
        2,
    ),
    Country(
        "AT",
        "Austria",
        ("austria",),
        ("austrian",),
        ("Vienna", "Graz", "Linz", "Salzburg"),
        "at",
        ("GmbH",),
        1,
    ),
    Country(
        "BE",
        "Belgium",
        ("belgium",),
        ("belgian",),
        ("Brussels", "Antwerp", "Ghent", "Leuven"),
        "be",
        ("BV", "SA"),
        1,
    ),
    Country(
        "MX",
        "Mexico",
        ("mexico",),
        ("mexican",),
        ("Mexico City", "Guadalajara", "Monterrey", "Puebla"),
        "com.mx",
        ("S.A. de C.V.",),
        2,
    ),
    Country(
        "PT",
        "Portugal",
        ("portugal",),
        ("portuguese",),
        ("Lisbon", "Porto", "Braga", "Coimbra"),
        "pt",
        ("Lda.",),
        1,
    ),
    Country(
        "ZA",
        "South Africa",
        ("south africa",),
        ("south african",),
        ("Cape Town", "Johannesburg", "Durban", "Pretoria"),
        "co.za",
        ("(Pty) Ltd",),
        1,
    ),
    Country(
        "AE",
        "United Arab Emirates",
        ("united arab emirates", "uae", "emirates"),
        ("emirati",),
        ("Dubai", "Abu Dhabi", "Sharjah", "Ajman"),
        "ae",
        ("LLC", "FZ-LLC"),
        1,
    ),
    Country(
        "CN",
        "China",
        ("china",),
        ("chinese",),
        ("Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Guangzhou", "Chengdu"),
        "cn",
        ("Co., Ltd.",),
        3,
    ),
)

# Other spellings of seeded cities (lowercase, diacritics stripped) -> the stored spelling.
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


def industry_by_name(name: str) -> Industry | None:
    """The industry whose display name equals ``name`` case-insensitively."""
    return _INDUSTRY_BY_KEY.get(name.strip().casefold())


def country_by_code(code: str) -> Country | None:
    """A seeded country by its ISO code (``None`` for valid codes that are not seeded)."""
    return _COUNTRY_BY_CODE.get(code.strip().upper())


def city_country(city: str) -> str | None:
    """The ISO code of the seeded country a city (stored spelling, any case) belongs to."""
    return _CITY_COUNTRY.get(city.strip().casefold())

"""The seed vocabulary of the deterministic generator: what companies of each industry and country look like.

The words shared with prompts (industry names and synonyms, countries, cities) are ``core.lexicon``;
this module adds what only the generator uses: per industry the tags, offerings, audiences and name
words, per country the TLD, legal suffixes and weight. ``INDUSTRIES`` and ``COUNTRIES`` join the two
in the lexicon's order. Changing the order or content of these tables changes the seeded data.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import lexicon


@dataclass(frozen=True, slots=True)
class IndustrySeed:
    tags: tuple[str, ...]  # lowercase tags a company of this industry carries
    offerings: tuple[str, ...]  # what such a company makes ("... builds <offering> for <audience>")
    audiences: tuple[str, ...]
    name_words: tuple[str, ...]  # words that fit in a company name ("Zenori Therapeutics")


@dataclass(frozen=True, slots=True)
class CountrySeed:
    tld: str
    legal_suffixes: tuple[str, ...]
    weight: int  # relative share of seeded companies


@dataclass(frozen=True, slots=True)
class Industry:
    """An industry's words and its seed data (what the generator reads)."""

    terms: lexicon.IndustryTerms
    seed: IndustrySeed

    @property
    def name(self) -> str:
        return self.terms.name

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.terms.keywords

    @property
    def tags(self) -> tuple[str, ...]:
        return self.seed.tags

    @property
    def offerings(self) -> tuple[str, ...]:
        return self.seed.offerings

    @property
    def audiences(self) -> tuple[str, ...]:
        return self.seed.audiences

    @property
    def name_words(self) -> tuple[str, ...]:
        return self.seed.name_words


@dataclass(frozen=True, slots=True)
class Country:
    """A country's words and its seed data (what the generator reads)."""

    terms: lexicon.CountryTerms
    seed: CountrySeed

    @property
    def code(self) -> str:
        return self.terms.code

    @property
    def name(self) -> str:
        return self.terms.name

    @property
    def cities(self) -> tuple[str, ...]:
        return self.terms.cities

    @property
    def tld(self) -> str:
        return self.seed.tld

    @property
    def legal_suffixes(self) -> tuple[str, ...]:
        return self.seed.legal_suffixes

    @property
    def weight(self) -> int:
        return self.seed.weight


INDUSTRY_SEEDS: dict[str, IndustrySeed] = {
    "Financial Technology": IndustrySeed(
        ("fintech", "payments", "banking", "lending", "compliance", "wallets", "fraud"),
        ("payment processing APIs", "digital banking software", "lending infrastructure", "expense management tools"),
        ("online merchants", "small businesses", "banks", "finance teams"),
        ("Pay", "Capital", "Finance", "Money"),
    ),
    "Software": IndustrySeed(
        ("saas", "cloud", "enterprise", "workflow", "collaboration", "productivity"),
        ("workflow automation software", "collaboration tools", "cloud-based planning software", "CRM software"),
        ("mid-sized companies", "enterprise teams", "operations teams", "sales teams"),
        ("Software", "Cloud", "Systems", "Apps"),
    ),
    "Biotechnology": IndustrySeed(
        ("biotech", "genomics", "drug discovery", "life sciences", "clinical trials", "therapeutics"),
        ("antibody therapeutics", "gene therapies", "genomic sequencing services", "drug discovery platforms"),
        ("pharmaceutical partners", "research hospitals", "patients with rare diseases", "clinical researchers"),
        ("Bio", "Therapeutics", "Genomics", "Biosciences"),
    ),
    "Healthcare": IndustrySeed(
        ("healthcare", "clinics", "patient care", "hospitals", "nursing", "wellness"),
        ("outpatient clinics", "home care services", "diagnostic imaging centres", "physiotherapy services"),
        ("patients", "families", "elderly people", "employers"),
        ("Health", "Care", "Clinics", "Medical"),
    ),
    "Digital Health": IndustrySeed(
        ("digital health", "telehealth", "patient engagement", "remote monitoring", "mental health", "wellness"),
        ("telemedicine apps", "remote patient monitoring", "mental health apps", "electronic health records"),
        ("clinics", "insurers", "patients", "hospitals"),
        ("Health", "Care", "Vital", "Med"),
    ),
    "Medical Devices": IndustrySeed(
        ("medtech", "medical devices", "diagnostics", "imaging", "wearables", "surgical"),
        ("surgical instruments", "wearable heart monitors", "point-of-care diagnostics", "imaging systems"),
        ("hospitals", "surgeons", "laboratories", "clinics"),
        ("Medical", "Devices", "Diagnostics", "Surgical"),
    ),
    "Artificial Intelligence": IndustrySeed(
        ("ai", "machine learning", "computer vision", "nlp", "generative ai", "automation"),
        ("machine learning platforms", "computer vision models", "language model assistants", "AI copilots"),
        ("enterprises", "retailers", "manufacturers", "support teams"),
        ("AI", "Intelligence", "Labs", "Minds"),
    ),
    "Cybersecurity": IndustrySeed(
        ("security", "identity", "threat detection", "zero trust", "encryption", "compliance"),
        ("threat detection software", "identity and access management", "managed security services"),
        ("banks", "governments", "enterprise IT teams", "hospitals"),
        ("Security", "Shield", "Secure", "Defense"),
    ),
    "E-commerce": IndustrySeed(
        ("ecommerce", "marketplace", "online retail", "checkout", "fulfilment", "d2c"),
        ("online marketplaces", "direct-to-consumer brands", "storefront software", "checkout tools"),
        ("shoppers", "independent brands", "online sellers", "retailers"),
        ("Shop", "Market", "Store", "Commerce"),
    ),
    "Retail": IndustrySeed(
        ("retail", "stores", "consumer", "fashion", "point of sale", "loyalty"),
        ("fashion stores", "home goods stores", "convenience stores", "sporting goods shops"),
        ("shoppers", "families", "young professionals", "local communities"),
        ("Retail", "Stores", "Outlet", "Goods"),
    ),
    "Logistics": IndustrySeed(
        ("logistics", "freight", "supply chain", "warehousing", "last mile", "shipping"),
        ("freight forwarding", "last-mile delivery", "warehouse robotics", "supply chain visibility software"),
        ("retailers", "manufacturers", "online sellers", "importers"),
        ("Logistics", "Freight", "Cargo", "Transport"),
    ),
    "Manufacturing": IndustrySeed(
        ("manufacturing", "industrial", "machinery", "precision parts", "production", "supply chain"),
        ("precision machine parts", "industrial pumps", "packaging machinery", "custom metal components"),
        ("automotive suppliers", "industrial customers", "OEMs", "construction firms"),
        ("Industries", "Works", "Manufacturing", "Engineering"),
    ),
    "Energy": IndustrySeed(
        ("energy", "utilities", "grid", "oil and gas", "power", "efficiency"),
        ("power distribution services", "energy trading", "grid maintenance", "energy efficiency audits"),
        ("utilities", "municipalities", "industrial plants", "households"),
        ("Energy", "Power", "Utilities", "Grid"),
    ),
    "Clean Technology": IndustrySeed(
        ("cleantech", "solar", "wind", "batteries", "climate", "carbon"),
        ("solar installations", "battery storage systems", "carbon accounting software", "wind turbine services"),
        ("homeowners", "utilities", "industrial sites", "cities"),
        ("Solar", "Green", "Renewables", "Climate"),
    ),
    "Real Estate": IndustrySeed(
        ("real estate", "proptech", "property management", "leasing", "commercial property", "housing"),
        ("property management software", "commercial leasing", "residential developments", "coworking spaces"),
        ("landlords", "tenants", "property investors", "brokers"),
        ("Properties", "Estates", "Realty", "Homes"),
    ),
    "Insurance": IndustrySeed(
        ("insurance", "insurtech", "claims", "underwriting", "risk", "policies"),
        ("digital car insurance", "claims automation", "small business insurance", "underwriting analytics"),
        ("drivers", "small businesses", "insurers", "homeowners"),
        ("Insurance", "Assurance", "Cover", "Risk"),
    ),
    "Education Technology": IndustrySeed(
        ("edtech", "education", "online courses", "learning", "tutoring", "skills"),
        ("online courses", "learning management systems", "tutoring apps", "language learning apps"),
        ("students", "schools", "universities", "corporate learners"),
        ("Learning", "Academy", "Education", "Tutor"),
    ),
    "Marketing Technology": IndustrySeed(
        ("marketing", "advertising", "seo", "analytics", "campaigns", "social media"),
        ("campaign analytics", "programmatic advertising", "email marketing software", "social media tools"),
        ("brands", "agencies", "marketing teams", "publishers"),
        ("Media", "Marketing", "Reach", "Ads"),
    ),
    "Telecommunications": IndustrySeed(
        ("telecom", "5g", "networks", "fiber", "connectivity", "iot"),
        ("fiber broadband", "private 5G networks", "IoT connectivity", "VoIP services"),
        ("households", "enterprises", "mobile operators", "factories"),
        ("Telecom", "Networks", "Connect", "Mobile"),
    ),
    "Automotive": IndustrySeed(
        ("automotive", "electric vehicles", "charging", "mobility", "fleet", "parts"),
        ("electric vehicle charging", "fleet management software", "car subscription services", "auto parts"),
        ("drivers", "fleet operators", "car makers", "dealerships"),
        ("Motors", "Auto", "Mobility", "Drive"),
    ),
    "Aerospace & Defense": IndustrySeed(
        ("aerospace", "aviation", "satellites", "drones", "defense", "avionics"),
        ("small satellites", "drone inspection services", "avionics systems", "aircraft components"),
        ("airlines", "space agencies", "defense ministries", "infrastructure operators"),
        ("Aerospace", "Aero", "Orbital", "Dynamics"),
    ),
    "Agriculture Technology": IndustrySeed(
        ("agtech", "farming", "crop monitoring", "irrigation", "food supply", "sustainability"),
        ("crop monitoring drones", "precision irrigation systems", "farm management software", "vertical farms"),
        ("farmers", "food producers", "cooperatives", "agronomists"),
        ("Agro", "Farms", "Harvest", "Fields"),
    ),
    "Food & Beverage": IndustrySeed(
        ("food", "beverages", "plant-based", "snacks", "organic", "restaurants"),
        ("plant-based snacks", "craft beverages", "meal kits", "organic baby food"),
        ("supermarkets", "restaurants", "health-conscious consumers", "cafes"),
        ("Foods", "Kitchen", "Brewing", "Provisions"),
    ),
    "Gaming": IndustrySeed(
        ("gaming", "mobile games", "esports", "game engines", "multiplayer", "streaming"),
        ("mobile puzzle games", "multiplayer online games", "esports tournaments", "game development tools"),
        ("players", "game studios", "streamers", "esports fans"),
        ("Games", "Studios", "Play", "Interactive"),
    ),
    "Media & Entertainment": IndustrySeed(
        ("media", "streaming", "publishing", "podcasts", "music", "video"),
        ("video streaming services", "podcast networks", "digital publishing", "music distribution"),
        ("audiences", "creators", "advertisers", "publishers"),
        ("Media", "Studios", "Pictures", "Records"),
    ),
    "Travel & Hospitality": IndustrySeed(
        ("travel", "hospitality", "hotels", "bookings", "tourism", "experiences"),
        ("boutique hotels", "travel booking platforms", "guided tours", "hotel management software"),
        ("travellers", "hotels", "tour operators", "business travellers"),
        ("Travel", "Hotels", "Journeys", "Stays"),
    ),
    "Human Resources": IndustrySeed(
        ("hr", "recruiting", "payroll", "talent", "benefits", "workforce"),
        ("recruiting software", "payroll services", "employee engagement tools", "benefits administration"),
        ("HR teams", "growing companies", "recruiters", "employees"),
        ("Talent", "People", "Workforce", "Hire"),
    ),
    "Legal Technology": IndustrySeed(
        ("legal", "contracts", "compliance", "e-discovery", "law firms", "document automation"),
        ("contract management software", "e-discovery services", "legal research tools", "document automation"),
        ("law firms", "in-house legal teams", "compliance officers", "notaries"),
        ("Legal", "Law", "Counsel", "Lex"),
    ),
    "Construction": IndustrySeed(
        ("construction", "building", "infrastructure", "project management", "materials", "engineering"),
        ("commercial construction", "modular housing", "construction project software", "civil engineering"),
        ("developers", "municipalities", "contractors", "architects"),
        ("Construction", "Builders", "Structures", "Build"),
    ),
    "Consulting": IndustrySeed(
        ("consulting", "strategy", "advisory", "transformation", "operations", "due diligence"),
        ("strategy consulting", "digital transformation advisory", "operations consulting", "due diligence"),
        ("executives", "private equity firms", "public sector bodies", "family businesses"),
        ("Partners", "Advisors", "Consulting", "Group"),
    ),
    "Data & Analytics": IndustrySeed(
        ("analytics", "data", "business intelligence", "dashboards", "data engineering", "forecasting"),
        ("business intelligence dashboards", "data pipelines", "forecasting software", "customer analytics"),
        ("analysts", "finance teams", "retailers", "product teams"),
        ("Analytics", "Data", "Insights", "Metrics"),
    ),
    "Blockchain": IndustrySeed(
        ("blockchain", "crypto", "web3", "custody", "tokenization", "defi"),
        ("digital asset custody", "blockchain analytics", "crypto payment rails", "tokenization platforms"),
        ("exchanges", "asset managers", "developers", "banks"),
        ("Chain", "Ledger", "Crypto", "Block"),
    ),
    "IT Services": IndustrySeed(
        ("it services", "managed services", "cloud migration", "support", "outsourcing", "infrastructure"),
        ("managed IT services", "cloud migration projects", "IT support", "infrastructure outsourcing"),
        ("small businesses", "schools", "enterprises", "public agencies"),
        ("IT", "Solutions", "Technologies", "Services"),
    ),
    "Developer Tools": IndustrySeed(
        ("developer tools", "devops", "apis", "open source", "testing", "observability"),
        ("API testing tools", "CI/CD pipelines", "observability platforms", "open-source developer tooling"),
        ("developers", "platform teams", "startups", "DevOps engineers"),
        ("Dev", "Code", "Stack", "Labs"),
    ),
    "Robotics": IndustrySeed(
        ("robotics", "automation", "robots", "computer vision", "warehouses", "manufacturing"),
        ("warehouse robots", "collaborative robot arms", "autonomous mobile robots", "inspection robots"),
        ("warehouses", "factories", "hospitals", "farms"),
        ("Robotics", "Robots", "Automation", "Machines"),
    ),
    "Semiconductors": IndustrySeed(
        ("semiconductors", "chips", "electronics", "sensors", "chip design", "hardware"),
        ("low-power chips", "image sensors", "chip design services", "power electronics"),
        ("device makers", "automotive suppliers", "data centres", "electronics manufacturers"),
        ("Semiconductor", "Silicon", "Micro", "Electronics"),
    ),
}

COUNTRY_SEEDS: dict[str, CountrySeed] = {
    "US": CountrySeed("com", ("Inc.", "LLC", "Corp."), 30),
    "GB": CountrySeed("co.uk", ("Ltd", "PLC"), 8),
    "DE": CountrySeed("de", ("GmbH", "AG"), 7),
    "FR": CountrySeed("fr", ("SAS", "SA"), 5),
    "NL": CountrySeed("nl", ("B.V.",), 3),
    "SE": CountrySeed("se", ("AB",), 2),
    "ES": CountrySeed("es", ("S.L.", "S.A."), 3),
    "IT": CountrySeed("it", ("S.r.l.", "S.p.A."), 3),
    "CA": CountrySeed("ca", ("Inc.", "Ltd."), 4),
    "AU": CountrySeed("com.au", ("Pty Ltd",), 3),
    "IN": CountrySeed("in", ("Pvt. Ltd.",), 5),
    "JP": CountrySeed("jp", ("K.K.",), 3),
    "BR": CountrySeed("com.br", ("Ltda.",), 2),
    "KR": CountrySeed("co.kr", ("Co., Ltd.",), 2),
    "IE": CountrySeed("ie", ("Ltd",), 1),
    "CH": CountrySeed("ch", ("AG", "SA"), 2),
    "IL": CountrySeed("co.il", ("Ltd.",), 2),
    "DK": CountrySeed("dk", ("ApS", "A/S"), 1),
    "FI": CountrySeed("fi", ("Oy",), 1),
    "NO": CountrySeed("no", ("AS",), 1),
    "PL": CountrySeed("pl", ("sp. z o.o.",), 2),
    "AT": CountrySeed("at", ("GmbH",), 1),
    "BE": CountrySeed("be", ("BV", "SA"), 1),
    "MX": CountrySeed("com.mx", ("S.A. de C.V.",), 2),
    "PT": CountrySeed("pt", ("Lda.",), 1),
    "ZA": CountrySeed("co.za", ("(Pty) Ltd",), 1),
    "AE": CountrySeed("ae", ("LLC", "FZ-LLC"), 1),
    "CN": CountrySeed("cn", ("Co., Ltd.",), 3),
}

INDUSTRIES: tuple[Industry, ...] = tuple(Industry(terms, INDUSTRY_SEEDS[terms.name]) for terms in lexicon.INDUSTRIES)
COUNTRIES: tuple[Country, ...] = tuple(Country(terms, COUNTRY_SEEDS[terms.code]) for terms in lexicon.COUNTRIES)
